"""Settings: defaults, then FLASK_* environment variables, then DATABASE_URL, then the test config."""

import os
from pathlib import Path

from flask import Flask

DEV_SECRET_KEY = "dev"  # noqa: S105 - refused outside debug and testing, see check_secret_key


class Defaults:
    """Default settings; every one can be overridden from the environment."""

    SECRET_KEY = DEV_SECRET_KEY
    #: SQLAlchemy URL; None means SQLite in the instance folder.
    DATABASE_URL: str | None = None
    #: Flask-Limiter storage: memory by default, redis://… when several app servers run.
    RATELIMIT_STORAGE_URI = "memory://"
    #: Key of the HMAC that stands for dossier codes; empty means SECRET_KEY. Keep it stable:
    #: a new key makes every rated dossier look new (set FLASK_DOSSIER_HASH_KEY in production).
    DOSSIER_HASH_KEY = ""
    #: Citizen survey: rate limits per client address and per counter (POSTs; see docs/respond.md),
    #: the minimum plausible answering time per item, and how long a survey page stays submittable.
    RATELIMIT_SURVEY_CLIENT = "30 per minute;300 per hour"
    RATELIMIT_SURVEY_COUNTER = "20 per minute;200 per hour"
    SURVEY_MIN_SECONDS_PER_ITEM = 1.0
    SURVEY_CSRF_TIME_LIMIT = 24 * 3600
    #: Base URL printed on posters and by `flask counters` (no trailing slash).
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"
    #: Target share of satisfied citizens, and how verdicts are judged against it.
    SCORING_TARGET = 0.90
    SCORING_CONFIDENCE_LEVEL = 0.95
    SCORING_SIDES = "one-sided"
    SCORING_MIN_N = 30
    SCORING_METHOD = "wilson"
    #: How a higher level combines its units: "mean-of-units" (SIPAS) or "pooled".
    SCORING_COMBINE = "mean-of-units"
    #: Separators of CSV downloads: "interface" follows the interface language ("vi": `;` and a
    #: decimal comma, as Excel in a Vietnamese locale reads them; "en": `,` and a decimal point).
    EXPORT_CSV_STYLE = "interface"
    #: A read folds the pending responses into the stored tally when more than this many wait.
    TALLY_FOLD_AT = 2000
    #: Cookies only over HTTPS; `make run` (plain HTTP on 127.0.0.1) turns this off.
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    #: JSON API: requests per credential (key or kiosk); kiosk enrolment attempts per address.
    RATELIMIT_API = "600 per minute"
    RATELIMIT_KIOSK_ENROL = "10 per minute;50 per hour"
    #: Rating-stuffing signals (survey/core/signals.py): opening hours in local time (UTC+7) and days,
    #: top ratings within seconds that make a burst, repeats of one long answer pattern per hour.
    SIGNALS_OPENING_HOURS = "07:00-17:30"
    SIGNALS_OPEN_DAYS = "Mon-Sat"
    SIGNALS_UTC_OFFSET_HOURS = 7
    SIGNALS_BURST_COUNT = 5
    SIGNALS_BURST_SECONDS = 60
    SIGNALS_PATTERN_REPEATS = 3
    SIGNALS_PATTERN_SECONDS = 3600
    #: Outgoing e-mail (alerts, digests): SMTP host (empty: no mail is sent), port, "starttls", "ssl"
    #: or "none", optional login, the From address, a CA file to trust besides the system's, a timeout.
    MAIL_SERVER = ""
    MAIL_PORT = 587
    MAIL_SECURITY = "starttls"
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_SENDER = "Hài Lòng <no-reply@localhost>"
    MAIL_CA_FILE = ""
    MAIL_TIMEOUT = 30
    #: Alerts (survey/notify/alerts.py), for every scope unless a scope's own rule says otherwise:
    #: dissatisfied or flagged responses at one counter today that make a spike, hours a kiosk may
    #: stay silent in opening days, and the significance level of "fell significantly".
    ALERT_SPIKE_COUNT = 5
    ALERT_KIOSK_SILENT_HOURS = 24
    ALERT_FALL_ALPHA = 0.05
    #: Data retention in months (0 keeps for ever): free-text comments, and per-response technical
    #: fields (client address hash, answering time, flag reason); `flask purge` blanks older ones.
    RETENTION_COMMENT_MONTHS = 24
    RETENTION_TECHNICAL_MONTHS = 24
    RETENTION_BATCH = 5000
    #: Public results pages (/public/<unit>, off until an administrator enables one): groups with
    #: fewer respondents than this show no figures, and how long browsers and proxies may keep a page.
    PUBLIC_MIN_N = 30
    PUBLIC_CACHE_SECONDS = 3600
    #: Improvement follow-up: months before and after an action's date whose answers are compared.
    FOLLOWUP_MONTHS = 3
    BABEL_DEFAULT_LOCALE = "vi"
    #: Supported interface languages.
    LANGUAGES = ("vi", "en")


def load(app: Flask, test_config: dict | None) -> None:
    """Fill app.config in order: defaults, FLASK_* variables, DATABASE_URL, the test config."""
    app.config.from_object(Defaults)
    app.config.from_prefixed_env()
    if os.environ.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = os.environ["DATABASE_URL"]
    if test_config:
        app.config.update(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config["DATABASE_URL"] = normalise_database_url(
        app.config["DATABASE_URL"] or default_sqlite_url(app)
    )
    check_secret_key(app)


def default_sqlite_url(app: Flask) -> str:
    """Return the URL of the embedded database in the instance folder."""
    return f"sqlite:///{Path(app.instance_path) / 'hailong.sqlite'}"


def normalise_database_url(url: str) -> str:
    """Map Heroku-style postgres:// URLs to the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def check_secret_key(app: Flask) -> None:
    """Refuse to run in production with the development secret key."""
    if app.config["SECRET_KEY"] == DEV_SECRET_KEY and not (app.debug or app.testing):
        raise RuntimeError(
            "Refusing to start with the development SECRET_KEY outside debug or testing: "
            "set FLASK_SECRET_KEY to a long random value."
        )
