"""bench/eventday found a node SIGKILLed mid-registration whose connection stayed open (its TCP peer
never said goodbye): the transaction sat idle with the project's row lock, and every enrolment and
sign-in behind it waited for minutes. PostgreSQL now ends a session idle inside a transaction after
DB_IDLE_IN_TRANSACTION_SECONDS, so its locks are released."""
from __future__ import annotations

import time

import sqlalchemy as sa

from runtime.extensions import db
from tests.conftest import PG_URL, _empty_tables, require_service


def test_a_transaction_left_idle_releases_its_locks(monkeypatch, own_redis):
    require_service("postgresql")
    monkeypatch.setenv("DATABASE_URL", PG_URL)
    monkeypatch.setenv("DB_IDLE_IN_TRANSACTION_SECONDS", "1")
    from tests.faults.conftest import make_fault_app

    app = make_fault_app(own_redis.url)
    with app.app_context():
        db.create_all()
        _empty_tables()
        from tests.factories import make_tree

        city_id = make_tree(db.session).city.id
        db.session.remove()
        stuck = db.engine.connect()  # a request's connection whose client vanished mid-transaction
        stuck.execute(sa.text("SELECT id FROM organizations WHERE id = :id FOR UPDATE"), {"id": city_id})
        time.sleep(2)
        other = db.engine.connect()
        other.execute(sa.text("SET lock_timeout = '2s'"))
        locked = other.execute(sa.text("SELECT id FROM organizations WHERE id = :id FOR UPDATE"),
                               {"id": city_id}).scalar()
        assert locked == city_id  # the lock went with the stuck session
        other.rollback()
        other.close()
        stuck.invalidate()
        stuck.close()
        db.engine.dispose()
        _empty_tables()
