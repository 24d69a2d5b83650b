"""Fixtures: every service test runs on SQLite and on PostgreSQL (+ Redis) over real connections.

PostgreSQL and Redis come from TEST_DATABASE_URL / TEST_REDIS_URL (defaults: this machine's local
servers). Absent servers skip those tests with the reason; REQUIRE_SERVICES=1 (CI) turns that into
a failure. Tables are emptied after each test rather than rolled back, because the concurrency tests
need data committed and visible to other connections.
"""
from __future__ import annotations

import contextvars
import os
import threading
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from flask.testing import FlaskClient

from app import create_app
from runtime.extensions import db
from runtime.sharedstore import MemoryStore, RedisStore

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
DATA_KEY = Fernet.generate_key().decode()
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


def _unreachable_reason(kind: str) -> str | None:
    try:
        if kind == "postgresql":
            engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            engine.dispose()
        else:
            import redis

            redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable here"
        return f"{type(exc).__name__}: {exc}".splitlines()[0]
    return None


_REACHABILITY: dict[str, str | None] = {}


def require_service(kind: str) -> None:
    """Skip (or fail under REQUIRE_SERVICES=1) when a service-backed test has no server."""
    if kind not in _REACHABILITY:
        _REACHABILITY[kind] = _unreachable_reason(kind)
    reason = _REACHABILITY[kind]
    if reason is None:
        return
    where = PG_URL if kind == "postgresql" else REDIS_URL
    message = f"{kind} unreachable at {where} ({reason})"
    if REQUIRE_SERVICES:
        pytest.fail("REQUIRE_SERVICES=1 but " + message, pytrace=False)
    pytest.skip(message + "; set TEST_DATABASE_URL/TEST_REDIS_URL or start the service")


class IsolatedClient(FlaskClient):
    """Each request in an empty context, so it gets its own app context, ``g`` and database session,
    as in production; otherwise the test's own app context (held by the ``session`` fixture) would be
    reused by every request and ``g`` (Flask-WTF's CSRF token, for one) would leak between clients."""

    def open(self, *args, **kwargs):
        # Buffered: a streamed body (CSV exports) is read within the request's own context too, as a
        # server does, not later from the test's context.
        kwargs.setdefault("buffered", True)
        return contextvars.Context().run(super().open, *args, **kwargs)


def make_test_app(backend: str, tmp_dir) -> object:
    if backend == "postgresql":
        require_service("postgresql")
        require_service("redis")
        uri, redis_url = PG_URL, REDIS_URL
    else:
        uri, redis_url = f"sqlite:///{tmp_dir}/test.db", None
    application = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": uri, "REDIS_URL": redis_url,
                       "DATA_KEY": DATA_KEY, "SECRET_KEY": "test-secret", "DATABASE_URL": uri,
                       "WECHAT_ENCODING_AES_KEY": AES_KEY,
                       # Pushing on publish is tested on its own (tests/jobs); elsewhere publishing just publishes.
                       "PUSH_ON_PUBLISH": False, "PUSH_RETRY_BACKOFF": 0.01, "PUSH_RATE_PER_SECOND": 1000})
    application.test_client_class = IsolatedClient
    return application


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def app(request, tmp_path_factory):
    """One app per backend for the whole run; the schema is built once from the models."""
    application = make_test_app(request.param, tmp_path_factory.mktemp(request.param))
    with application.app_context():
        db.drop_all()
        db.create_all()
    yield application
    with application.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def _empty_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("TRUNCATE " + ", ".join(t.name for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def session(app) -> Iterator:
    """The app's scoped session inside an app context; every table is emptied afterwards."""
    from web.guards import limiter

    with app.app_context():
        app.extensions["store"].flush()
        limiter.reset()  # rate-limit counters are per client address, and every test client is 127.0.0.1
        yield db.session
        db.session.remove()
        _empty_tables()


@pytest.fixture
def backend(app) -> str:
    with app.app_context():
        return db.engine.dialect.name


@pytest.fixture
def run_threads(app) -> Callable:
    """Run ``fn(session, i)`` in ``n`` threads released together, each with its own session; results in order."""

    def run(n: int, fn: Callable) -> list:
        barrier = threading.Barrier(n)
        results: list = [None] * n

        def worker(i: int) -> None:
            with app.app_context():
                own = sa.orm.Session(db.engine)
                try:
                    barrier.wait(timeout=10)
                    results[i] = fn(own, i)
                except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
                    results[i] = exc
                finally:
                    own.close()

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        return results

    return run


@pytest.fixture
def pg_only(backend):
    """What only PostgreSQL can show (real concurrency: SQLite serialises writers; round trips;
    prepared statements): such a test exists in its PostgreSQL variant alone (see below)."""
    assert backend == "postgresql"


def pytest_collection_modifyitems(config, items):
    """A test asking for ``pg_only`` (or a fixture parameter marked ``pg_only``, such as the push tests'
    RQ mode) is PostgreSQL-only by parameter: its SQLite variant is deselected, not skipped (a skip reads
    as something missing on this machine)."""
    keep, dropped = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_sqlite = callspec is not None and callspec.params.get("app") == "sqlite"
        server_only = "pg_only" in item.fixturenames or item.get_closest_marker("pg_only") is not None
        (dropped if on_sqlite and server_only else keep).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.fixture(params=["memory", "redis"])
def kv(request):
    if request.param == "memory":
        yield MemoryStore()
        return
    yield request.getfixturevalue("redis_kv")


@pytest.fixture
def redis_kv():
    """The Redis store alone, for what only Redis has (its connections)."""
    require_service("redis")
    store = RedisStore(REDIS_URL, prefix="qctest:")
    store.flush()
    yield store
    store.flush()


@pytest.fixture
def sandbox(app, monkeypatch):
    """The WeChat API sandbox served on a loopback port; the app's client is pointed at it."""
    from werkzeug.serving import make_server

    from wechat.sandbox import SandboxState, create_sandbox_app

    state = SandboxState(appid=app.config["WECHAT_APP_ID"], secret=app.config["WECHAT_APP_SECRET"],
                         miniprogram_appid="wxminiprogram0001")
    server = make_server("127.0.0.1", 0, create_sandbox_app(state), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setitem(app.config, "WECHAT_API_BASE_URL", f"http://127.0.0.1:{server.server_port}")
    yield state
    server.shutdown()
