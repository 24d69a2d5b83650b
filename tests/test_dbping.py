"""Pooled PostgreSQL connections are pinged only after sitting idle (runtime/dbping.py), over a real server."""
import pytest
import sqlalchemy as sa

from runtime.dbping import ping_when_idle
from tests.conftest import PG_URL, require_service


@pytest.fixture
def pg_engines():
    require_service("postgresql")
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    made = []

    def make(idle_seconds: float) -> sa.Engine:
        engine = sa.create_engine(PG_URL, pool_size=1, max_overflow=0)
        ping_when_idle(engine, idle_seconds=idle_seconds)
        made.append(engine)
        return engine

    yield admin, make
    for engine in made:
        engine.dispose()
    admin.dispose()


def _backend(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT pg_backend_pid()")).scalar()


def _kill(admin: sa.Engine, pid: int) -> None:
    with admin.connect() as conn:
        assert conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()


def test_an_idle_connection_that_died_is_replaced_before_use(pg_engines):
    admin, make = pg_engines
    engine = make(idle_seconds=0.0)  # every returned connection counts as idle
    first = _backend(engine)
    _kill(admin, first)  # a database restart, as seen by the pooled connection
    second = _backend(engine)  # no error: the ping failed, the pool opened a new connection
    assert second != first


def test_a_connection_returned_a_moment_ago_is_used_without_a_ping(pg_engines):
    admin, make = pg_engines
    engine = make(idle_seconds=3600.0)
    first = _backend(engine)
    _kill(admin, first)
    # Not pinged (that round trip is what dbping saves); the failure invalidates it, as without any
    # ping, and the next checkout gets a fresh connection.
    with pytest.raises(sa.exc.OperationalError):
        _backend(engine)
    assert _backend(engine) != first
