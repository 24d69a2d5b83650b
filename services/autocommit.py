"""A statement that stands alone: outside a transaction it runs in autocommit, one round trip.

The bot's scan (the 报到 join with its audit row, data-modifying CTEs on PostgreSQL) and its 时长 card
are single statements run hundreds of times a second on 报到 day. Inside a transaction they would cost
BEGIN and COMMIT besides (two more round trips each); in autocommit PostgreSQL runs the one statement
as its own transaction. psycopg 3 prepares a statement on a connection by itself once it has run there
a few times (``prepare_threshold``, DB_PREPARE_THRESHOLD), which spares PostgreSQL the planning that
cost it more than the running.

Inside an open session transaction (the statement must see what the session wrote) and on SQLite (no
round trips to save) it runs on the session's connection like any other statement.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session, scoped_session

from services.uow import unit_of_work


def one_or_none(session: Session, statement: sa.Executable, params: dict, *, writes: bool = False):
    """The row or None. ``writes``: inside the session's transaction, commit it after the statement."""
    own = session() if isinstance(session, scoped_session) else session  # Flask-SQLAlchemy's db.session
    engine = own.get_bind()
    if own.in_transaction() or engine.dialect.name != "postgresql":
        if not writes:
            return own.connection().execute(statement, params).one_or_none()
        with unit_of_work(own):
            return own.connection().execute(statement, params).one_or_none()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        return connection.execute(statement, params).one_or_none()
