import json
import subprocess
import sys
from pathlib import Path

import pytest

from scoring import SIPAS_SERVICE
from scoring.cli import main

ROOT = Path(__file__).resolve().parents[2]
INDEX_KEYS = ["estimate", "ci_low", "ci_high", "se", "deff", "n_eff", "respondents", "partial",
              "missing_factors"]
VERDICT_KEYS = ["status", "label", "target", "confidence_level", "sides", "more_needed", "ci_low", "ci_high",
                "interval_level", "adjustment", "reachable", "power", "n"]
ITEM_KEYS = ["n", "satisfied", "estimate", "ci_low", "ci_high"]

APP_INSTRUMENT = """\
code: mini
version: 1
title: {vi: Khảo sát nhỏ, en: Small survey}
scale:
  levels: [1, 2, 3, 4, 5]
  satisfied: [5]
factors:
  - {code: A, title: {vi: Tiếp cận, en: Access}, weight: 1}
  - {code: C, title: {vi: Công chức, en: Civil servant}, weight: 3}
items:
  - {code: A1, factor: A, text: {vi: Biển hiệu, en: Signs}}
  - {code: C1, factor: C, text: {vi: Thái độ, en: Attitude}}
  - {code: OVERALL, factor: null, text: {vi: Nhìn chung, en: Overall}}
"""


@pytest.fixture
def responses(tmp_path):
    lines = ["unit,channel,A1,A2,C1,OVERALL,comment"]
    lines += ["u1,kiosk,5,4,,5,tốt"] * 20 + ["u1,qr,3,,4,2,"] * 15 + ["u2,qr,5,5,5,5,"] * 3
    path = tmp_path / "responses.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(capsys, *argv):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_json_output_has_exactly_the_documented_shape(capsys, responses):
    status, out, err = run(capsys, responses, "--by", "unit")
    assert status == 0
    assert [line.split(" has ")[0] for line in err.splitlines()] == [
        f"hailong-score: warning: factor {k!r}" for k in "BDE"]
    groups = json.loads(out)
    assert [g["group"] for g in groups] == [{"unit": "u1"}, {"unit": "u2"}]
    u1 = groups[0]
    assert list(u1) == ["group", "n", "index", "verdict", "factors", "items"]
    assert list(u1["index"]) == INDEX_KEYS
    assert list(u1["factors"]) == ["A", "B", "C", "D", "E"]
    assert all(list(f) == ["estimate", "ci_low", "ci_high"] for f in u1["factors"].values())
    assert list(u1["items"]) == list(SIPAS_SERVICE.codes)
    assert all(list(i) == ITEM_KEYS for i in u1["items"].values())
    assert u1["n"] == 35
    assert u1["items"]["A1"] == {**u1["items"]["A1"], "n": 35, "satisfied": 20, "estimate": 20 / 35}
    assert u1["items"]["A2"]["n"] == 20 and u1["items"]["C1"]["satisfied"] == 15
    assert u1["factors"]["A"]["estimate"] == pytest.approx((20 / 35 + 1) / 2)
    assert u1["factors"]["B"] == {"estimate": None, "ci_low": None, "ci_high": None}
    assert u1["index"]["estimate"] == pytest.approx(((20 / 35 + 1) / 2 + 1) / 2)
    assert list(u1["verdict"]) == VERDICT_KEYS
    assert u1["verdict"]["status"] == "inconclusive" and u1["verdict"]["adjustment"] == "none"
    assert u1["verdict"]["interval_level"] == pytest.approx(0.9) and u1["verdict"]["sides"] == "one-sided"
    assert u1["verdict"]["ci_low"] < u1["index"]["estimate"] < u1["verdict"]["ci_high"]
    assert u1["index"]["partial"] is True and u1["index"]["missing_factors"] == ["B", "D", "E"]
    assert groups[1]["n"] == 3 and groups[1]["verdict"]["status"] == "insufficient"
    assert groups[1]["index"]["se"] == 0.0 and groups[1]["index"]["deff"] is None


def test_options_reach_the_scores(capsys, responses):
    _, out, _ = run(capsys, responses, "--method", "clopper-pearson", "--confidence", "0.9",
                    "--target", "0.5")
    [everyone] = json.loads(out)
    assert everyone["group"] == {}
    a2 = everyone["items"]["A2"]
    assert a2["n"] == 23 and a2["ci_low"] == pytest.approx(0.05 ** (1 / 23))
    assert everyone["verdict"]["status"] == "met"
    assert everyone["verdict"]["label"] == "met (target 50%, 90% one-sided)"


def test_csv_output_is_flat(capsys, responses):
    status, out, _ = run(capsys, responses, "--by", "unit", "--by", "channel", "--format", "csv")
    header, *rows = out.strip().splitlines()
    columns = header.split(",")
    assert columns[:13] == ["unit", "channel", "n", *[f"index_{k}" for k in INDEX_KEYS], "verdict"]
    verdict_columns = [f"verdict_{k}" for k in VERDICT_KEYS[1:]]
    assert columns[13:13 + len(verdict_columns)] == verdict_columns
    assert "factor_A_estimate" in columns and "item_OVERALL_ci_high" in columns
    assert len(columns) == 13 + len(verdict_columns) + 5 * 3 + 17 * 5
    assert [r.split(",")[:3] for r in rows] == [["u1", "kiosk", "20"], ["u1", "qr", "15"], ["u2", "qr", "3"]]


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_files_are_read_like_commas(capsys, responses, tmp_path, delimiter):
    path = tmp_path / "excel.csv"
    path.write_text(responses.read_text(encoding="utf-8").replace(",", delimiter), encoding="utf-8")
    assert run(capsys, path, "--by", "unit")[1] == run(capsys, responses, "--by", "unit")[1]


def test_decomposed_unicode_headers_and_values_match(capsys, tmp_path):
    import unicodedata

    nfd = unicodedata.normalize("NFD", "Đơn vị")
    rows = [f"{nfd},A1,C1"] + [f"{unicodedata.normalize('NFD', 'Phường Hòa')},5,4"] * 3
    path = tmp_path / "nfd.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    status, out, err = run(capsys, path, "--by", "Đơn vị")
    assert status == 0, err
    assert json.loads(out)[0]["group"] == {"Đơn vị": "Phường Hòa"}


def test_a_factor_without_item_columns_is_warned_about(capsys, responses):
    status, _, err = run(capsys, responses, "--by", "unit")
    assert status == 0 and "factor 'C'" not in err and "factor 'B' has no item columns" in err
    path = responses.with_name("no-c.csv")
    path.write_text(responses.read_text(encoding="utf-8").replace(",C1,", ",X_note,"), encoding="utf-8")
    status, _, err = run(capsys, path, "--by", "unit")
    assert status == 0 and "warning: factor 'C' has no item columns" in err


def test_app_shaped_yaml_instrument(capsys, responses, tmp_path):
    path = tmp_path / "mini.yaml"
    path.write_text(APP_INSTRUMENT, encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(responses.read_text(encoding="utf-8").replace("A2", "comment2"), encoding="utf-8")
    _, out, err = run(capsys, bad, "--by", "unit", "--instrument", path)
    assert err == ""
    u1 = json.loads(out)[0]
    assert list(u1["items"]) == ["A1", "C1", "OVERALL"]
    assert u1["items"]["A1"]["satisfied"] == 20  # only level 5 counts in this instrument
    assert u1["index"]["estimate"] == pytest.approx((20 / 35 + 3 * 0) / 4)


def test_json_instrument(capsys, responses, tmp_path):
    path = tmp_path / "mini.json"
    items = [{"code": "A1", "factor": "A"}, {"code": "A2", "factor": "A"},
             {"code": "C1", "factor": "C"}, {"code": "OVERALL", "factor": None}]
    path.write_text(json.dumps({"items": items}))
    _, out, _ = run(capsys, responses, "--instrument", path)
    assert list(json.loads(out)[0]["factors"]) == ["A", "C"]


def test_missing_pyyaml_is_a_clear_error(capsys, responses, tmp_path, monkeypatch):
    path = tmp_path / "mini.yaml"
    path.write_text(APP_INSTRUMENT, encoding="utf-8")
    monkeypatch.setitem(sys.modules, "yaml", None)
    status, _, err = run(capsys, responses, "--instrument", path)
    assert status == 2 and "YAML instruments need PyYAML" in err


ERRORS = [
    ("unit,A1,A2\nu1,5,4\nu1,7,4\n", ["--by", "unit"],
     "line 3 (data row 2), column 'A1': value '7' is out of range"),
    ("unit,A1,A2\nu1,5,x\n", ["--by", "unit"],
     "line 2 (data row 1), column 'A2': value 'x' is not a whole number"),
    ("unit,A1,A2\nu1,5,4.5\n", [], "column 'A2': value '4.5' is not a whole number"),
    ("unit,A1\nu1,5\n", ["--by", "zone"], "line 1: grouping column 'zone' not found"),
    ("", [], "empty file"),
    ("unit,A1\n", [], "no data rows after the header"),
    ("unit,score\nu1,5\n", [], "line 1: no item columns"),
    ("unit,A1,A4\nu1,5,5\n", [], "line 1: column 'A4' looks like an item code but is not in the instrument"),
    ("unit,A1\nu1,5,5\n", [], "line 2: 3 fields, the header has 2"),
    ("unit,A1,A1\nu1,5,5\n", [], "line 1: column 'A1' appears twice"),
    ("unit,A1\nu1,5\n", ["--confidence", "95"], "confidence_level must be in (0, 1); got 95.0"),
    ("unit,A1\nu1,5\n", ["--instrument", "nowhere.yaml"],
     "instrument 'nowhere.yaml' is neither 'sipas-service' nor a readable file"),
]


@pytest.mark.parametrize(("text", "options", "message"), ERRORS)
def test_bad_input_is_one_line_and_status_2(capsys, tmp_path, text, options, message):
    path = tmp_path / "in.csv"
    path.write_text(text, encoding="utf-8")
    status, out, err = run(capsys, path, *options)
    assert status == 2 and out == ""
    assert err.startswith("hailong-score: error: ") and err.endswith("\n") and err.count("\n") == 1
    assert message in err


def test_quoted_newlines_keep_line_numbers_honest(capsys, tmp_path):
    path = tmp_path / "in.csv"
    path.write_text('unit,comment,A1\nu1,"two\nlines",5\nu1,ok,9\n', encoding="utf-8")
    _, _, err = run(capsys, path)
    assert "line 4 (data row 2), column 'A1'" in err


def test_python_dash_m_scoring(responses):
    done = subprocess.run([sys.executable, "-m", "scoring", str(responses), "--by", "unit"], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert [g["n"] for g in json.loads(done.stdout)] == [35, 3]
    done = subprocess.run([sys.executable, "-m", "scoring", str(responses), "--by", "nope"], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2 and "grouping column 'nope' not found" in done.stderr


def test_installed_console_script_and_the_app_instrument_file_agree(responses):
    script = Path(sys.executable).with_name("hailong-score")
    assert script.exists(), "setup.cfg declares the hailong-score console script"
    app_file = ROOT / "survey" / "instruments" / "sipas-service.yaml"
    default = subprocess.run([script, responses, "--by", "unit"], capture_output=True, text=True, check=True)
    from_file = subprocess.run(
        [script, responses, "--by", "unit", "--instrument", app_file],
        capture_output=True, text=True, check=True,
    )
    assert json.loads(default.stdout) == json.loads(from_file.stdout)
    assert json.loads(default.stdout)[0]["items"]["A1"]["n"] == 35
