"""Import dossier facts from a one-stop system's export (CSV or XLSX): all or nothing, idempotent.

`read_table` turns a file into a header and rows; `guess_mapping` maps its columns to the facts
(English field names or the usual Vietnamese headings); `import_rows` checks every row and stores
them with survey.core.dossier_facts.store_facts. It never commits: the caller commits only when the
report has no bad row and it is not a dry run (and rolls back otherwise), so a file is imported
whole or not at all, and importing it again finds every dossier unchanged.
"""

import contextlib
import csv
import io
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlmodel import Session

from survey.core.dossier_facts import FactsError, read_facts, store_facts
from survey.models import Unit

#: Each fact and the column headings that name it (compared without accents, case or spaces).
HEADINGS = {
    "code": ("code", "dossier", "ma ho so", "so ho so", "ma hs"),
    "unit": ("unit", "ma don vi", "don vi", "co quan"),
    "service": ("service", "ma thu tuc", "thu tuc", "ma tthc"),
    "received_at": ("received_at", "received", "ngay tiep nhan", "thoi gian tiep nhan", "ngay nhan"),
    "due_at": ("due_at", "due", "han tra", "ngay hen tra", "han giai quyet", "ngay hen tra ket qua"),
    "returned_at": ("returned_at", "returned", "ngay tra", "ngay tra ket qua", "thoi gian tra ket qua"),
    "late_reason": ("late_reason", "ly do tre han", "ly do qua han"),
    "complaint": ("complaint", "phan anh", "phan anh kien nghi", "khieu nai"),
    "complaint_outcome": ("complaint_outcome", "ket qua xu ly phan anh", "ket qua phan anh"),
    "online": ("online", "truc tuyen", "nop truc tuyen", "dvc truc tuyen"),
}
#: Facts every row needs a column for.
REQUIRED = ("code", "unit", "received_at")
#: Most rows one file may hold.
MAX_ROWS = 100_000


class TableError(ValueError):
    """The file cannot be read as a table (not CSV or XLSX, no header, too many rows)."""


@dataclass
class ImportReport:
    """What an import did or would do: counts per status and every bad row (line, reason)."""

    counts: dict[str, int] = field(default_factory=dict)
    bad: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Tell whether every row can be stored."""
        return not self.bad


def plain_heading(text: object) -> str:
    """Return a heading without accents, case, underscores or spaces ("Ngày tiếp nhận" → "ngay tiep nhan")."""
    decomposed = unicodedata.normalize("NFD", str(text or "").replace("đ", "d").replace("Đ", "D"))
    letters = "".join(c for c in decomposed if unicodedata.category(c) != "Mn").lower().replace("_", " ")
    return " ".join(letters.split())


def read_table(data: bytes, filename: str) -> tuple[list[str], list[list[object]]]:
    """Return the header and rows of a CSV (UTF-8, comma or semicolon) or XLSX file; raise TableError."""
    if filename.lower().endswith(".xlsx"):
        rows = xlsx_rows(data)
    elif filename.lower().endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise TableError("the CSV file is not UTF-8 text") from None
        dialect: type[csv.Dialect] = csv.excel
        with contextlib.suppress(csv.Error):  # one column, or a sample too short to tell: commas
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        rows = [list(row) for row in csv.reader(io.StringIO(text), dialect)]
    else:
        raise TableError("the file must be .csv or .xlsx")
    rows = [row for row in rows if any(cell not in (None, "") for cell in row)]
    if not rows:
        raise TableError("the file has no header row")
    if len(rows) - 1 > MAX_ROWS:
        raise TableError(f"the file has more than {MAX_ROWS} rows; split it")
    return [str(cell or "").strip() for cell in rows[0]], rows[1:]


def xlsx_rows(data: bytes) -> list[list[object]]:
    """Return the rows of the first sheet of an XLSX file."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise TableError(f"the file is not a readable XLSX workbook ({type(exc).__name__})") from None
    try:
        return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def guess_mapping(header: list[str]) -> dict[str, str]:
    """Return {fact: column heading} for the columns whose heading names a fact."""
    plain = {plain_heading(name): name for name in header}
    mapping = {}
    for fact, names in HEADINGS.items():
        found = next((plain[plain_heading(name)] for name in names if plain_heading(name) in plain), None)
        if found is not None:
            mapping[fact] = found
    return mapping


def cell_value(value: object) -> object:
    """Return a cell as the facts reader takes it: text, a time, a yes/no, or None."""
    if value is None or isinstance(value, bool | datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time())
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def import_rows(session: Session, header: list[str], rows: Iterable[list[object]], mapping: dict[str, str],
                *, within: Unit) -> ImportReport:
    """Check and store every row (line 1 is the header); return the report. Flushes, never commits."""
    report = ImportReport()
    missing = [fact for fact in REQUIRED if mapping.get(fact) not in header]
    if missing:
        report.bad.append((1, f"no column for {', '.join(missing)}"))
        return report
    unknown = sorted(set(mapping) - set(HEADINGS))
    if unknown:
        report.bad.append((1, f"unknown facts {', '.join(unknown)}"))
        return report
    where = {fact: header.index(column) for fact, column in mapping.items() if column in header}
    seen: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        item = {fact: cell_value(row[at] if at < len(row) else None) for fact, at in where.items()}
        code = item.pop("code")
        try:
            facts = read_facts(code, item, local_times=True)
            if facts.code in seen:
                raise FactsError("invalid", f"dossier {facts.code} appears again "
                                            f"(first on line {seen[facts.code]})")
            seen[facts.code] = line
            status, _ = store_facts(session, facts, within=within)
        except FactsError as exc:
            report.bad.append((line, str(exc)))
            continue
        report.counts[status] = report.counts.get(status, 0) + 1
    return report
