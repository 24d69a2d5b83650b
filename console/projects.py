"""Projects of the account's sub-tree and the on-site check-in QR for a coordinator's screen.

The screen page swaps its QR image every few seconds; the image itself carries a token that changes
every 30 s (services.onsite_qr), so a photo forwarded away from the site stops working.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Response, current_app, render_template

from console import bp
from console.auth import current_account, login_required
from extensions import db
from models import Organization, Project, ProjectStatus, Team
from qr.poster import qr_png
from services import approval, onsite_qr, projects
from services.beijing_time import BEIJING
from services.errors import Conflict
from services.orgs import subtree_filter


def _screen_project(project_id: int) -> Project:
    project = projects.get_project(db.session, project_id)
    approval.require_approver(db.session, current_account().org_id, project)
    if project.status != ProjectStatus.published:
        raise Conflict("project_not_open", "项目未发布或已结束，不能现场签到")
    return project


@bp.get("/projects")
@login_required
def project_list():
    org = current_account().org
    rows = db.session.scalars(
        sa.select(Project).join(Team, Project.team_id == Team.id).join(Organization, Team.org_id == Organization.id)
        .where(subtree_filter(org)).order_by(Project.is_long_term, Project.starts_at.desc().nulls_last())
        .limit(200)).all()
    return render_template("console/projects.html", projects=rows, beijing=BEIJING)


@bp.get("/projects/<int:project_id>/onsite")
@login_required
def onsite_screen(project_id: int):
    project = _screen_project(project_id)
    return render_template("console/onsite.html", project=project, step=onsite_qr.STEP_SECONDS)


@bp.get("/projects/<int:project_id>/onsite.png")
@login_required
def onsite_png(project_id: int):
    project = _screen_project(project_id)
    payload = onsite_qr.payload(project, current_app.config["PUBLIC_BASE_URL"])
    response = Response(qr_png(payload, 720), mimetype="image/png")
    response.headers["Cache-Control"] = "no-store"
    return response
