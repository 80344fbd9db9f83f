"""Every instrument shows its texts whole, in both languages, and its time estimate is honest."""

import re
from html.parser import HTMLParser

import pytest

from survey import instruments
from tests.helpers import D1

#: Elements whose text a respondent reads as one label.
LABELLED = {"h1", "legend", "span", "option", "label", "summary", "p"}


class VisibleTexts(HTMLParser):
    """Collect the whole text of every labelled element of a page (the page's <main>)."""

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, list[str]]] = []
        self.texts: list[tuple[str, str]] = []
        self.in_main = False

    def handle_starttag(self, tag, attrs):
        if tag == "main":
            self.in_main = True
        if self.in_main and tag in LABELLED:
            self.stack.append((tag, []))

    def handle_endtag(self, tag):
        if tag == "main":
            self.in_main = False
        if self.stack and self.stack[-1][0] == tag:
            _, parts = self.stack.pop()
            self.texts.append((tag, " ".join("".join(parts).split())))

    def handle_data(self, data):
        for _, parts in self.stack:
            parts.append(data)


def visible_texts(html: str) -> list[tuple[str, str]]:
    """Return (tag, text) of every labelled element of a page's <main>, in order."""
    parser = VisibleTexts()
    parser.feed(html)
    return parser.texts


def source_texts(instrument: instruments.Instrument, language: str) -> list[str]:
    """Return every label of an instrument that its form shows, as the source file has it."""
    texts = [instrument.title[language], instrument.intro[language]]
    texts += [f"{factor['code']}. {factor['title'][language]}" for factor in instrument.factors]
    for item in instrument.items:
        texts.append(item.text[language])
        choices = item.options if item.kind != "rating" else instrument.levels
        texts += [option.label[language] for option in choices]
    if instrument.no_opinion:
        texts.append(instrument.no_opinion.label[language])
    for fact in instrument.facts:
        texts.append(fact["label"][language])
        texts += [option["label"][language] for option in fact["options"]]
    if instrument.comment.get("max_length"):
        texts.append(instrument.comment["label"][language])
    return [" ".join(text.split()) for text in texts]


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("code", instruments.available())
def test_every_label_is_shown_whole(client, session, province, code, language):
    counter = province.counters["D1"]
    counter.instrument_code = code
    session.commit()
    page = client.get(f"{D1}?lang={language}")
    assert page.status_code == 200
    shown = [text for _, text in visible_texts(page.text)]
    instrument = instruments.load(code)
    for text in source_texts(instrument, language):
        assert text in shown, f"{code} ({language}): {text!r} is not shown whole"


def test_texts_with_commas_stay_whole():
    sipas, tt01 = instruments.load(instruments.SIPAS), instruments.load(instruments.DOSSIER)
    assert sipas.factors[4]["title"] == {"vi": "Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị",
                                         "en": "Handling of feedback and complaints"}
    occupations = {o["value"]: o["label"]["vi"] for o in sipas.facts[2]["options"]}
    assert occupations["public-sector"] == "Cán bộ, công chức, viên chức"
    assert occupations["student"] == "Học sinh, sinh viên"
    assert [o.label["vi"] for o in tt01.item("T7").options] == [
        "Giải quyết trước hạn, không gây phiền hà", "Đúng hạn, không gây phiền hà",
        "Có gây phiền hà, sách nhiễu"]


#: A respondent reads about 200 words (Vietnamese: syllables) a minute and takes about three seconds
#: to pick each answer. Each distinct text is read once (the scale's labels repeat under every item);
#: the list of procedures is scanned, not read, and the optional facts and comment are left out.
WORDS_PER_MINUTE = 200
SECONDS_PER_ANSWER = 3


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_time_estimate_is_measured_on_the_form(client, province, language):
    sipas = instruments.load(instruments.SIPAS)
    page = client.get(f"{D1}?lang={language}").text
    texts = dict.fromkeys(text for tag, text in visible_texts(page[:page.index("<details")])
                          if tag != "option")
    words = sum(len(text.split()) for text in texts)
    minutes = words / WORDS_PER_MINUTE + len(sipas.items) * SECONDS_PER_ANSWER / 60
    stated = [int(n) for n in re.findall(r"\d+", sipas.intro[language])]
    low, high = (stated[0] - 0.5, stated[0] + 0.5) if len(stated) == 1 else stated
    assert low <= minutes <= high, f"{words} words and {len(sipas.items)} answers take {minutes:.1f} minutes"
