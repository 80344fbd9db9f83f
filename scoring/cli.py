"""``hailong-score``: score a CSV of survey responses per group, as JSON or CSV.

The only module of :mod:`scoring` that reads files or writes to stdout.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from ._checks import METHODS, SIDES
from .instrument import SIPAS_SERVICE, Structure, structure_from_mapping
from .moments import moments_from_patterns, patterns_from_responses
from .scores import score_groups, scores_frame
from .targets import ADJUSTMENTS

LOOKS_LIKE_ITEM = re.compile(r"^[A-Za-z]{1,3}\d{1,2}$")


class InputError(Exception):
    """Bad input: reported on one line, exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    """The command-line options."""
    parser = argparse.ArgumentParser(
        prog="hailong-score",
        description="Score a CSV of responses (one row per response, one column per item code, values 1-5 "
                    "or empty for no opinion) per group: items, factors, index, intervals and verdicts.",
    )
    parser.add_argument("file", metavar="FILE.csv")
    parser.add_argument("--by", action="append", default=[], metavar="COLUMN",
                        help="grouping column (repeatable)")
    parser.add_argument("--instrument", default="sipas-service",
                        help="'sipas-service' or a YAML/JSON instrument file")
    parser.add_argument("--method", default="agresti-coull", choices=METHODS,
                        help="item interval method (default agresti-coull)")
    parser.add_argument("--confidence", type=float, default=0.95, help="confidence level (default 0.95)")
    parser.add_argument("--target", type=float, default=0.90, help="target share (default 0.90)")
    parser.add_argument("--sides", default="one-sided", choices=SIDES,
                        help="verdict sidedness (default one-sided)")
    parser.add_argument("--min-n", type=int, default=30, help="respondents needed for a verdict (default 30)")
    parser.add_argument("--adjust", choices=(*ADJUSTMENTS, "none"), default="none",
                        help="adjust verdicts across groups: holm, bh or none (default none)")
    parser.add_argument("--power", type=float, default=0.8,
                        help="probability that 'more_needed' further responses settle a verdict "
                             "(default 0.8)")
    parser.add_argument("--allow-partial", action="store_true",
                        help="do not flag an index that misses a factor as partial")
    parser.add_argument("--format", default="json", choices=("json", "csv"),
                        help="output format (default json)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the scorer; return the exit status (0, or 2 for bad input)."""
    args = build_parser().parse_args(argv)
    by = [unicodedata.normalize("NFC", column.strip()) for column in args.by]
    try:
        structure = load_structure(args.instrument)
        responses = read_responses(Path(args.file), by=by, structure=structure)
        absent = [code for code in structure.factors
                  if not any(i.factor == code and i.code in responses.columns for i in structure.items)]
        patterns = patterns_from_responses(responses, by=by, structure=structure)
        moments = moments_from_patterns(patterns, by=by, structure=structure)
        scores = score_groups(moments, structure=structure, method=args.method,
                              confidence_level=args.confidence, target=args.target, sides=args.sides,
                              min_n=args.min_n, adjust=None if args.adjust == "none" else args.adjust,
                              power=args.power, allow_partial=args.allow_partial)
    except (InputError, ValueError) as error:
        print(f"hailong-score: error: {error}", file=sys.stderr)
        return 2
    for code in absent:
        print(f"hailong-score: warning: factor {code!r} has no item columns in {args.file}; "
              f"every index is partial", file=sys.stderr)
    if args.format == "json":
        json.dump([score.to_dict() for score in scores], sys.stdout,
                  ensure_ascii=False, indent=2, allow_nan=False)
        sys.stdout.write("\n")
    else:
        scores_frame(scores).to_csv(sys.stdout, index=False, lineterminator="\n")
    return 0


def load_structure(name: str) -> Structure:
    """The built-in SIPAS service structure, or one read from a YAML or JSON file."""
    if name == "sipas-service":
        return SIPAS_SERVICE
    path = Path(name)
    if not path.is_file():
        raise InputError(f"instrument {name!r} is neither 'sipas-service' nor a readable file")
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError:
            raise InputError(f"reading {name}: YAML instruments need PyYAML (pip install PyYAML); "
                             "or give a JSON file") from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise InputError(f"reading {name}: not valid YAML ({' '.join(str(error).split())})") from None
    elif path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise InputError(f"reading {name}: not valid JSON ({error})") from None
    else:
        raise InputError(f"instrument {name!r} must end in .yaml, .yml or .json")
    try:
        return structure_from_mapping(data)
    except (ValueError, TypeError, KeyError) as error:
        raise InputError(f"reading {name}: {error}") from None


def read_responses(path: Path, *, by: list[str], structure: Structure) -> pd.DataFrame:
    """Read and check the responses; errors name the CSV line (header = line 1) and column.

    The delimiter is sniffed (comma, semicolon as Excel saves in a Vietnamese locale, or tab),
    and the text is NFC-normalised, so a header typed in decomposed Unicode still matches.
    """
    try:
        text = unicodedata.normalize("NFC", path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot read ({error})") from None
    reader = csv.reader(text.splitlines(keepends=True), delimiter=sniff_delimiter(text))
    header = next(reader, None)
    if header is None or not "".join(header).strip():
        raise InputError(f"{path}: empty file (expected a header line)")
    header = [name.strip() for name in header]
    _check_header(path, header, by, structure)
    items = [c for c in header if c in structure.codes]
    rows, lines = [], []
    for row in reader:
        if not "".join(row).strip():
            continue
        if len(row) != len(header):
            raise InputError(f"{path} line {reader.line_num}: {len(row)} fields, "
                             f"the header has {len(header)}")
        rows.append(row)
        lines.append(reader.line_num)
    if not rows:
        raise InputError(f"{path}: no data rows after the header")
    frame = pd.DataFrame(rows, columns=header)
    data = frame[list(by)].copy()
    for code in items:
        data[code] = _parse_item(path, frame[code], code, lines, structure)
    return data


def sniff_delimiter(text: str) -> str:
    """The delimiter of the header line: the most frequent of comma, semicolon and tab outside quotes."""
    header = re.sub(r'"[^"]*"', "", text.split("\n", 1)[0])
    counts = {delimiter: header.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _check_header(path: Path, header: list[str], by: list[str], structure: Structure) -> None:
    duplicated = sorted({c for c in header if header.count(c) > 1})
    if duplicated:
        raise InputError(f"{path} line 1: column {duplicated[0]!r} appears twice")
    for column in by:
        if column not in header:
            raise InputError(f"{path} line 1: grouping column {column!r} not found; "
                             f"columns are {', '.join(header)}")
    for column in header:
        if column not in structure.codes and column not in by and LOOKS_LIKE_ITEM.match(column):
            raise InputError(f"{path} line 1: column {column!r} looks like an item code but is not in the "
                             f"instrument (items: {' '.join(structure.codes)})")
    if not any(c in structure.codes for c in header):
        raise InputError(f"{path} line 1: no item columns; expected some of {' '.join(structure.codes)}")


def _parse_item(
    path: Path, values: pd.Series, code: str, lines: list[int], structure: Structure
) -> np.ndarray:
    stripped = values.str.strip()
    allowed = {str(level): level for level in structure.levels}
    bad = np.flatnonzero(((stripped != "") & ~stripped.isin(list(allowed))).to_numpy())
    if len(bad):
        i, raw = bad[0], values.iloc[bad[0]]
        kind = "is out of range" if re.fullmatch(r"[+-]?\d+", raw.strip()) else "is not a whole number"
        raise InputError(f"{path} line {lines[i]} (data row {i + 1}), column {code!r}: value {raw!r} {kind}; "
                         f"expected one of {', '.join(allowed)} or empty for no opinion")
    return stripped.map(allowed).to_numpy(dtype=float)
