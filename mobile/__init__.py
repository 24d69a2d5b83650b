"""Members' phone pages inside WeChat's browser (/m/) and the poster's join link (/j/)."""
from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("mobile", __name__, url_prefix="/m", template_folder="templates", static_folder="static")


def register_mobile(app: Flask) -> None:
    from mobile import appeal, auth, bind, home, member, onsite, password, privacy, projects, register  # noqa: F401 - registers the views
    from mobile.join import join_bp
    from mobile.verify import verify_bp

    app.register_blueprint(bp)
    app.register_blueprint(join_bp)
    app.register_blueprint(verify_bp)
