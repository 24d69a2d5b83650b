"""`make run` has no Redis and so no RQ scheduler: the same periodic jobs run in the web process
(issue 36.8), one scheduler per machine, held by a file lock."""
from __future__ import annotations

import time

import pytest

from app import create_app
from jobs import embedded
from services.reporting import stats
from tests.conftest import AES_KEY, DATA_KEY
from tests.factories import make_member, make_tree


def _embedded_app(app, lock_file, **extra):
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": uri, "DATABASE_URL": uri, "REDIS_URL": None,
                       "DATA_KEY": DATA_KEY, "SECRET_KEY": "test-secret", "WECHAT_ENCODING_AES_KEY": AES_KEY,
                       "EMBEDDED_SCHEDULER": True, "EMBEDDED_SCHEDULER_FIRST_RUN": 0.2,
                       "EMBEDDED_SCHEDULER_LOCK": str(lock_file), **extra})


def test_the_periodic_jobs_run_in_process_without_redis(app, session, backend, tmp_path):
    if backend != "sqlite":
        pytest.skip("the embedded scheduler is the no-Redis default; with Redis the RQ scheduler runs them")
    tree = make_tree(session)
    make_member(session, branch=tree.branch2)
    session.commit()
    assert stats.refreshed_at(session, tree.city) is None
    first = _embedded_app(app, tmp_path / "scheduler.lock")
    try:
        assert embedded.EXTENSION in first.extensions
        second = _embedded_app(app, tmp_path / "scheduler.lock")        # another process on the machine
        assert embedded.EXTENSION not in second.extensions             # finds the lock taken
        deadline = time.monotonic() + 20
        while stats.refreshed_at(session, tree.city) is None and time.monotonic() < deadline:
            time.sleep(0.2)
            session.expire_all()
        assert stats.refreshed_at(session, tree.city) is not None      # refresh_dashboards ran on its own
        assert stats.dashboard(session, tree.city).total.counts.members == 1
        scheduler, _ = first.extensions[embedded.EXTENSION]
        assert {job.id for job in scheduler.get_jobs()} >= {"mark_missing_signouts", "lapse_pairings", "purge_sessions"}
    finally:
        embedded.stop(first)
    third = _embedded_app(app, tmp_path / "scheduler.lock")            # the lock is free again once stopped
    assert embedded.EXTENSION in third.extensions
    embedded.stop(third)
    with_redis = _embedded_app(app, tmp_path / "other.lock", REDIS_URL="redis://127.0.0.1:6379/15")
    assert embedded.EXTENSION not in with_redis.extensions             # Redis: the RQ scheduler's work
