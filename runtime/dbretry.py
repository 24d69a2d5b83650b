"""A request whose pooled database connection turned out dead is run once more, where that is safe.

After PostgreSQL restarts, every connection in the pool is closed on the server's side; a connection
idle for a while is pinged first (runtime/dbping.py), but one returned a moment before the restart is not, and
its request failed with a 500. SQLAlchemy recognises the disconnect and marks the pool's older
connections invalid; this runs the view again on a fresh connection, once, and only when the request
has committed nothing yet (its transaction was rolled back with the connection), so nothing is done twice.
"""
from __future__ import annotations

import functools
import logging

import sqlalchemy as sa
from flask import Flask, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)

_COMMITTED = "db_committed"


@event.listens_for(Session, "after_commit")
def _remember_commit(_session) -> None:
    if has_request_context():
        setattr(g, _COMMITTED, True)


def _disconnected(exc: BaseException) -> bool:
    return isinstance(exc, sa.exc.DBAPIError) and bool(exc.connection_invalidated)


#: Bodies up to this size are kept in memory so that a second run reads them again (the callback's XML,
#: forms, JSON); a larger upload (an appeal photo) is read once and its request is not run again.
RETRY_BODY_LIMIT = 1024 * 1024


def _keep_body() -> bool:
    """Read the body into the request's cache before the first run: a view reading ``request.stream``
    would otherwise leave the second run an empty body. True when a second run would see the same body."""
    length = request.content_length
    if not length:
        return request.headers.get("Transfer-Encoding") is None  # no body at all
    if length > RETRY_BODY_LIMIT:
        return False
    request.get_data(cache=True)
    return True


def _retrying(view, db):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        same_body = _keep_body()
        try:
            return view(*args, **kwargs)
        except sa.exc.DBAPIError as exc:
            if not _disconnected(exc) or g.get(_COMMITTED) or not same_body:
                raise
            logger.warning("database connection lost mid-request; running it again on a new connection")
            db.session.rollback()
            db.engine.dispose(close=False)  # every pooled connection predates the restart
            return view(*args, **kwargs)
    return wrapped


def retry_after_reconnect(app: Flask, db) -> None:
    """Wrap every view registered so far (call it after the blueprints)."""
    for endpoint, view in list(app.view_functions.items()):
        if endpoint != "static" and not getattr(view, "_retries_reconnect", False):
            wrapped = _retrying(view, db)
            wrapped._retries_reconnect = True
            app.view_functions[endpoint] = wrapped
