"""Instrument files load, validate with clear errors, and turn answers into bit masks."""

import copy

import pytest

from survey import instruments
from survey.instruments import InstrumentError, parse

SIPAS_CODES = ["A1", "A2", "A3", "B1", "B2", "B3", "B4", "C1", "C2", "C3", "D1", "D2", "D3", "E1", "E2", "E3",
               "OVERALL"]


def test_shipped_instruments():
    assert instruments.available() == ["quick-3", "sipas-service", "tt01-dossier"]
    sipas = instruments.load("sipas-service")
    assert [item.code for item in sipas.scored_items] == SIPAS_CODES
    assert [f["code"] for f in sipas.factors] == ["A", "B", "C", "D", "E"]
    assert sipas.satisfied == {4, 5}
    assert sipas.no_opinion.value == 0
    assert sipas.item("E3").factor == "E" and sipas.item("OVERALL").factor is None
    assert all(item.text["vi"] and item.text["en"] for item in sipas.items)
    tt01 = instruments.load("tt01-dossier")
    assert [item.indicator for item in tt01.items if item.kind == "points"] == [1, 3, 4, 7]
    assert [o.points for o in tt01.item("T1").options] == [2, 1, 0, None]
    assert [item.code for item in instruments.load("quick-3").scored_items] == ["RATING"]


def test_masks_leave_no_opinion_out_of_the_denominator():
    sipas = instruments.load("sipas-service")
    answered, satisfied = sipas.masks({"A1": 5, "A2": 3, "A3": 0, "OVERALL": 4})
    assert answered == 0b1 | 0b10 | (1 << 16)
    assert satisfied == 0b1 | (1 << 16)


def sipas_document() -> dict:
    return copy.deepcopy(instruments.load("sipas-service").document)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["items"][2].update(factor="Z"), r"items\[2\]\.factor: unknown factor 'Z'"),
        (lambda d: d["items"][0]["text"].pop("en"), r"items\[0\]\.text\.en: must be non-empty text"),
        (lambda d: d["scale"].update(satisfied=[6]), r"scale\.satisfied: must be a non-empty subset"),
        (lambda d: d.update(version=0), r"version: must be a positive whole number, got 0"),
        (lambda d: d["items"][1].update(code="A1"), r"items: item codes repeat"),
        (lambda d: d["items"][1].update(kind="slider"), r"items\[1\]\.kind: must be one of"),
        (lambda d: d.pop("items"), r"items: must be a non-empty list, got None"),
    ],
)
def test_invalid_documents_name_the_file_and_the_field(change, message):
    document = sipas_document()
    change(document)
    with pytest.raises(InstrumentError, match=r"^broken\.yaml: " + message):
        parse(document, source="broken.yaml")


def test_unknown_instrument_lists_the_shipped_ones():
    with pytest.raises(InstrumentError, match="shipped: quick-3, sipas-service, tt01-dossier"):
        instruments.load("nope")


def test_a_file_that_is_not_yaml(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("code: [unclosed", encoding="utf-8")
    with pytest.raises(InstrumentError, match="bad.yaml: not valid YAML"):
        instruments.load_path(bad)


#: What a plain `{vi: Cán bộ, công chức, en: …}` loads as.
CUT_LABEL = {"vi": "Cán bộ", "công chức": None, "en": "Public sector"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["factors"][4].update(title=CUT_LABEL), r"factors\[4\]\.title: has keys other than"),
        (lambda d: d["scale"]["levels"][0].update(label=CUT_LABEL), r"scale\.levels\[0\]\.label: has keys"),
        (lambda d: d["facts"][2]["options"][3].update(label=CUT_LABEL),
         r"facts\[2\]\.options\[3\]\.label: has keys other than"),
        (lambda d: d["facts"][0].update(label={"vi": 5, "en": "Gender"}),
         r"facts\[0\]\.label\.vi: must be non-empty"),
        (lambda d: d["facts"][1]["options"][0].update(label={"vi": "  ", "en": "18–24"}),
         r"facts\[1\]\.options\[0\]\.label\.vi: must be non-empty text"),
        (lambda d: d["comment"].update(label={"vi": "Góp ý"}), r"comment\.label\.en: must be non-empty text"),
    ],
)
def test_labels_are_whole_strings_in_every_language(change, message):
    document = sipas_document()
    change(document)
    with pytest.raises(InstrumentError, match=r"^broken\.yaml: " + message):
        parse(document, source="broken.yaml")


def test_a_stored_version_with_cut_labels_still_reads():
    document = sipas_document()
    document["factors"][4]["title"] = {"vi": "Tiếp nhận", "xử lý góp ý": None, "en": "Handling"}
    stored = parse(document, source="instrument #1", strict=False)
    assert stored.factors[4]["title"]["vi"] == "Tiếp nhận"


def test_a_flow_mapping_cut_at_a_comma_is_refused(tmp_path):
    text = instruments.load.__wrapped__("sipas-service")  # the shipped file, parsed fresh
    assert text.factors[4]["title"]["vi"].endswith("kiến nghị")
    cut = tmp_path / "cut.yaml"
    source = (instruments.HERE / "sipas-service.yaml").read_text(encoding="utf-8")
    cut.write_text(source.replace('"Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị"',
                                  "Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị"), encoding="utf-8")
    with pytest.raises(InstrumentError, match=r"cut\.yaml: factors\[4\]\.title: has keys other than"):
        instruments.load_path(cut)
