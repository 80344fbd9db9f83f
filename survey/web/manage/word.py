"""The official report as a Word document (python-docx), laid out as Nghị định 30/2020/NĐ-CP asks.

A4, margins 20–30 mm, Times New Roman 13 pt; the head is a borderless two-column table (bodies and
number on the left, Quốc hiệu and tiêu ngữ with place and date on the right); the document kind in
bold capitals, centred; the closing is another borderless table (Nơi nhận on the left, the signature
block on the right). Offices edit this file in Word before they sign and send it.
"""

import io
from collections.abc import Callable

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt
from docx.table import _Cell

from survey.web.manage.document import Figure, Report, Table

FONT = "Times New Roman"
CENTER, LEFT, JUSTIFY = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.JUSTIFY


def line(container, text: str, *, size: float = 13, bold=False, italic=False, underline=False,
         align=CENTER, space_after: float = 0):
    """Add one paragraph of a single run to a document or a table cell."""
    paragraph = container.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(space_after)
    run = paragraph.add_run(text)
    run.font.size, run.font.bold, run.font.italic, run.font.underline = Pt(size), bold, italic, underline
    run.font.name = FONT
    return paragraph


def cell(table, row: int, column: int) -> _Cell:
    """Return an emptied cell of a table (a new cell holds one empty paragraph)."""
    target = table.cell(row, column)
    target._element.remove(target.paragraphs[0]._element)
    return target


def head(document, report: Report) -> None:
    """Write the head of the document: bodies, number, Quốc hiệu, tiêu ngữ, place and date."""
    frame = document.add_table(rows=1, cols=2)
    frame.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = cell(frame, 0, 0), cell(frame, 0, 1)
    frame.columns[0].width = left.width = Mm(70)
    frame.columns[1].width = right.width = Mm(95)
    if report.governing_body:
        line(left, report.governing_body, size=12)
    line(left, report.issuing_body, size=12, bold=True, underline=True, space_after=6)
    line(left, report.number, size=13)
    line(right, report.national_name, size=12, bold=True)
    line(right, report.national_motto, size=13, bold=True, underline=True, space_after=6)
    line(right, report.place_date, size=13, italic=True)
    line(document, "", space_after=6)
    line(document, report.kind, size=14, bold=True)
    line(document, report.subject, size=14, bold=True, space_after=12)


def data_table(document, table: Table) -> None:
    """Write a caption and a bordered table (header row in bold)."""
    line(document, table.caption, size=12, italic=True, align=LEFT, space_after=3)
    grid = document.add_table(rows=1 + len(table.rows), cols=len(table.header))
    grid.style = "Table Grid"
    for column, text in enumerate(table.header):
        line(cell(grid, 0, column), text, size=11, bold=True)
    for row_number, row in enumerate(table.rows, start=1):
        for column, text in enumerate(row):
            line(cell(grid, row_number, column), text, size=11, align=LEFT if column == 0 else CENTER)
    line(document, "", space_after=6)


def closing(document, report: Report) -> None:
    """Write the recipients on the left and the signature block on the right."""
    frame = document.add_table(rows=1, cols=2)
    left, right = cell(frame, 0, 0), cell(frame, 0, 1)
    line(left, "Nơi nhận:", size=12, bold=True, italic=True, align=LEFT)
    for recipient in report.recipients:
        line(left, f"- {recipient}", size=11, align=LEFT)
    line(right, report.signer_title, size=13, bold=True)
    line(right, report.signer_note, size=13, italic=True)


def to_docx(report: Report, *, chart: Callable[[str], bytes]) -> bytes:
    """Return the report as DOCX bytes; `chart(name)` gives a figure's PNG."""
    document = Document()
    for part in document.sections:
        part.page_width, part.page_height = Mm(210), Mm(297)
        part.top_margin = part.bottom_margin = Mm(20)
        part.left_margin, part.right_margin = Mm(30), Mm(15)
    style = document.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(13)
    head(document, report)
    for section in report.sections:
        heading = document.add_heading(section.heading, level=1)
        for run in heading.runs:
            run.font.name, run.font.size = FONT, Pt(13)
        for block in section.blocks:
            if isinstance(block, Table):
                data_table(document, block)
            elif isinstance(block, Figure):
                document.add_picture(io.BytesIO(chart(block.chart)), width=Mm(160))
                line(document, block.caption, size=12, italic=True, space_after=6)
            else:
                line(document, block, align=JUSTIFY, space_after=6)
    closing(document, report)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
