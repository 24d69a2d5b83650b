"""Projects of the account's sub-tree and the on-site check-in QR for a coordinator's screen.

The screen page swaps its QR image every few seconds; the image itself carries a token that changes
every 30 s (services.volunteering.onsite_qr), so a photo forwarded away from the site stops working.
"""
from __future__ import annotations

from flask import Response, current_app, flash, redirect, render_template, request, url_for

from console import bp
from console.auth import current_account, login_required
from console.teams import COORD_LABELS
from jobs import notify
from models import DELIVERY_LABELS, Project, Team
from qr.poster import qr_png
from runtime.extensions import db
from services.kernel.beijing_time import BEIJING, from_local_input, to_local_input
from services.kernel.errors import DomainError, Forbidden, Invalid
from services.organisations import orgs, pairing
from services.organisations.orgs import subtree_teams
from services.people import members
from services.push import channels, runs
from services.volunteering import enrolment, onsite_qr, projects
from web.flashing import attempt

RUN_LABELS = {"queued": "排队中", "running": "推送中", "paused": "已暂停（额度）", "done": "已完成", "failed": "已中止"}


@bp.get("/projects")
@login_required
def project_list():
    org = current_account().org
    rows = db.session.scalars(projects.in_subtree(org).limit(200)).all()
    return render_template("console/projects.html", projects=rows, beijing=BEIJING)


def _managed(project_id: int) -> Project:
    return projects.managed_project(db.session, current_account().org_id, project_id)


@bp.get("/projects/<int:project_id>")
@login_required
def project_detail(project_id: int):
    project = _managed(project_id)
    progress = runs.progress(db.session, project)
    reach, channel = runs.reach(db.session, project), channels.current()
    paired = []
    if project.team.org.kind in orgs.STREET_KINDS:
        paired = pairing.paired_departments(db.session, project.team.org_id)
    return render_template("console/project.html", project=project, progress=progress, beijing=BEIJING,
                           reach=reach, channel=channel, channel_labels=channels.CHANNEL_LABELS,
                           delivery_labels=DELIVERY_LABELS, run_labels=RUN_LABELS, paired=paired,
                           timekeepers={t.org_id for t in project.timekeepers},
                           enrolments=enrolment.roster(db.session, project.id),
                           publish_pushes=bool(current_app.config.get("PUSH_ON_PUBLISH")), link=runs.project_link(project))


@bp.post("/projects/<int:project_id>/enrolments/<int:member_id>/remove")
@login_required
def remove_enrolment(project_id: int, member_id: int):
    """A coordinator takes someone off the list (moved away, asked by phone); the waitlist moves up."""
    project = _managed(project_id)
    reason = request.form.get("reason")

    def remove():
        promoted = enrolment.withdraw(db.session, member_id, project.id, actor_org_id=current_account().org_id,
                                      reason=reason)
        notify.tell(member_id, enrolment.removal_notice(project, reason))
        if promoted is not None:
            notify.tell(promoted.member_id, enrolment.promotion_notice(project))
        return promoted
    attempt(remove, lambda promoted: "已取消该团员的报名" + (
        f"，候补第一位已递补（{members.told_by_wechat(members.get_member(db.session, promoted.member_id))}）"
        if promoted else ""))
    return redirect(url_for("console.project_detail", project_id=project_id))


@bp.post("/projects/<int:project_id>/timekeepers")
@login_required
def save_timekeepers(project_id: int):
    ids = [int(v) for v in request.form.getlist("department") if v.isdigit()]
    attempt(lambda: projects.set_timekeepers(db.session, current_account().org_id, project_id, ids),
            "计时员已更新" if ids else "已取消计时员")
    return redirect(url_for("console.project_detail", project_id=project_id))


def _managed_teams() -> list[Team]:
    return db.session.scalars(subtree_teams(current_account().org).limit(500)).all()


def project_input(form) -> projects.ProjectInput:
    try:
        lat, lng = float(form.get("lat", "")), float(form.get("lng", ""))
        radius = int(form.get("radius_m") or 300)
        capacity = int(form["capacity"]) if form.get("capacity") else None
    except ValueError:
        raise Invalid("number", "坐标、签到半径和招募人数须为数字") from None
    return projects.ProjectInput(
        title=form.get("title", ""), description=form.get("description", ""),
        starts_at=from_local_input(form.get("starts_at"), "starts_at"),
        ends_at=from_local_input(form.get("ends_at"), "ends_at"), lat=lat, lng=lng,
        coord_system=form.get("coord_system", "gcj02"), radius_m=radius, site_name=form.get("site_name") or None,
        site_address=form.get("site_address") or None, capacity=capacity, audience=form.get("audience", "team"))


def _form_page(teams: list[Team], team: Team, form, error: str | None, project: Project | None = None):
    """The project form (new or edit), 400 with the reason when a save was refused."""
    return render_template("console/project_form.html", project=project, teams=teams, team=team, form=form,
                           error=error, coord_systems=COORD_LABELS,
                           street=team.org.kind in orgs.STREET_KINDS), 400 if error else 200


@bp.route("/projects/new", methods=["GET", "POST"])
@login_required
def new_project():
    choices = _managed_teams()
    if not choices:
        raise Forbidden("no_team", "本组织及下级组织没有服务队，不能发布项目")
    form = request.form if request.method == "POST" else request.args
    team = next((t for t in choices if str(t.id) == form.get("team")), choices[0])
    error = None
    if request.method == "POST":
        try:
            project = projects.create_project(db.session, current_account().org_id, team.id, project_input(form))
        except DomainError as err:
            error = err.message
        else:
            flash("项目已创建（草稿）。发布后团员才能看到和报名", "ok")
            return redirect(url_for("console.project_detail", project_id=project.id))
    return _form_page(choices, team, form, error)


def _as_form(project: Project) -> dict:
    """The project as its form shows it: times in Beijing, the site as stored."""
    return {"title": project.title, "description": project.description or "",
            "starts_at": to_local_input(project.starts_at), "ends_at": to_local_input(project.ends_at),
            "site_name": project.site_name or "", "site_address": project.site_address or "",
            "lat": project.site_lat, "lng": project.site_lng, "coord_system": project.site_coord_system.value,
            "radius_m": project.site_radius_m, "capacity": project.capacity or "", "audience": project.audience.value}


@bp.route("/projects/<int:project_id>/edit", methods=["GET", "POST"])
@login_required
def edit_project(project_id: int):
    """A dated project's title, times, site and capacity, changed by whoever manages its team."""
    project = _managed(project_id)
    form, error = (request.form if request.method == "POST" else _as_form(project)), None
    if request.method == "POST":
        try:
            projects.update_project(db.session, current_account().org_id, project.id, project_input(form))
        except DomainError as err:
            error = err.message
        else:
            flash("项目已修改", "ok")
            return redirect(url_for("console.project_detail", project_id=project.id))
    return _form_page([project.team], project.team, form, error, project)


ACTIONS = {
    "publish": (lambda org, p: runs.publish_and_push(db.session, org, p.id), "项目已发布"),
    "close": (lambda org, p: projects.close_project(db.session, org, p.id), "项目已结束"),
    "push": (lambda org, p: runs.request_push(db.session, p.id, actor_org_id=org), "已开始推送给团员"),
    "resend-unknown": (lambda org, p: runs.request_push(db.session, p.id, actor_org_id=org, resend_unknown=True),
                       "已重新推送状态未知的消息"),
}


@bp.post("/projects/<int:project_id>/<any(publish, close, push, 'resend-unknown'):action>")
@login_required
def project_action(project_id: int, action: str):
    project = _managed(project_id)
    do, done = ACTIONS[action]
    attempt(lambda: do(current_account().org_id, project), done)
    return redirect(url_for("console.project_detail", project_id=project_id))


@bp.get("/projects/<int:project_id>/link.png")
@login_required
def project_link_png(project_id: int):
    """The project's link as a small QR code, to post in the team's WeChat group (seed 000 新建志愿项目 → 链接)."""
    project = _managed(project_id)
    response = Response(qr_png(runs.project_link(project), 360), mimetype="image/png")
    if request.args.get("download"):
        response.headers["Content-Disposition"] = "attachment; filename=project-qr.png"
    return response


@bp.get("/projects/<int:project_id>/onsite")
@login_required
def onsite_screen(project_id: int):
    project = onsite_qr.screen_project(db.session, current_account().org_id, project_id)
    screen = {"kind": "现场签到", "heading": project.title, "place": project.site_name or project.team.name,
              "png": url_for("console.onsite_png", project_id=project.id),
              "instruction": f"请用微信“扫一扫”扫码签到或签退（需在签到范围 {project.site_radius_m} 米内并允许获取位置）"}
    return render_template("console/onsite.html", screen=screen, step=onsite_qr.STEP_SECONDS)


@bp.get("/projects/<int:project_id>/onsite.png")
@login_required
def onsite_png(project_id: int):
    project = onsite_qr.screen_project(db.session, current_account().org_id, project_id)
    payload = onsite_qr.payload(project, current_app.config["PUBLIC_BASE_URL"])
    response = Response(qr_png(payload, 720), mimetype="image/png")
    response.headers["Cache-Control"] = "no-store"
    return response
