"""Manager pages: scores of the user's units with intervals, verdicts, charts and exports."""

from survey.web.manage import compare, followup  # noqa: F401 - add their routes to bp
from survey.web.manage.views import bp

__all__ = ["bp"]
