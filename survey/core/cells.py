"""Cells of exported spreadsheets that no spreadsheet program runs as a formula (CSV injection)."""

#: A text starting with one of these is read as a formula by Excel, LibreOffice or Google Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(value: object) -> object:
    """Return a text cell that cannot start a formula (prefixed with an apostrophe); other values as is.

    The apostrophe is what spreadsheet programs themselves use to mark a cell as text, so it shows
    the name as typed. Numbers stay numbers, negative ones included.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def inert_row(values) -> list:
    """Return a row of cells made inert."""
    return [inert(value) for value in values]
