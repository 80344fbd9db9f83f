"""`flask --app survey scores`: text, CSV and JSON with the settings of every verdict."""

import csv
import io
import json

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
    assert "H-01" in result.output and "inconclusive (about" in result.output


def test_bad_options_are_refused(runner, province):
    assert "no unit with code 'XX'" in runner.invoke(args=["scores", "--unit", "XX"]).output
    assert "not a valid period" in runner.invoke(args=["scores", "--period", "2026-13"]).output
    assert "no service" in runner.invoke(args=["scores", "--service", "0.000"]).output
