"""Scores of the unit tree: the one entry point that pages, the JSON API and the CLI use.

Callers ask for a scope's score table (`score_scope`, `cached_score_scope`) or for one section of
a unit page (`trend`, `counters`, `services`, `ratings`, `dossiers`, `channels`, `comments`,
`response_rates`). Below
this package's surface:

- `counts` decides, in one place, whether the stored tally (`tally/`) can answer a question or
  whether SQL counts it live (`live`); both return additive sums;
- `dossier_rules` defines the QĐ 766 and TT 01 facts of a dossier once, for SQL and numpy;
- `service` and `sections` turn sums into scores with the pure `scoring` package;
- `settings` reads the SCORING_* settings that every verdict carries; `cache` keeps results per
  data version.
"""

from survey.scores.cache import cached, data_version
from survey.scores.filters import Filters
from survey.scores.rates import response_rates
from survey.scores.sections import channels, comments, counters, dossiers, ratings, reasons, services, trend
from survey.scores.service import (
    LEVELS,
    ScoreTable,
    UnknownService,
    cached_score_scope,
    make_filters,
    score_scope,
    sort_rows,
    subtree_units,
)
from survey.scores.settings import Settings, sipas_instrument

__all__ = [
    "LEVELS", "Filters", "ScoreTable", "Settings", "UnknownService", "cached", "cached_score_scope",
    "channels", "comments", "counters", "data_version", "dossiers", "make_filters", "ratings", "reasons",
    "response_rates", "score_scope", "services", "sipas_instrument", "sort_rows", "subtree_units", "trend",
]
