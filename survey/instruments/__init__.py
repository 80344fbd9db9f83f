"""Questionnaires as data: load, validate and describe the instrument files in this folder."""

import hashlib
import json
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import NoReturn

import yaml

from survey.models import ANSWER_SLOTS

HERE = Path(__file__).parent
LANGUAGES = ("vi", "en")
ITEM_KINDS = ("rating", "points", "multi")


class InstrumentError(ValueError):
    """An instrument file is malformed; the message names the file and the field."""


class UnknownItem(KeyError):
    """An instrument has no item with the code asked for."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Option:
    value: int
    label: dict
    points: int | None = None


@dataclass(frozen=True)
class Item:
    code: str
    kind: str
    text: dict
    #: Position of the item's value in an answer row (v01 is slot 1).
    slot: int
    factor: str | None = None
    required: bool = True
    options: tuple[Option, ...] = ()
    #: TT 01 indicator number for "points" items.
    indicator: int | None = None


@dataclass(frozen=True)
class Instrument:
    code: str
    version: int
    title: dict
    intro: dict
    levels: tuple[Option, ...]
    no_opinion: Option | None
    satisfied: frozenset[int]
    factors: tuple[dict, ...]
    items: tuple[Item, ...]
    comment: dict
    facts: tuple[dict, ...]
    #: The validated document, stored with every instrument version in the database.
    document: dict

    @cached_property  # a frozen dataclass still has a __dict__ for it
    def scored_items(self) -> tuple[Item, ...]:
        """Return the rating items in order: bit j of the answer masks is the j-th of these."""
        return tuple(item for item in self.items if item.kind == "rating")

    @property
    def checksum(self) -> str:
        """Return the SHA-256 of the canonical JSON document."""
        return hashlib.sha256(self.definition_json.encode()).hexdigest()

    @property
    def definition_json(self) -> str:
        """Return the document as canonical JSON."""
        return json.dumps(self.document, ensure_ascii=False, sort_keys=True)

    def item(self, code: str) -> Item:
        """Return the item with this code."""
        for item in self.items:
            if item.code == code:
                return item
        raise UnknownItem(f"item {code!r} is not in {self.code}")

    def masks(self, values: dict[str, int | None]) -> tuple[int, int]:
        """Return (answered_mask, satisfied_mask) for a respondent's item values."""
        answered = satisfied = 0
        for bit, item in enumerate(self.scored_items):
            value = values.get(item.code)
            if value is not None and any(level.value == value for level in self.levels):
                answered |= 1 << bit
                if value in self.satisfied:
                    satisfied |= 1 << bit
        return answered, satisfied


#: The shipped instruments, by what they are for (their codes are fixed: stored rows, exports and
#: tests use them). Every other module names them through these.
SIPAS = "sipas-service"  #: the SIPAS service-delivery questionnaire (METHOD.md §1.1)
QUICK = "quick-3"  #: the three-level quick rating of the counter kiosk (QĐ 766)
DOSSIER = "tt01-dossier"  #: the per-dossier rating from the receipt slip (TT 01/2018, QĐ 766)


def available() -> list[str]:
    """Return the codes of the instruments shipped with the application."""
    return sorted(path.stem for path in HERE.glob("*.yaml"))


@cache
def load(code: str) -> Instrument:
    """Load and validate a shipped instrument by its code."""
    path = HERE / f"{code}.yaml"
    if not path.is_file():
        raise InstrumentError(f"no instrument named {code!r}; shipped: {', '.join(available())}")
    return load_path(path)


def load_path(path: Path) -> Instrument:
    """Load and validate an instrument file."""
    try:
        document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InstrumentError(f"{path}: not valid YAML: {exc}") from exc
    return parse(document, source=str(path))


def parse(document: object, *, source: str, strict: bool = True) -> Instrument:
    """Validate an instrument document and build the Instrument.

    Shipped files are checked strictly: every text is one non-empty string per language and
    nothing else. Versions already stored are read with ``strict=False``: they were accepted
    when stored, and old responses must keep their wording even where a file once cut a text.
    """
    check = Checker(source, strict=strict)
    doc = check.mapping(document, "document")
    scale = check.mapping(doc.get("scale"), "scale")
    levels = tuple(
        check.option(o, f"scale.levels[{i}]")
        for i, o in enumerate(check.sequence(scale.get("levels"), "scale.levels"))
    )
    level_values = {level.value for level in levels}
    satisfied = frozenset(check.sequence(scale.get("satisfied"), "scale.satisfied"))
    if not satisfied or not satisfied <= level_values:
        check.fail(
            "scale.satisfied", f"must be a non-empty subset of the levels {sorted(level_values)}"
        )
    no_opinion = scale.get("no_opinion")
    no_opinion = check.option(no_opinion, "scale.no_opinion") if no_opinion else None
    factors = tuple(
        check.mapping(f, f"factors[{i}]") for i, f in enumerate(doc.get("factors") or [])
    )
    factor_codes = set()
    for i, factor in enumerate(factors):
        factor_codes.add(check.text(factor.get("code"), f"factors[{i}].code"))
        check.translated(factor.get("title"), f"factors[{i}].title")
    items = tuple(
        check.item(raw, f"items[{i}]", slot=i + 1, factor_codes=factor_codes)
        for i, raw in enumerate(check.sequence(doc.get("items"), "items"))
    )
    if len(items) > ANSWER_SLOTS:
        check.fail("items", f"has {len(items)} items; an answer row holds {ANSWER_SLOTS}")
    codes = [item.code for item in items]
    if len(set(codes)) != len(codes):
        check.fail("items", f"item codes repeat: {codes}")
    comment = check.mapping(doc.get("comment") or {"max_length": 0, "label": {}}, "comment")
    if comment.get("max_length"):
        check.translated(comment.get("label"), "comment.label")
    version = doc.get("version")
    if not isinstance(version, int) or version < 1:
        check.fail("version", f"must be a positive whole number, got {version!r}")
    return Instrument(
        code=check.text(doc.get("code"), "code"),
        version=version,
        title=check.translated(doc.get("title"), "title"),
        intro=check.translated(doc.get("intro"), "intro"),
        levels=levels,
        no_opinion=no_opinion,
        satisfied=satisfied,
        factors=factors,
        items=items,
        comment=comment,
        facts=tuple(
            check.fact(f, f"facts[{i}]") for i, f in enumerate(doc.get("facts") or [])
        ),
        document=doc,
    )


class Checker:
    """Small validators that raise InstrumentError naming the file and the field."""

    def __init__(self, source: str, *, strict: bool = True):
        self.source = source
        self.strict = strict

    def fail(self, field: str, message: str) -> NoReturn:
        raise InstrumentError(f"{self.source}: {field}: {message}")

    def mapping(self, value, field: str) -> dict:
        if not isinstance(value, dict):
            self.fail(field, f"must be a mapping, got {value!r}")
        return value

    def sequence(self, value, field: str) -> list:
        if not isinstance(value, list) or not value:
            self.fail(field, f"must be a non-empty list, got {value!r}")
        return value

    def text(self, value, field: str) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(field, f"must be non-empty text, got {value!r}")
        return value

    def translated(self, value, field: str) -> dict:
        """Check a text given in every language: one non-empty string each, and nothing else.

        YAML flow mappings cut plain texts at commas (``{vi: Cán bộ, công chức, en: …}`` has a
        key "công chức"): such leftovers are refused, not ignored.
        """
        value = self.mapping(value, field)
        for language in LANGUAGES:
            self.text(value.get(language), f"{field}.{language}")
        extra = [key for key in value if key not in LANGUAGES]
        if extra and self.strict:
            self.fail(field, f"has keys other than the languages {LANGUAGES}: {extra!r} "
                             "(quote texts that contain a comma)")
        return value

    def fact(self, value, field: str) -> dict:
        """Check a respondent fact: a code, a label and options with text values."""
        value = self.mapping(value, field)
        self.text(value.get("code"), f"{field}.code")
        self.translated(value.get("label"), f"{field}.label")
        for i, option in enumerate(self.sequence(value.get("options"), f"{field}.options")):
            option = self.mapping(option, f"{field}.options[{i}]")
            self.text(option.get("value"), f"{field}.options[{i}].value")
            self.translated(option.get("label"), f"{field}.options[{i}].label")
        return value

    def option(self, value, field: str) -> Option:
        value = self.mapping(value, field)
        if not isinstance(value.get("value"), int):
            self.fail(f"{field}.value", f"must be a whole number, got {value.get('value')!r}")
        return Option(
            value["value"],
            self.translated(value.get("label"), f"{field}.label"),
            value.get("points"),
        )

    def item(self, raw, field: str, *, slot: int, factor_codes: set[str]) -> Item:
        raw = self.mapping(raw, field)
        kind = raw.get("kind", "rating")
        if kind not in ITEM_KINDS:
            self.fail(f"{field}.kind", f"must be one of {ITEM_KINDS}, got {kind!r}")
        factor = raw.get("factor")
        if factor is not None and factor not in factor_codes:
            self.fail(
                f"{field}.factor", f"unknown factor {factor!r}; factors: {sorted(factor_codes)}"
            )
        options: tuple[Option, ...] = ()
        if kind != "rating":
            options = tuple(
                self.option(o, f"{field}.options[{i}]")
                for i, o in enumerate(self.sequence(raw.get("options"), f"{field}.options"))
            )
        if kind == "points" and any(o.points not in (0, 1, 2, None) for o in options):
            self.fail(f"{field}.options", "every option of a points item needs points 0, 1 or 2 "
                                          "(or null: an answer the indicator leaves out)")
        return Item(
            code=self.text(raw.get("code"), f"{field}.code"),
            kind=kind,
            text=self.translated(raw.get("text"), f"{field}.text"),
            slot=slot,
            factor=factor,
            required=bool(raw.get("required", True)),
            options=options,
            indicator=raw.get("indicator"),
        )
