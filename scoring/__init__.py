"""Hài Lòng scoring: SIPAS satisfaction indexes with honest confidence intervals.

Pure numpy, pandas and scipy: no Flask, no database, no I/O (except :mod:`scoring.cli`).
See docs/method.md for the formulas and settings.
"""

from .bootstrap import BootstrapResult, bootstrap_index
from .change import Change, index_change, proportion_change
from .dossier import (
    GRADE_LABELS_VI,
    QD766Ratio,
    TT01Score,
    qd766_ratio,
    tt01_scores,
    tt01_sums,
)
from .index import Estimates, estimate_arrays
from .instrument import SIPAS_SERVICE, Item, Structure, structure_from_mapping
from .intervals import (
    METHODS,
    Interval,
    interval_at_effective_n,
    proportion_ci,
    proportion_interval,
    t_interval,
)
from .moments import Moments, moments_from_patterns, patterns_from_responses
from .monitoring import (
    BetaPrior,
    PostStratified,
    fit_beta_prior,
    funnel_limits,
    p_chart,
    post_stratify,
    shrink_estimates,
)
from .scores import (
    FactorScore,
    GroupScore,
    IndexScore,
    ItemScore,
    score_groups,
    score_rollup,
    scores_frame,
)
from .targets import Verdict, adjust_pvalues, verdict, verdicts

__all__ = [
    "BetaPrior", "BootstrapResult", "Change", "Estimates", "FactorScore", "GRADE_LABELS_VI", "GroupScore",
    "IndexScore", "Interval", "Item", "ItemScore", "METHODS", "Moments", "PostStratified", "QD766Ratio",
    "SIPAS_SERVICE", "Structure", "TT01Score", "Verdict", "adjust_pvalues", "bootstrap_index",
    "estimate_arrays", "fit_beta_prior", "funnel_limits", "index_change", "interval_at_effective_n",
    "moments_from_patterns", "p_chart", "patterns_from_responses", "post_stratify", "proportion_change",
    "proportion_ci", "proportion_interval", "qd766_ratio", "score_groups", "score_rollup", "scores_frame",
    "shrink_estimates", "structure_from_mapping", "t_interval", "tt01_scores", "tt01_sums", "verdict",
    "verdicts",
]
