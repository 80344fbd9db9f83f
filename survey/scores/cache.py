"""A small in-process LRU cache per app, keyed on what was asked plus the data version."""

from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import current_app, g, has_request_context
from sqlalchemy import func, select
from sqlmodel import Session

from survey.models import Dossier, Response

#: Entries kept per app (score tables and chart SVGs are a few kilobytes each).
SIZE = 256


def data_version(session: Session) -> tuple[int, int, int, str]:
    """Return what changes when scores may change: newest response, flagged count, newest dossier,
    latest change of a dossier's facts.

    Asked once per request (kept on g): every cached piece of one page then agrees.
    """
    if has_request_context() and "data_version" in g:
        return g.data_version
    connection = session.connection()
    newest = connection.execute(select(func.max(Response.id))).scalar() or 0
    flagged = connection.execute(
        select(func.count()).select_from(Response).where(Response.suspicious.is_(True))
    ).scalar()
    dossier, changed = connection.execute(select(func.max(Dossier.id), func.max(Dossier.updated_at))).one()
    version = int(newest), int(flagged or 0), int(dossier or 0), str(changed)
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
