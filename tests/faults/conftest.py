"""A production-shaped app for the fault tests: PostgreSQL (the machine's, or through a proxy that
cuts it) and a Redis of the test's own, which the tests kill and hang."""
from __future__ import annotations

import pytest

from runtime.extensions import db
from tests.conftest import DATA_KEY, PG_URL, _empty_tables, require_service
from tests.faults.servers import OwnRedis


@pytest.fixture
def own_redis():
    server = OwnRedis()
    server.start()
    yield server
    server.close()


def make_fault_app(redis_url: str, database_url: str = PG_URL):
    from app import create_app
    from tests.conftest import IsolatedClient

    application = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "DATABASE_URL": database_url,
                              "REDIS_URL": redis_url, "DATA_KEY": DATA_KEY, "SECRET_KEY": "fault-secret",
                              "PUSH_ON_PUBLISH": False, "PUSH_RETRY_BACKOFF": 0.01, "PUSH_RATE_PER_SECOND": 1000})
    application.test_client_class = IsolatedClient
    return application


@pytest.fixture
def fault_app(own_redis):
    require_service("postgresql")
    application = make_fault_app(own_redis.url)
    with application.app_context():
        db.create_all()
        _empty_tables()
        yield application
        db.session.remove()
        _empty_tables()
        db.engine.dispose()
