"""Pinging a pooled database connection only when it sat idle.

SQLAlchemy's ``pool_pre_ping`` pings on every checkout: one more round trip for every request, which
on 报到 day is as many as the bot's own statements on a read. A connection handed back a moment ago
is as alive as a ping would show; one idle for a while may have been closed by a database restart, a
failover or a firewall, and is pinged before use. A failed ping raises ``DisconnectionError``, on which
the pool drops that connection and checks out (or opens) another, as the pre-ping would.
"""
from __future__ import annotations

import time

import sqlalchemy as sa
from sqlalchemy import event

IDLE_SECONDS = 10.0
_RETURNED = "returned_at"


def ping_when_idle(engine: sa.Engine, idle_seconds: float = IDLE_SECONDS) -> None:
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def returned(_dbapi_connection, record) -> None:
        record.info[_RETURNED] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def checked_out(dbapi_connection, record, _proxy) -> None:
        returned_at = record.info.get(_RETURNED)
        if returned_at is not None and time.monotonic() - returned_at < idle_seconds:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as exc:
            raise sa.exc.DisconnectionError(f"idle connection failed its ping: {exc}") from exc
