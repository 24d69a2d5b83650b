"""Watching what SQLAlchemy sends to PostgreSQL through psycopg 3: each statement (its first word) with
whether its connection was in autocommit, and BEGIN where a transaction began (psycopg sends it by
itself before the first statement outside autocommit)."""
from __future__ import annotations

import sqlalchemy as sa


class DriverStatements:
    """At the exit, no connection it saw is left in autocommit (the pool hands them out for
    transactions)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine, self.seen, self.drivers = engine, [], []

    def __enter__(self) -> list[tuple[str, bool]]:
        sa.event.listen(self.engine, "before_cursor_execute", self._statement)
        sa.event.listen(self.engine, "begin", self._begin)
        return self.seen

    def _statement(self, connection, _cursor, statement, _parameters, _context, _many) -> None:
        driver = connection.connection.dbapi_connection
        self.drivers.append(driver)
        self.seen.append((statement.split(None, 1)[0].upper(), driver.autocommit))

    def _begin(self, connection) -> None:
        if not connection.connection.dbapi_connection.autocommit:  # psycopg sends no BEGIN in autocommit
            self.seen.append(("BEGIN", False))

    def __exit__(self, *exc) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._statement)
        sa.event.remove(self.engine, "begin", self._begin)
        assert not any(driver.autocommit for driver in self.drivers if not driver.closed)
