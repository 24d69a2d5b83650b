"""Console home and the teams of the account's sub-tree: posters and the WeChat group QR."""
from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for

from console import bp
from console.auth import current_account, login_required
from extensions import db
from models import Organization, Team
from services import teams
from services.errors import DomainError
from services.orgs import require_within
from services.posters import subtree_teams

PAGE_SIZE = 50


@bp.get("/")
@login_required
def index():
    org = current_account().org
    team = db.session.scalar(sa.select(Team).where(Team.org_id == org.id))
    children = db.session.scalars(sa.select(Organization).where(Organization.parent_id == org.id)
                                  .order_by(Organization.name)).all()
    return render_template("console/index.html", org=org, team=team, children=children)


@bp.get("/teams")
@login_required
def team_list():
    org = current_account().org
    query = subtree_teams(db.session, org)
    q = request.args.get("q", "").strip()
    if q:
        query = query.where(Team.name.contains(q, autoescape=True))
    page = max(1, request.args.get("page", 1, type=int))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.scalars(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return render_template("console/teams.html", org=org, teams=rows, q=q, page=page, total=total,
                           pages=max(1, -(-total // PAGE_SIZE)))


@bp.post("/teams/<int:team_id>/group-qr")
@login_required
def upload_group_qr(team_id: int):
    team = teams.get_team(db.session, team_id)
    require_within(db.session, team.org_id, current_account().org_id)
    upload = request.files.get("image")
    data = None if request.form.get("remove") else (upload.read() if upload else b"")
    try:
        if data == b"":
            flash("请选择微信群二维码图片", "error")
        else:
            teams.set_group_qr(db.session, team.id, data, actor=("account", current_account().id))
            flash("已删除微信群二维码" if data is None else "微信群二维码已更新，海报将包含该二维码", "ok")
    except DomainError as err:
        flash(err.message, "error")
    return redirect(url_for("console.team_list", q=request.form.get("q") or None))
