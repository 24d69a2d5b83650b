"""Unbound extension objects; ``app.create_app`` binds them, nothing here opens a connection."""
from __future__ import annotations

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from models.base import Base
from privacy import DataProtector
from sharedstore import StoreProxy

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
protector = DataProtector()
store = StoreProxy()
csrf = CSRFProtect()
