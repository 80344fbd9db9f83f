"""Manager pages: scores of the user's units with intervals, verdicts, charts and exports."""

from survey.web.manage import compare  # noqa: F401  (its routes join the blueprint)
from survey.web.manage.views import bp

__all__ = ["bp"]
