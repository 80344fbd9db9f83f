"""Settings: defaults, then FLASK_* environment variables, then DATABASE_URL (and DATABASE_REPLICA_URL),
then the test config."""

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask import Flask

DEV_SECRET_KEY = "dev"  # noqa: S105 - refused outside debug and testing, see check_secret_key
#: Shortest secret key accepted outside debug and testing (the generated one has 64 characters).
MIN_SECRET_KEY_LENGTH = 16
#: The key generated on first use when none is configured, in the instance folder.
SECRET_KEY_FILE = "secret_key"
#: Left in the instance folder by `flask demo`: this instance serves the demo province.
DEMO_MARKER = "demo"


class ConfigurationError(click.ClickException, RuntimeError):
    """A setting the app cannot run with; `flask …` prints it as one line (see one_line_errors)."""


@contextmanager
def one_line_errors() -> Iterator[None]:
    """Under `flask …`, print a ConfigurationError as one line and exit; elsewhere raise it.

    Flask's CLI builds the app while it lists or finds commands and would print a traceback.
    """
    try:
        yield
    except ConfigurationError as error:
        if click.get_current_context(silent=True) is None:
            raise
        error.show()
        raise SystemExit(error.exit_code) from None


class Defaults:
    """Default settings; every one can be overridden from the environment."""

    #: None: a random key generated once into the instance folder (see secret_key_from_instance).
    SECRET_KEY: str | None = None
    #: SQLAlchemy URL; None means SQLite in the instance folder.
    DATABASE_URL: str | None = None
    #: SQLAlchemy URL of a read replica (a PostgreSQL streaming standby) for score pages, exports
    #: and the scores API; None means they read the primary. Every write goes to DATABASE_URL.
    DATABASE_REPLICA_URL: str | None = None
    #: Flask-Limiter storage: memory (one process only); set redis://… whenever more than one
    #: worker or server runs, or each keeps its own counts (docs/security.md).
    RATELIMIT_STORAGE_URI = "memory://"
    #: Key of the HMAC that stands for dossier codes; empty means SECRET_KEY. Keep it stable:
    #: a new key makes every rated dossier look new (set FLASK_DOSSIER_HASH_KEY in production).
    DOSSIER_HASH_KEY = ""
    #: Citizen survey (docs/security.md): POSTs per client address (a whole centre may share one
    #: NAT address), refused POSTs per client address, accepted submissions per counter; the
    #: minimum plausible answering time per item, and how long a survey page stays submittable.
    RATELIMIT_SURVEY_CLIENT = "60 per minute;1200 per hour"
    RATELIMIT_SURVEY_INVALID = "20 per minute;100 per hour"
    RATELIMIT_SURVEY_COUNTER = "20 per minute;200 per hour"
    #: Sign-in (docs/security.md): attempts per client address, failures per account and address.
    RATELIMIT_LOGIN_ADDRESS = "30 per minute;300 per hour"
    RATELIMIT_LOGIN_ACCOUNT = "5 per minute;20 per hour;50 per day"
    SURVEY_MIN_SECONDS_PER_ITEM = 1.0
    SURVEY_CSRF_TIME_LIMIT = 24 * 3600
    #: Base URL printed on posters and by `flask counters` (no trailing slash).
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"
    #: Target share of satisfied citizens, and how verdicts are judged against it.
    SCORING_TARGET = 0.90
    SCORING_CONFIDENCE_LEVEL = 0.95
    SCORING_SIDES = "one-sided"
    SCORING_MIN_N = 30
    #: Item interval method (Agresti-Coull covers at least 93% from n = 30; docs/method.md).
    SCORING_METHOD = "agresti-coull"
    #: Verdicts of a screen of units adjusted together: "holm", "bh" or "none".
    SCORING_ADJUST = "holm"
    #: "About N more responses" settles the verdict with this probability if the truth is the estimate.
    SCORING_POWER = 0.8
    #: Whether an index that misses a whole factor is shown as whole (otherwise flagged partial).
    SCORING_ALLOW_PARTIAL = False
    #: How a higher level combines its units: "mean-of-units" (SIPAS) or "pooled".
    SCORING_COMBINE = "mean-of-units"
    #: Separators of CSV downloads: "interface" follows the interface language ("vi": `;` and a
    #: decimal comma, as Excel in a Vietnamese locale reads them; "en": `,` and a decimal point).
    EXPORT_CSV_STYLE = "interface"
    #: Webhooks go to https:// URLs; plain http:// only to this machine, and only when this is on.
    WEBHOOKS_ALLOW_LOOPBACK_HTTP = False
    #: Paper forms are typed twice, by two people, before their response counts (survey/core/paper.py).
    PAPER_DOUBLE_ENTRY = False
    #: A write request folds the pending responses into the stored tally, once its answer is sent,
    #: when more than this many wait (reads never fold; `flask tally` runs on a timer in production).
    TALLY_FOLD_AT = 2000
    #: Megabytes of stored tally groups each process keeps (a least-recently-used cache of the
    #: scopes its pages asked for); what a larger scope reads past it streams through without staying.
    TALLY_CACHE_MB = 128
    #: Number of trusted proxies in front (nginx: 1): their X-Forwarded-For/-Proto/-Host are believed,
    #: so rate limits and logs see the citizen's address. 0 when the app faces clients directly.
    PROXY_FIX = 0
    #: One JSON line per request on stdout (request id, status, duration; receipt tokens masked).
    LOG_REQUESTS = True
    #: Addresses or networks (comma-separated) that may read /metrics; empty turns /metrics off.
    METRICS_ALLOW = "127.0.0.1, ::1"
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
    SIGNALS_CLIENT_BURST_COUNT = 10
    SIGNALS_PATTERN_REPEATS = 3
    SIGNALS_PATTERN_SECONDS = 3600
    #: Kiosks (docs/kiosk.md): how far a tablet's clock may be off, how old a queued rating may
    #: plausibly be (older or future times are moved to the window's edge and flagged), how often
    #: an idle tablet reports in, and after how long without contact it is listed as silent.
    KIOSK_CLOCK_TOLERANCE_SECONDS = 300
    KIOSK_MAX_AGE_HOURS = 7 * 24
    KIOSK_HEARTBEAT_SECONDS = 300
    KIOSK_SILENT_MINUTES = 60
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
    #: The demo home page (counter links, demo sign-in hints). None: on only where `flask demo` left
    #: its marker file (DEMO_MARKER) in the instance folder; FLASK_DEMO=1 or 0 decides outright.
    DEMO: bool | None = None
    BABEL_DEFAULT_LOCALE = "vi"
    #: Supported interface languages.
    LANGUAGES = ("vi", "en")


def load(app: Flask, test_config: dict | None) -> None:
    """Fill app.config in order: defaults, FLASK_* variables, DATABASE_URL, the test config."""
    app.config.from_object(Defaults)
    app.config.from_prefixed_env()
    for name in ("DATABASE_URL", "DATABASE_REPLICA_URL"):
        if os.environ.get(name):
            app.config[name] = os.environ[name]
    if test_config:
        app.config.update(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config["DATABASE_URL"] = normalise_database_url(
        app.config["DATABASE_URL"] or default_sqlite_url(app)
    )
    if app.config["DATABASE_REPLICA_URL"]:
        app.config["DATABASE_REPLICA_URL"] = normalise_database_url(app.config["DATABASE_REPLICA_URL"])
    if app.config["DEMO"] is None:
        app.config["DEMO"] = (Path(app.instance_path) / DEMO_MARKER).exists()
    if app.config["SECRET_KEY"] is None:
        app.config["SECRET_KEY"] = secret_key_from_instance(Path(app.instance_path))
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


def secret_key_from_instance(folder: Path) -> str:
    """Return the key kept in the instance folder, generating it (readable by its owner only) at first."""
    path = folder / SECRET_KEY_FILE
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    key = secrets.token_hex(32)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(key + "\n")
    return key


def check_secret_key(app: Flask) -> None:
    """Refuse an empty key always, and the development key or a short one outside debug and testing."""
    key = app.config["SECRET_KEY"]
    if not isinstance(key, str | bytes) or not key.strip():
        raise ConfigurationError(
            "SECRET_KEY is empty: set FLASK_SECRET_KEY to a long random value, or unset it to have "
            "one generated in the instance folder."
        )
    if app.debug or app.testing:
        return
    if key.strip() == DEV_SECRET_KEY:
        raise ConfigurationError(
            "Refusing to start with the development SECRET_KEY outside debug or testing: "
            "set FLASK_SECRET_KEY to a long random value."
        )
    if len(key.strip()) < MIN_SECRET_KEY_LENGTH:
        raise ConfigurationError(
            f"SECRET_KEY is too short ({len(key.strip())} characters; at least {MIN_SECRET_KEY_LENGTH} "
            "outside debug): set FLASK_SECRET_KEY to a long random value."
        )
