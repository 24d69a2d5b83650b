"""Unbound extension objects; ``app.create_app`` binds them, nothing here opens a connection. (The HTTP
guards, CSRF and rate limits, are web/guards.py's.)"""
from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event

from models.base import Base
from runtime import smsgateway
from runtime.dbping import ping_when_idle
from runtime.privacy import DataProtector
from runtime.sharedstore import StoreProxy

logger = logging.getLogger(__name__)

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
protector = DataProtector()
store = StoreProxy()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def init_app(app: Flask) -> None:
    db.init_app(app)
    app.teardown_appcontext(_end_session_whatever_became_of_its_connection)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    protector.init_app(app)
    store.init_app(app)
    smsgateway.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas)
        else:
            ping_when_idle(db.engine)


def _end_session_whatever_became_of_its_connection(_exc) -> None:
    """Runs before Flask-SQLAlchemy's own teardown (teardowns run last registered first). When
    PostgreSQL closed the connection after the view answered, the rollback that ends the session
    raised, after the response was made, and gunicorn sent a 500 instead of it (bench/eventday). The
    transaction is gone with the connection anyway: the connection is dropped from the pool and the
    answer goes out."""
    try:
        db.session.remove()
    except sa.exc.DBAPIError as exc:
        logger.warning("database connection lost before the session ended: %s", type(exc.orig).__name__)
        db.session.registry.clear()  # its connection is invalidated already; the pool makes a new one
