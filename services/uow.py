"""Transactions and small shared helpers for the services."""
from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.orm import Session, scoped_session

from models import AuditEntry

logger = logging.getLogger(__name__)

# No 0/O/1/I/L: codes are read aloud and typed from paper.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_code(length: int = 10) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


@contextmanager
def standalone(session: Session, *, writes: bool = False) -> Iterator[sa.Connection]:
    """A connection for work that is one statement on its own: the bot's hot paths.

    On PostgreSQL, when the session has no transaction open, a pooled connection in autocommit: the
    statement commits by itself, where a transaction costs two more round trips (psycopg2 sends BEGIN on
    its own before the first statement, then COMMIT or ROLLBACK). Autocommit is the driver's own switch,
    set and cleared around the statement: SQLAlchemy's ``isolation_level="AUTOCOMMIT"`` would restore
    the isolation level on check-in with one more round trip (psycopg2 sends a SET for it). Inside the
    session's transaction, its own connection, so the statement sees what the session wrote; ``writes``
    then commits it after, as ``unit_of_work`` does. SQLite has no round trips to save and keeps the
    session.
    """
    own = session() if isinstance(session, scoped_session) else session  # Flask-SQLAlchemy's db.session
    bind = own.get_bind()
    if own.in_transaction() or bind.dialect.name != "postgresql":
        if writes:
            with unit_of_work(session):
                yield session.connection()
        else:
            yield session.connection()
        return
    with bind.connect() as connection:
        driver = connection.connection.dbapi_connection
        driver.autocommit = True
        try:
            yield connection
        finally:
            driver.autocommit = False  # as the pool hands it out: no transaction left open either way


@contextmanager
def unit_of_work(session: Session) -> Iterator[Session]:
    """Commit on success, roll back on any error: a service never leaves a half-written record.

    Works whether or not the session already auto-began a transaction (the reason plain
    ``session.begin()`` is not used inside request handlers).
    """
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def audit(session: Session, actor: tuple[str, int | None], action: str, target: tuple[str, int | None],
          **detail) -> None:
    session.add(AuditEntry(actor_kind=actor[0], actor_id=actor[1], action=action,
                           target_kind=target[0], target_id=target[1], detail=detail))


_INSERT_AUDIT = sa.insert(AuditEntry.__table__)  # built once


def audit_now(connection: sa.Connection, actor: tuple[str, int | None], action: str,
              target: tuple[str, int | None], **detail) -> None:
    """The same row written at once by a plain INSERT on the connection doing the work, for hot paths
    that write no entities (an ORM flush costs more than the statement itself)."""
    connection.execute(_INSERT_AUDIT, {
        "actor_kind": actor[0], "actor_id": actor[1], "action": action, "target_kind": target[0],
        "target_id": target[1], "detail": detail})
