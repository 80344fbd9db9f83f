"""What the demo adds around the answers: comments, respondent facts, fill times, flags and dossiers."""

import numpy as np

from survey.commands import demo_data


def extras(rng: np.random.Generator, columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Draw comments, respondent facts, fill times and flags."""
    n = columns["channel"].size
    full_form = np.isin(columns["channel"], ["counter-qr", "paper"])
    comment = np.full(n, None, dtype=object)
    commented = np.flatnonzero(rng.random(n) < 0.08)
    happy = columns["happy"][commented]
    comment[commented] = np.where(
        happy,
        rng.choice(demo_data.POSITIVE_COMMENTS, commented.size),
        rng.choice(demo_data.NEGATIVE_COMMENTS, commented.size),
    )
    told = full_form & (rng.random(n) < 0.6)

    def fact(options: list[str], p: list[float] | None = None) -> np.ndarray:
        return np.where(told, rng.choice(options, n, p=p), None)

    fill = np.where(full_form, rng.lognormal(np.log(75), 0.4, n), rng.lognormal(np.log(9), 0.3, n))
    too_fast = fill < np.where(full_form, 20, 2)
    return {
        "comment": comment,
        "gender": fact(["male", "female", "other"], [0.48, 0.51, 0.01]),
        "age_band": fact(["18-24", "25-34", "35-49", "50-60", "60+"], [0.12, 0.28, 0.32, 0.18, 0.10]),
        "occupation": fact(["farmer", "worker", "business", "public-sector", "student", "retired", "other"]),
        "applicant": fact(["self", "organisation"], [0.85, 0.15]),
        "fill_seconds": fill.astype(np.int64),
        "suspicious": too_fast,
        "suspicious_reason": np.where(too_fast, "filled faster than the minimum time", None),
    }


def dossiers(rng: np.random.Generator, columns, dossier_hash: np.ndarray, receipt: np.ndarray) -> dict:
    """Build dossier rows for the receipt responses, a few overdue or complained about."""
    received = columns["submitted_at"][receipt] - np.timedelta64(10, "D")
    due = received + np.timedelta64(7, "D")
    late = rng.random(received.size) < 0.04
    returned = due + np.where(late, 2, -1).astype("timedelta64[D]")
    return {
        "unit_id": columns["unit_id"][receipt],
        "service_id": np.where(columns["service_id"][receipt] < 0, None, columns["service_id"][receipt]),
        "dossier_hash": dossier_hash[receipt],
        "received_at": received,
        "due_at": due,
        "returned_at": returned,
        "complaint": rng.random(received.size) < 0.01,
        "created_at": received,
    }
