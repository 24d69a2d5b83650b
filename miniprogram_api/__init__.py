"""The mini-program's JSON API (/api/mp/v1). Thin: every rule is in services/.

Authentication is a bearer token from /login, not a cookie, so CSRF does not apply here.
"""
from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("mp_api", __name__, url_prefix="/api/mp/v1")


def register_api(app: Flask) -> None:
    from miniprogram_api import auth, checkin, coordinator, members, privacy, teams  # noqa: F401 - registers the views
    from miniprogram_api.openapi import register_openapi
    from web.guards import csrf

    csrf.exempt(bp)
    app.register_blueprint(bp)
    register_openapi(app)
