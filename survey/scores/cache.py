"""A small in-process LRU cache per app, keyed on what was asked plus the data version."""

from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import current_app, g, has_request_context
from sqlalchemy import func, select
from sqlmodel import Session

from survey.models import AuditEvent, Dossier, Response, Tally

#: Entries kept per app (score tables and chart SVGs are a few kilobytes each).
SIZE = 256


def data_version(session: Session) -> tuple[int, int, int, str, int]:
    """Return what changes when scores or what pages show of them may change: newest response,
    oldest tally generation, newest dossier, latest change of a dossier's facts, newest audited
    change.

    Each is one lookup in an index, whatever the number of responses, all five in one statement (a
    scalar subquery each: both databases answer a lone min() or max() from its index). A
    response's flag is set when it is written (a new newest response); a flag changed behind the
    app's back shows in the tally once it is rebuilt, and a rebuild renews every generation. What
    changes otherwise is audited: an administrator's change (a unit or counter renamed or switched
    off, a setting) and a retention purge (its event is written once its batches are done), so a
    page's names, settings and comments are never older than the newest audit event. Every
    process reads the version from the database, so a change made anywhere reaches every
    process's cache. Asked once per request (kept on g): every cached piece of one page then agrees.
    """
    if has_request_context() and "data_version" in g:
        return g.data_version
    row = session.connection().execute(select(
        select(func.max(Response.id)).scalar_subquery(),
        select(func.min(Tally.generation)).scalar_subquery(),
        select(func.max(Dossier.id)).scalar_subquery(),
        select(func.max(Dossier.updated_at)).scalar_subquery(),
        select(func.max(AuditEvent.id)).scalar_subquery(),
    )).one()
    version = int(row[0] or 0), int(row[1] or 0), int(row[2] or 0), str(row[3]), int(row[4] or 0)
    if has_request_context():
        g.data_version = version
    return version


def cached(key: Hashable, compute: Callable[[], object]):
    """Return the cached value of `key` for this app, computing and storing it when absent."""
    store: OrderedDict = current_app.extensions.setdefault("hailong_lru", OrderedDict())
    if key in store:
        store.move_to_end(key)
        return store[key]
    value = store[key] = compute()
    while len(store) > SIZE:
        store.popitem(last=False)
    return value


def clear() -> None:
    """Forget every cached value of this app."""
    current_app.extensions.pop("hailong_lru", None)
