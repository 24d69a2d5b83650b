"""外单位活动: an organisation proposes an activity on a community's ground, the community publishes it or
sends it back (issue 38 row 11)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from console import bp
from console.auth import current_account, login_required
from console.projects import project_input
from models import Team
from runtime.extensions import db
from services.kernel.errors import DomainError, Invalid, NotFound
from services.organisations import teams
from services.volunteering import projects, proposals
from web.flashing import attempt
from web.requestargs import int_arg


def _page(form, error: str | None = None, status: int = 200):
    org = current_account().org
    q = (request.args.get("q") or form.get("q") or "").strip()[:30]
    found = [t for t in teams.search_teams(db.session, q) if t.is_community] if q else []
    return render_template("console/proposals.html", org=org, q=q, found=found, form=form, error=error,
                           waiting=proposals.waiting_for(db.session, org), mine=proposals.made_by(db.session, org)), status


@bp.get("/proposals")
@login_required
def proposals_page():
    return _page(request.args)


def _input(form, team: Team) -> projects.ProjectInput:
    """The activity at the community's own site (its coordinates and radius), at the times given."""
    if team.site_lat is None:
        raise Invalid("site", "该服务队尚未设置服务地点，请联系其负责人")
    at_the_site = {"lat": team.site_lat, "lng": team.site_lng, "coord_system": team.site_coord_system.value,
                   "radius_m": team.site_radius_m, "site_name": "", "site_address": "", "audience": "team"}
    return project_input({**form.to_dict(), **at_the_site})


@bp.post("/proposals")
@login_required
def proposals_submit():
    form = request.form
    try:
        team = db.session.get(Team, int_arg(form, "team", 0))
        if team is None:
            raise NotFound("team_not_found", "请先查找并选择社区（村）服务队")
        project = proposals.propose(db.session, current_account().org_id, team.id, _input(form, team))
    except DomainError as err:
        return _page(form, err.message, err.status)
    flash(f"已提交「{project.title}」，等待「{project.team.name}」所属组织审核发布", "ok")
    return redirect(url_for("console.proposals_page"))


@bp.post("/proposals/<int:project_id>/send-back")
@login_required
def proposals_send_back(project_id: int):
    attempt(lambda: proposals.send_back(db.session, current_account().org_id, project_id, request.form.get("reason")),
            lambda project: f"已退回「{project.title}」")
    return redirect(url_for("console.proposals_page"))
