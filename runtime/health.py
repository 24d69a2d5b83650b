"""Health endpoints for people, load balancers and process supervisors.

``/livez``: the process answers (systemd and compose restart it when not). ``/readyz``: it can serve:
the database answers and its schema is at the migrations' head (a node started before ``flask db
upgrade`` finished, or running older code than the schema, must get no traffic), and Redis answers
when configured. ``/healthz``: the human summary ("ok" or "degraded" naming the part that is down)."""
from __future__ import annotations

import functools

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, request

from qr import fonts
from runtime.extensions import db, store
from runtime.netaddr import is_loopback
from runtime.sharedstore import StoreUnavailable

bp = Blueprint("health", __name__)


@functools.cache
def _heads(config_key: int) -> frozenset[str]:  # noqa: ARG001 - one cache entry per app
    from alembic.script import ScriptDirectory

    config = current_app.extensions["migrate"].migrate.get_config()
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def _answers() -> bool:
    try:
        db.session.execute(sa.text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means the database is not answering
        db.session.rollback()
        return False
    return True


def _database() -> str | None:
    """None when the database answers at the migrations' head; otherwise what is wrong."""
    try:
        current = set(db.session.scalars(sa.text("SELECT version_num FROM alembic_version")))
    except Exception:  # noqa: BLE001 - no answer, or no migrations applied at all
        db.session.rollback()
        if not _answers():
            return "database: no answer"
        return "database: migrations not applied (flask --app app db upgrade)"
    heads = _heads(id(current_app._get_current_object()))
    if current != heads:
        return f"database: schema at {', '.join(sorted(current)) or 'none'}, code expects {', '.join(sorted(heads))}"
    return None


def _store() -> str | None:
    try:
        store.ping()
    except StoreUnavailable:
        return "redis: no answer"
    return None


@bp.get("/livez")
def livez():
    return jsonify({"status": "alive"})


@bp.get("/readyz")
def readyz():
    problems = [p for p in (_database(), _store()) if p]
    return jsonify({"status": "not_ready" if problems else "ready", "problems": problems}), 503 if problems else 200


def _font() -> tuple[str, str]:
    """Whether posters and certificates can be drawn, and with which font file (qr.fonts chooses it
    by what it covers, so an operator sees which one a machine ended up with)."""
    try:
        return "ok", fonts.current().describe()
    except fonts.FontMissing as exc:
        return "missing", str(exc)


@bp.get("/healthz")
def healthz():
    """"ok", or "degraded" naming the part that is down (200 while the database answers: Redis is
    an accelerator, a missing font stops posters only); 503 only when the database, the truth, does not answer."""
    font, font_file = _font()
    parts = {"database": "ok" if _answers() else "down", "store": "down" if _store() else "ok", "font": font}
    status = "ok" if all(v == "ok" for v in parts.values()) else "degraded"
    body = {"status": status, **parts}
    if is_loopback(request.remote_addr):  # what the machine runs on is for its operator, not the internet
        body.update(database_kind=db.engine.dialect.name, store_kind=type(current_app.extensions["store"]).__name__,
                    font_file=font_file)
    return jsonify(body), 503 if parts["database"] != "ok" else 200
