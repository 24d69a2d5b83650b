"""Statements the bot runs hundreds of times a second on 报到 day, prepared once per connection.

PostgreSQL spends four times longer planning the scan's join (checks, membership and audit row in
data-modifying CTEs) or the 时长 card than running it, and SQLAlchemy's execution path costs the
worker more CPU than the driver's whole round trip (bench/README.md has the figures). A ``Prepared``
statement is still built by SQLAlchemy Core, so its rule stays in one place. On PostgreSQL through
psycopg2 (the project's driver), when the session has no transaction open, a pooled connection
PREPAREs it (typed parameters) the first time it runs it, then EXECUTEs it through the driver in
autocommit: one round trip, no BEGIN/COMMIT (psycopg2 sends each as its own), and after a few runs no
planning either. Inside an open session transaction (the statement must see what the session wrote)
and on SQLite (no round trips to save; the sqlite3 module caches its statements itself) it runs on
the session's connection like any other statement.

The fast path bypasses SQLAlchemy's execution events (echo, statement listeners); errors are still
SQLAlchemy's (``IntegrityError`` for a lost race), with parameters hidden, and a connection the
driver finds broken is invalidated in the pool as SQLAlchemy would.
"""
from __future__ import annotations

import collections
import itertools
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import psycopg2 as pg_psycopg2
from sqlalchemy.orm import Session, scoped_session

from services.kernel.uow import unit_of_work

_ON_CONNECTION = "qc_prepared"  # in a pooled connection's info: the names prepared on it
# PostgreSQL no longer has the statement (a pooler's DISCARD ALL) or can no longer use its plan (a
# migration changed a column's type): nothing ran, so it is prepared again and run once more.
_PREPARE_AGAIN = {"26000": False, "0A000": True}  # SQLSTATE: whether it must be deallocated first


def _type_name(dialect: sa.Dialect, type_: sa.types.TypeEngine) -> str:
    try:
        return dialect.type_compiler_instance.process(type_)
    except sa.exc.CompileError:  # an untyped parameter: PostgreSQL infers it, as it would unprepared
        return "unknown"


@dataclass
class _Plan:
    """The statement as PostgreSQL gets it: PREPARE text, EXECUTE text, and how to fill the parameters."""
    compiled: sa.engine.Compiled
    prepare: str
    execute: str
    names: tuple[str, ...]        # parameter names in $1, $2, ... order
    processors: tuple             # per parameter: SQLAlchemy's bind processor for its type, or None
    results: tuple                # per column: SQLAlchemy's result processor for its type, or None
    row: type | None = None       # named tuple of the result's columns, made on first run

    def values(self, params: dict) -> tuple:
        given = self.compiled.construct_params(params)  # with the statement's own literals; refuses a missing one
        return tuple(given[name] if process is None else process(given[name])
                     for name, process in zip(self.names, self.processors, strict=True))

    def make_row(self, description, values: tuple):
        if self.row is None:
            self.row = collections.namedtuple("PreparedRow", [column.name for column in description], rename=True)
        if any(self.results):
            values = tuple(value if process is None else process(value)
                           for value, process in zip(values, self.results, strict=True))
        return self.row(*values)


class Prepared:
    """A SELECT (CTEs that write included) returning at most one row; see the module's docstring."""

    _numbers = itertools.count(1)

    def __init__(self, statement: sa.Select) -> None:
        self.statement = statement
        self.name = f"qc_prepared_{next(self._numbers)}"
        self._plan: _Plan | None = None

    def one_or_none(self, session: Session, params: dict, *, writes: bool = False):
        """The row (by name and by position) or None. ``writes``: inside the session's transaction,
        commit it after the statement (the fast path commits by itself)."""
        own = session() if isinstance(session, scoped_session) else session  # Flask-SQLAlchemy's db.session
        engine = own.get_bind()
        if own.in_transaction() or engine.dialect.driver != "psycopg2":  # PostgreSQL through psycopg2
            if not writes:
                return own.connection().execute(self.statement, params).one_or_none()
            with unit_of_work(own):
                return own.connection().execute(self.statement, params).one_or_none()
        return self._run(engine, self._plan or self._compile(engine.dialect), params)

    def _compile(self, dialect: sa.Dialect) -> _Plan:
        numbered = pg_psycopg2.dialect(paramstyle="numeric_dollar")
        compiled = self.statement.compile(dialect=numbered)
        names = tuple(compiled.positiontup or ())
        types = [compiled.binds[name].type for name in names]
        self._plan = _Plan(
            compiled=compiled,
            prepare=f"PREPARE {self.name}({', '.join(_type_name(numbered, t) for t in types)}) AS {compiled}",
            execute=f"EXECUTE {self.name}({', '.join(['%s'] * len(names))})" if names else f"EXECUTE {self.name}",
            names=names, processors=tuple(t.bind_processor(dialect) for t in types),
            results=tuple(c.type.result_processor(dialect, None) for c in self.statement.selected_columns))
        return self._plan

    def _run(self, engine: sa.Engine, plan: _Plan, params: dict):
        values = plan.values(params)
        dbapi = engine.dialect.loaded_dbapi
        try:
            pooled = engine.raw_connection()  # the pool's checkout events run (the idle ping)
        except dbapi.Error as exc:  # no connection (PostgreSQL down): said as SQLAlchemy says it
            raise sa.exc.DBAPIError.instance(plan.execute, values, exc, dbapi.Error, hide_parameters=True,
                                             dialect=engine.dialect) from exc
        driver = pooled.driver_connection
        try:
            driver.autocommit = True
            try:
                return self._execute(pooled.info.setdefault(_ON_CONNECTION, set()), driver, plan, values)
            finally:
                if not driver.closed:
                    driver.autocommit = False  # as the pool hands it out: a later transaction is one
        except dbapi.Error as exc:
            broken = engine.dialect.is_disconnect(exc, driver, None)
            if broken:
                pooled.invalidate(exc)
            raise sa.exc.DBAPIError.instance(plan.execute, values, exc, dbapi.Error, hide_parameters=True,
                                             connection_invalidated=broken, dialect=engine.dialect) from exc
        finally:
            pooled.close()

    def _execute(self, prepared: set, driver, plan: _Plan, values: tuple):
        with driver.cursor() as cursor:
            for last_try in (False, True):
                if self.name not in prepared:
                    cursor.execute(plan.prepare)
                    prepared.add(self.name)
                try:
                    cursor.execute(plan.execute, values)
                    break
                except driver.DatabaseError as exc:
                    if last_try or exc.pgcode not in _PREPARE_AGAIN:
                        raise
                    prepared.discard(self.name)
                    if _PREPARE_AGAIN[exc.pgcode]:
                        cursor.execute(f"DEALLOCATE {self.name}")
            rows = cursor.fetchmany(2)
            if len(rows) > 1:
                raise sa.exc.MultipleResultsFound("Multiple rows were found when one or none was required")
            return plan.make_row(cursor.description, rows[0]) if rows else None
