"""Importing dossier facts from an export: every row or none, idempotent, every bad row named."""

import io
import re
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from sqlmodel import func, select

from survey.core.dossier_import import HEADINGS, guess_mapping, read_table
from survey.models import AuditEvent, Dossier, TallyPendingDossier
from tests.helpers import sign_in

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "dossiers.csv"
GOOD = (
    "Mã hồ sơ;Mã đơn vị;Mã thủ tục;Ngày tiếp nhận;Hạn trả;Ngày trả kết quả;Phản ánh;Lý do trễ hạn\n"
    "H01-0001;H-01;1.001193;2026-10-01 08:00;2026-10-05 17:00;2026-10-04 10:00;không;\n"
    "H01-0002;H-01;2.000815;2026-10-02 09:30;2026-10-06 17:00;2026-10-08 11:00;có;Chờ xác minh\n"
    "D1-0001;D1;;2026-10-03 14:00;2026-10-10 17:00;;;\n"
)
BAD = (
    "code,unit,received_at,due_at,returned_at,complaint\n"
    "A-1,H-01,2026-10-01T08:00:00+07:00,,,\n"
    "A-2,NOPE,2026-10-01 08:00,,,\n"  # line 3: unknown unit
    "A-3,H-01,01/10/2026,,,\n"  # line 4: not ISO 8601
    "A-4,H-01,2026-10-05 08:00,2026-10-01 08:00,,\n"  # line 5: due before received
    "A-1,H-02,2026-10-01 08:00,,,\n"  # line 6: A-1 again
    ",H-01,2026-10-01 08:00,,,\n"  # line 7: no code
    "A-7,H-01,2026-10-01 08:00,,,perhaps\n"  # line 8: not yes or no
)


def count(session, table=Dossier) -> int:
    """Return how many rows a table holds now."""
    session.rollback()
    return session.exec(select(func.count()).select_from(table)).one()


def test_import_then_import_again_changes_nothing(runner, session, province, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(GOOD, encoding="utf-8")
    first = runner.invoke(args=["import", "dossiers", str(path)])
    assert first.exit_code == 0, first.output
    assert "imported: 3 created" in first.output and "code ← Mã hồ sơ" in first.output
    late = session.exec(select(Dossier).where(Dossier.late_reason.is_not(None))).one()
    assert (late.complaint, late.late_reason, late.received_at.hour) == (True, "Chờ xác minh", 2)
    queued = count(session, TallyPendingDossier)
    again = runner.invoke(args=["import", "dossiers", str(path)])
    assert again.exit_code == 0 and "imported: 3 unchanged" in again.output
    assert (count(session), count(session, TallyPendingDossier)) == (3, queued)
    [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "import")).all()[:1]
    assert '"created": 3' in event.after


def test_a_malformed_file_changes_nothing_and_names_every_bad_row(runner, session, province, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(BAD, encoding="utf-8")
    for args in ([], ["--dry-run"]):
        result = runner.invoke(args=["import", "dossiers", str(path), *args])
        assert result.exit_code == 1
        lines = [line for line in result.output.splitlines() if line.startswith("line ")]
        assert [line.split(":")[0] for line in lines] == [f"line {n}" for n in (3, 4, 5, 6, 7, 8)]
        assert "line 3: no unit 'NOPE' in your units" in lines
        assert "line 6: dossier A-1 appears again (first on line 2)" in lines
        assert "6 bad rows: nothing imported (1 created otherwise)" in result.output
    assert count(session) == 0


def test_dry_run_stores_nothing_and_unit_limits_the_scope(runner, session, province, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(GOOD, encoding="utf-8")
    dry = runner.invoke(args=["import", "dossiers", str(path), "--dry-run"])
    assert dry.exit_code == 0 and "dry run: 3 created; nothing stored" in dry.output
    assert count(session) == 0
    scoped = runner.invoke(args=["import", "dossiers", str(path), "--unit", "H"])
    assert scoped.exit_code == 1 and "line 4: no unit 'D1' in your units" in scoped.output
    assert count(session) == 0


def test_xlsx_with_mapped_columns(runner, session, province, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Số biên nhận", "Đơn vị", "Nhận lúc", "Hạn", "Trả lúc"])
    sheet.append(["X-1", "H-02", datetime(2026, 10, 1, 8), datetime(2026, 10, 3, 17),
                  datetime(2026, 10, 4, 8)])
    sheet.append([1234, "H-02", datetime(2026, 10, 2, 8), None, None])
    path = tmp_path / "export.xlsx"
    book.save(path)
    result = runner.invoke(args=["import", "dossiers", str(path), "--map", "code=Số biên nhận",
                                 "--map", "received_at=Nhận lúc", "--map", "due_at=Hạn",
                                 "--map", "returned_at=Trả lúc"])
    assert result.exit_code == 0, result.output
    assert "imported: 2 created" in result.output
    assert count(session) == 2


def test_unreadable_files_are_refused(runner, province, tmp_path):
    for name, data in (("a.txt", b"x"), ("a.xlsx", b"not a workbook"), ("a.csv", b"\xff\xfe\x00"),
                       ("b.csv", b"\n\n")):
        path = tmp_path / name
        path.write_bytes(data)
        result = runner.invoke(args=["import", "dossiers", str(path)])
        assert result.exit_code == 1 and "Error:" in result.output, (name, result.output)


def test_admin_page_previews_checks_then_imports(client, session, province):
    sign_in(client, "admin")
    assert "Nhập hồ sơ" in client.get("/admin/dossier-import").text
    bad = client.post("/admin/dossier-import", data={"upload": (io.BytesIO(BAD.encode()), "bad.csv")},
                      content_type="multipart/form-data")
    assert bad.status_code == 200
    assert re.findall(r'<tr data-line="(\d+)">', bad.text) == ["3", "4", "5", "6", "7", "8"]
    assert 'value="import"' not in bad.text and count(session) == 0
    page = client.post("/admin/dossier-import", data={"upload": (io.BytesIO(GOOD.encode()), "good.csv")},
                       content_type="multipart/form-data")
    assert '<option value="Mã hồ sơ" selected>' in page.text and 'value="import"' in page.text
    assert count(session) == 0  # checked, not stored
    carried = {"content": re.search(r'name="content" type="hidden" value="([^"]*)"', page.text)[1],
               "filename": "good.csv", "action": "import",
               **{f"map-{fact}": column for fact, column in (
                   ("code", "Mã hồ sơ"), ("unit", "Mã đơn vị"), ("received_at", "Ngày tiếp nhận"))}}
    done = client.post("/admin/dossier-import", data=carried)
    assert done.status_code == 303 and count(session) == 3
    again = client.post("/admin/dossier-import", data=carried, follow_redirects=True)
    assert "0 hồ sơ mới" in again.text and count(session) == 3


def test_admin_page_refuses_unreadable_files(client, province):
    sign_in(client, "admin")
    answer = client.post("/admin/dossier-import", data={"upload": (io.BytesIO(b"x"), "a.pdf")},
                         content_type="multipart/form-data", follow_redirects=True)
    assert "the file must be .csv or .xlsx" in answer.text
    assert client.post("/admin/dossier-import", data={"content": "%%%"}).status_code == 400


def test_the_shipped_example_names_every_fact():
    header, rows = read_table(EXAMPLE.read_bytes(), EXAMPLE.name)
    assert set(guess_mapping(header)) == set(HEADINGS) and len(rows) == 3
