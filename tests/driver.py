"""Watching what reaches PostgreSQL at the driver itself (psycopg2's cursors): what SQLAlchemy runs and
what a prepared statement runs on the driver directly."""
from __future__ import annotations

import sqlalchemy as sa


class DriverStatements:
    """Each statement sent while inside (its first word) with whether its connection was in autocommit;
    at the exit, no connection it saw is left in autocommit (the pool hands them out for transactions).
    psycopg2 sends BEGIN by itself before the first statement outside autocommit: that shows here as a
    statement with ``False``."""

    def __init__(self, engine: sa.Engine) -> None:
        import psycopg2.extensions

        self.engine, self.seen, self.drivers = engine, [], []
        self._plain = psycopg2.extensions.cursor
        seen = self.seen

        class Recording(psycopg2.extensions.cursor):
            def execute(self, query, vars=None):  # noqa: A002 - psycopg2's own name
                seen.append((query.split(None, 1)[0].upper(), self.connection.autocommit))
                return super().execute(query, vars)

        self._recording = Recording

    def __enter__(self) -> list[tuple[str, bool]]:
        sa.event.listen(self.engine, "checkout", self._watch)
        return self.seen

    def _watch(self, dbapi_connection, _record, _proxy) -> None:
        dbapi_connection.cursor_factory = self._recording
        self.drivers.append(dbapi_connection)

    def __exit__(self, *exc) -> None:
        sa.event.remove(self.engine, "checkout", self._watch)
        for driver in self.drivers:
            driver.cursor_factory = self._plain
        assert not any(driver.autocommit for driver in self.drivers if not driver.closed)
