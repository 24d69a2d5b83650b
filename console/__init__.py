"""Coordinators' and league committees' web console (/console/, the seeds' 系统电脑端)."""
from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates")


def register_console(app: Flask) -> None:
    from console import (  # noqa: F401 - registers the views
        appeals,
        auth,
        commendations,
        dashboard,
        exports,
        graduates,
        hours,
        members,
        milestones,
        org_import,
        orgs,
        pairing,
        people,
        projects,
        proposals,
        push_history,
        teams,
    )

    app.register_blueprint(bp)
    if app.config["APP_ENV"] != "production":
        from console.devtools import dev_bp

        app.register_blueprint(dev_bp)
