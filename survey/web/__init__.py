"""The web layer: every blueprint, and the only code that reads the request.

`home` (/), `auth` (/login), `respond` (/c/, /r/: the citizen's survey), `kiosk` (/k/), `manage`
(/manage/: score pages), `admin` (/admin/), `account` (/account/: a user's mail choices), `unsubscribe`
(links in mails), `public` (/public/: a scope's published results) and `api` (/api/v1/, JSON).
`i18n`, `limits` and `filters` set up languages, rate limits and the template filters for all of them;
`serving` the proxy in front, request logs, /metrics and folds after writes; `security` the headers,
input checks and log filter of every request.
"""

from flask import Flask

from survey.scores import tally
from survey.web import (
    account,
    admin,
    api,
    auth,
    errors,
    filters,
    home,
    i18n,
    kiosk,
    labels,
    limits,
    manage,
    public,
    respond,
    security,
    serving,
    unsubscribe,
)


def init_app(app: Flask) -> None:
    """Set up the proxy, request logs and metrics, security headers, languages, sign-in, rate limits
    and template filters, and attach every blueprint.
    """
    serving.init_app(app)
    security.init_app(app)
    i18n.init_app(app)
    auth.init_app(app)
    limits.init_app(app)
    filters.init_app(app)
    labels.init_app(app)
    errors.init_app(app)
    for blueprint in (home.bp, auth.bp, respond.bp, manage.bp, admin.bp, kiosk.bp, account.bp,
                      unsubscribe.bp, public.bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(auth.csrf.exempt(api.bp))
    # A read-only request's snapshot of the tally (survey.scores.tally.reading) ends with it.
    app.teardown_request(tally.close_reading)
