"""Unbound extension objects; ``app.create_app`` binds them, nothing here opens a connection. (The HTTP
guards, CSRF and rate limits, are web/guards.py's.)"""
from __future__ import annotations

from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event

from models.base import Base
from runtime import smsgateway
from runtime.dbping import ping_when_idle
from runtime.privacy import DataProtector
from runtime.sharedstore import StoreProxy

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
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    protector.init_app(app)
    store.init_app(app)
    smsgateway.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas)
        else:
            ping_when_idle(db.engine)
