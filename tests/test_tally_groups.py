"""The tally's own numbering of groups agrees with pandas' sorted groupby, key for key."""

import numpy as np
import pandas as pd
import pytest

from survey.scores.tally.answers import group, group_codes


def keys(rows: int, seed: int) -> pd.DataFrame:
    """Tally-like keys: unit ids, counter ids, months as text, channels, flags."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "unit_id": rng.integers(1, 4000, rows).astype(np.int64),
        "part_id": rng.integers(0, 30, rows).astype(np.int32),
        "month": np.array([f"2026-{m:02d}" for m in rng.integers(1, 13, rows)], dtype=object),
        "channel": np.array(rng.choice(["counter-qr", "kiosk", "paper", "receipt"], rows), dtype=object),
        "suspicious": rng.random(rows) < 0.1,
    })


@pytest.mark.parametrize("by", [["unit_id"], ["month"], ["unit_id", "month"], ["month", "unit_id"],
                                ["channel", "suspicious"], ["unit_id", "part_id", "month", "channel"]])
def test_groups_are_numbered_as_pandas_numbers_them(by):
    frame = keys(5_000, seed=len(by))
    codes, groups = group_codes(frame, by)
    grouped = frame.groupby(by, sort=True)
    expected = grouped.size().index.to_frame(index=False)
    assert codes.tolist() == grouped.ngroup().tolist()
    assert groups.astype(object).values.tolist() == expected.astype(object).values.tolist()
    assert list(groups.columns) == by


def test_sums_of_groups_match_a_groupby_sum():
    frame = keys(2_000, seed=9)
    values = np.random.default_rng(3).integers(0, 200, (len(frame), 5)).astype(np.int32)
    rows = np.flatnonzero(~frame["suspicious"].to_numpy())
    found, totals = group(frame.iloc[rows].reset_index(drop=True), values, rows, ["month", "channel"])
    expected = (pd.DataFrame(values[rows]).assign(month=frame["month"].to_numpy()[rows],
                                                  channel=frame["channel"].to_numpy()[rows])
                .groupby(["month", "channel"], sort=True).sum())
    assert totals.tolist() == expected.to_numpy().tolist()
    assert list(zip(found["month"], found["channel"], strict=True)) == expected.index.tolist()


def test_no_keys_make_one_group():
    frame = keys(10, seed=1)
    codes, groups = group_codes(frame, [])
    assert codes.tolist() == [0] * 10 and len(groups) == 1
