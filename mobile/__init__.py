"""Members' phone pages inside WeChat's browser (/m/) and the poster's join link (/j/)."""
from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("mobile", __name__, url_prefix="/m", template_folder="templates", static_folder="static")


@bp.context_processor
def _browser() -> dict:
    """WeChat's own browser cannot save a downloaded file: pages that offer one say to open them in the
    phone's browser (右上角「…」→「在浏览器中打开」) when they are read inside WeChat."""
    from flask import request

    return {"in_wechat": "MicroMessenger" in request.headers.get("User-Agent", "")}


def register_mobile(app: Flask) -> None:
    from mobile import (  # noqa: F401 - registers the views
        appeal,
        auth,
        bind,
        home,
        member,
        onsite,
        password,
        privacy,
        projects,
        register,
        reminders,
    )
    from mobile.join import join_bp
    from mobile.verify import verify_bp

    app.register_blueprint(bp)
    app.register_blueprint(join_bp)
    app.register_blueprint(verify_bp)
