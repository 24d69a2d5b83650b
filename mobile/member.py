"""The member's own pages: profile (clear to the owner), registering as a volunteer, finding and
joining a community team, my team, my records (with their approval state and a correction request)
and my hours. All rules are the services'; these views only read forms and show answers."""
from __future__ import annotations

import datetime as dt

from flask import Response, flash, redirect, render_template, request, url_for

from mobile import bp
from mobile.auth import current_member, member_required
from models import RECORD_STATUS_LABELS
from runtime.extensions import db
from services.kernel.beijing_time import BEIJING, from_local_input
from services.kernel.errors import DomainError
from services.organisations import belonging, joining, onsite_report, orgs, team_extras, teams
from services.people import branches, members, profile_extras, residence
from services.reporting import commendations
from services.volunteering import certificates, corrections, hours, participation, records
from web.answers import pdf_response
from web.flashing import attempt
from web.requestargs import int_arg


def _back(endpoint: str, **values):
    return redirect(url_for(endpoint, **values))


@bp.get("/profile")
@member_required
def profile():
    member = current_member()
    return render_template("mobile/profile.html", profile=members.profile(member, viewer_is_owner=True),
                           skills=profile_extras.skills_text(member), zyb_bound=member.zyb_username is not None,
                           home=residence.residence_label(db.session, member), areas=residence.areas_text(member))


@bp.post("/profile/volunteer")
@member_required
def become_volunteer():
    attempt(lambda: members.register_volunteer(db.session, current_member().id), "你已注册成为志愿者")
    return _back("mobile.profile")


@bp.get("/branch")
@member_required
def my_branch():
    """我的团支部: join one, or ask to transfer (the branch decides), or withdraw a pending request."""
    member = current_member()
    q = request.args.get("q", "").strip()[:30]
    found = [(b, orgs.path_label(db.session, b)) for b in orgs.search_branches(db.session, q)] if q else []
    return render_template("mobile/branch.html", member=member, q=q, found=found,
                           application=branches.pending_application(db.session, member.id))


@bp.post("/branch")
@member_required
def branch_apply():
    attempt(lambda: branches.apply(db.session, current_member().id, int_arg(request.form, "branch_id", 0)),
            lambda application: f"已提交申请，等待「{application.branch.name}」审核")
    return _back("mobile.my_branch")


@bp.post("/branch/withdraw")
@member_required
def branch_withdraw():
    attempt(lambda: branches.withdraw(db.session, current_member().id), "已撤回申请")
    return _back("mobile.my_branch")


@bp.route("/skills", methods=["GET", "POST"])
@member_required
def my_skills():
    """个人特长, asked right after joining a team and editable from 社区服务."""
    member, error = current_member(), None
    if request.method == "POST":
        try:
            profile_extras.set_skills(db.session, member.id, request.form.getlist("skills"),
                                      request.form.get("skills_note"))
        except DomainError as err:
            error = err.message
        else:
            flash("个人特长已保存")
            return _back("mobile.my_team")
    return render_template("mobile/skills.html", skills=profile_extras.SKILLS, chosen=set(member.skills or []),
                           note=member.skills_note, error=error), 400 if error else 200


@bp.route("/zyb", methods=["GET", "POST"])
@member_required
def my_zyb():
    """绑定志愿北京: the member's own account; the password is never shown again."""
    member, error = current_member(), None
    if request.method == "POST":
        unbind = request.form.get("unbind") == "1"
        try:
            profile_extras.bind_zyb(db.session, member.id, None if unbind else request.form.get("zyb_username"),
                                    None if unbind else request.form.get("zyb_password"))
        except DomainError as err:
            error = err.message
        else:
            flash("已解除绑定" if unbind else "志愿北京账号已绑定")
            return _back("mobile.my_zyb")
    return render_template("mobile/zyb.html", member=member, beijing=BEIJING, error=error), 400 if error else 200


@bp.get("/teams")
@member_required
def team_search():
    """找组织: community teams by community (village) or street name."""
    q = request.args.get("q", "").strip()[:30]
    member = current_member()
    found = teams.search_teams(db.session, q) if q else residence.teams_near_home(db.session, member)
    return render_template("mobile/teams.html", q=q, found=found, near_home=not q and bool(found),
                           home_set=member.residence_org_id is not None,
                           mine={t.id for t in teams.joined_teams(db.session, member.id)})


@bp.route("/residence", methods=["GET", "POST"])
@member_required
def my_residence():
    """居住地、籍贯与服务领域 (issue 38 row 3): the home suggests the community teams near it."""
    member, error = current_member(), None
    if request.method == "POST":
        form = request.form
        try:
            chosen = form.get("residence", "")
            residence.set_profile(db.session, member.id, residence_id=int(chosen) if chosen.isdigit() else None,
                                  outside_beijing=form.get("residence") == "outside",
                                  native_place=form.get("native_place"), service_areas=form.getlist("service_areas"))
        except DomainError as err:
            error = err.message
        else:
            flash("已保存", "ok")
            return _back("mobile.profile")
    return render_template("mobile/residence.html", member=member, places=residence.places(db.session),
                           areas=residence.SERVICE_AREAS, provinces=residence.PROVINCES, error=error), 400 if error else 200


@bp.post("/teams/<code>/join")
@member_required
def team_join(code: str):
    team = teams.get_team_by_code(db.session, code)
    try:
        result = joining.join_team(db.session, current_member().id, team.id, source="page")
        flash(f"已加入「{team.name}」" if result.created else f"你已在「{team.name}」，无需重复报到")
    except DomainError as err:
        flash(err.message, "error")
        return _back("mobile.team_search", q=request.form.get("q") or None)
    if result.created and not current_member().skills:
        return _back("mobile.my_skills")  # seed 000: the team and the 个人特长 are confirmed together
    return _back("mobile.my_team")


@bp.post("/teams/<code>/quit")
@member_required
def team_quit(code: str):
    team = teams.get_team_by_code(db.session, code)
    attempt(lambda: teams.quit_team(db.session, current_member().id, team.id), f"已退出「{team.name}」")
    return _back("mobile.my_team")


@bp.get("/teams/<code>/group-qr.png")
@member_required
def team_group_qr(code: str):
    png = team_extras.group_qr_for(db.session, code, current_member())
    return Response(png, mimetype="image/png", headers={"Cache-Control": "private, max-age=300"})


@bp.get("/team")
@member_required
def my_team():
    """社区服务: my team, its contact, how many members, my hours."""
    member = current_member()
    rows = [(entry, teams.member_count(db.session, entry.team)) for entry in belonging.service_teams(db.session, member)]
    onsite = {entry.team.id: onsite_report.confirmed_at(db.session, member.id, entry.team.id)
              for entry, _ in rows if entry.via == belonging.JOINED and entry.team.is_community}
    return render_template("mobile/team.html", rows=rows, hours=hours.summary(db.session, member.id),
                           skills=profile_extras.skills_text(member), onsite=onsite)


@bp.get("/hours")
@member_required
def my_hours():
    member = current_member()
    return render_template("mobile/hours.html", hours=hours.summary(db.session, member.id),
                           stars=hours.STAR_THRESHOLDS, standing=participation.standing(db.session, member),
                           honours=commendations.honours(db.session, member.id))


@bp.get("/records")
@member_required
def my_records():
    mine = records.member_records(db.session, current_member().id)
    return render_template("mobile/records.html", records=mine, labels=RECORD_STATUS_LABELS, beijing=BEIJING,
                           corrections=corrections.latest_by_record(db.session, [r.id for r in mine]))


@bp.route("/records/<int:record_id>/correction", methods=["GET", "POST"])
@member_required
def correction(record_id: int):
    record = records.own_record(db.session, current_member().id, record_id)
    error = None
    if request.method == "POST":
        try:
            corrections.request_correction(
                db.session, current_member().id, record.id,
                from_local_input(request.form.get("signin_at", ""), "signin_at"),
                from_local_input(request.form.get("signout_at", ""), "signout_at"), request.form.get("reason", ""))
        except DomainError as err:
            error = err.message
        else:
            flash("更正申请已提交，等待负责人审核")
            return _back("mobile.my_records")
    return render_template("mobile/correction.html", record=record, beijing=BEIJING, error=error), 400 if error else 200


@bp.route("/certificate", methods=["GET", "POST"])
@member_required
def certificate():
    """志愿服务证明: choose a period, get the PDF (approved service only)."""
    error = None
    if request.method == "POST":
        try:
            start, end = certificates.parse_period(request.form.get("start"), request.form.get("end"))
            issued = certificates.issue(db.session, current_member().id, start, end)
        except DomainError as err:
            error = err.message
        else:
            return _back("mobile.certificate_pdf", code=issued.code)
    today = dt.datetime.now(BEIJING).date()
    return render_template("mobile/certificate.html", error=error, today=today,
                           start=request.form.get("start") or today.replace(month=1, day=1).isoformat(),
                           end=request.form.get("end") or today.isoformat()), 400 if error else 200


@bp.get("/certificates/<code>.pdf")
@member_required
def certificate_pdf(code: str):
    issued = certificates.owned(db.session, code, current_member().id)
    return pdf_response(db.session, issued, inline=True)
