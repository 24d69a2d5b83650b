"""Members' phone pages inside WeChat's browser (/m/). For now: binding an openid to an account."""
from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("mobile", __name__, url_prefix="/m", template_folder="templates")


def register_mobile(app: Flask) -> None:
    from mobile import bind  # noqa: F401 - registers the views

    app.register_blueprint(bp)
