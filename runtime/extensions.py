"""Unbound extension objects; ``app.create_app`` binds them, nothing here opens a connection. (The HTTP
guards, CSRF and rate limits, are web/guards.py's.)"""
from __future__ import annotations

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from models.base import Base
from runtime.privacy import DataProtector
from runtime.sharedstore import StoreProxy

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
protector = DataProtector()
store = StoreProxy()
