"""`flask --app survey scores`: text, CSV and JSON with the settings of every verdict."""

import csv
import io
import json
import re

from survey import scores
from tests.factories import verdict_mix


def test_json_is_the_score_table(runner, session, province):
    verdict_mix(session, province)
    result = runner.invoke(args=["scores", "--period", "2026-07", "--format", "json"])
    assert result.exit_code == 0, result.output
    table = json.loads(result.output)
    assert table["unit"]["code"] == "P" and table["period"]["key"] == "2026-07"
    verdicts = {row["unit"]: row["verdict"]["status"] for row in table["rows"]}
    assert verdicts == {"D1": "met", "D2": "not-met", "H": "inconclusive"}
    assert table["settings"]["method"] == "agresti-coull" and table["rows"][0]["verdict"]["target"] == 0.9
    # one row per line after an indented head, the same data as the table itself
    rows = [json.loads(line.rstrip(",")) for line in result.output.splitlines() if line.startswith("    {")]
    assert [row["unit"] for row in rows] == ["D1", "D2", "H"]
    with runner.app.app_context():
        same = scores.score_scope(session, unit=province.root, period="2026-07")
    assert table == json.loads(json.dumps(same.to_dict()))


def test_csv_of_every_unit_of_a_subtree(runner, session, province):
    verdict_mix(session, province)
    result = runner.invoke(args=["scores", "--unit", "H", "--level", "all", "--period", "2026-07",
                                 "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [row["unit"] for row in rows] == ["H", "H-01", "H-02"]
    assert rows[1]["verdict"] == "inconclusive" and float(rows[1]["index_estimate"]) == 0.925
    assert rows[2]["verdict"] == "insufficient" and rows[2]["sides"] == "one-sided"
    assert rows[2]["confidence_level"] == "0.95"


def test_text_prints_the_settings_and_more_needed(runner, session, province):
    verdict_mix(session, province)
    result = runner.invoke(args=["scores", "--unit", "H", "--period", "2026-07", "--exclude-flagged"])
    assert "Verdicts: agresti-coull, 95% one-sided, target 90%, at least 30 responses" in result.output
    # H-01 (37 of 40) is open and within reach; H (the mean of H-01 and H-02) needs more than ten
    # years of its volume, and says so
    assert re.search(r"H-01 .* inconclusive \(holm adjusted\) \(about \d+ more\)", result.output)
    assert re.search(r"\nH .* inconclusive \(not reachable at this volume\)", result.output)


def test_bad_options_are_refused(runner, province):
    assert "no unit with code 'XX'" in runner.invoke(args=["scores", "--unit", "XX"]).output
    assert "not a valid period" in runner.invoke(args=["scores", "--period", "2026-13"]).output
    assert "no service" in runner.invoke(args=["scores", "--service", "0.000"]).output


def test_csv_of_the_root_carries_the_sub_units_shrunk_estimates(runner, session, province):
    verdict_mix(session, province)
    result = runner.invoke(args=["scores", "--period", "2026-07", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = {row["unit"]: row for row in csv.DictReader(io.StringIO(result.output))}
    assert set(rows) == {"P", "D1", "D2", "H"}
    assert rows["P"]["index_shrunk"] == ""  # the scope is not ranked
    assert all(0 < float(rows[code]["index_shrunk"]) < 1 for code in ("D1", "D2", "H"))
