"""Member endpoints: find and join a team, quit, my teams; projects I may enrol in, enrol, my records."""
from __future__ import annotations

from flask import jsonify, request

from jobs import notify
from miniprogram_api import bp
from miniprogram_api.auth import current_member_id, login_required, member_required
from miniprogram_api.openapi import documented
from miniprogram_api.responses import (
    EnrolledOut,
    JoinedOut,
    MyTeamsOut,
    ProjectsOut,
    QuitOut,
    RecordsOut,
    ReportedOut,
    TeamsOut,
    WithdrawnOut,
)
from runtime.extensions import db
from services.kernel.errors import Invalid
from services.organisations import belonging, joining, onsite_report, teams
from services.organisations.team_qr import team_from_payload
from services.people import members
from services.volunteering import enrolment, projects, records
from web.answers import project_answer, record_answer, team_answer
from web.bodies import JoinIn, ReportIn


@bp.get("/teams")
@documented("按社区（村）或街道名称搜索服务队", query={"q": {"required": True, "schema": {"type": "string", "minLength": 1, "maxLength": 30}}}, response=TeamsOut)
@login_required
def search_teams():
    """By community (village) or street name, as members look for where they live."""
    q = (request.args.get("q") or "").strip()
    if not 1 <= len(q) <= 30:
        raise Invalid("q", "请输入1至30个字的社区（村）或街道名称")
    return jsonify({"teams": [team_answer(t) for t in teams.search_teams(db.session, q)]})


@bp.post("/teams/join")
@documented("扫码加入服务队", body=JoinIn, success=201, response=JoinedOut)
@member_required
def join_team():
    body = JoinIn.model_validate_json(request.get_data() or b"{}")
    team = team_from_payload(db.session, body.payload)
    result = joining.join_team(db.session, current_member_id(), team.id, source="api")
    return jsonify({"joined": result.created, "team": team_answer(team)}), 201 if result.created else 200


@bp.post("/teams/report")
@documented("现场报到：扫描社区（村）报到现场屏幕上的二维码（未加入的同时加入）", body=ReportIn, response=ReportedOut)
@member_required
def onsite_report_confirm():
    body = ReportIn.model_validate_json(request.get_data() or b"{}")
    code, token = onsite_report.read_payload(body.payload)
    done = onsite_report.confirm(db.session, current_member_id(), code, token)
    return jsonify({"joined": done.joined_now, "already": done.already, "confirmed_at": done.confirmed_at.isoformat(),
                    "team": team_answer(done.team)})


@bp.post("/teams/<code>/quit")
@documented("退出服务队", response=QuitOut)
@member_required
def quit_team(code: str):
    team = teams.get_team_by_code(db.session, code)
    teams.quit_team(db.session, current_member_id(), team.id)
    return jsonify({"quit": True, "team": team_answer(team)})


@bp.get("/me/teams")
@documented("我的服务队与联系人（含院系服务队与结对街道（乡镇）服务队）", response=MyTeamsOut)
@member_required
def my_teams():
    member = members.get_member(db.session, current_member_id())
    return jsonify({"teams": [{**team_answer(entry.team), "via": entry.via}
                              for entry in belonging.service_teams(db.session, member)]})


@bp.get("/projects")
@documented("我可以报名的项目", response=ProjectsOut)
@member_required
def open_projects():
    return jsonify({"projects": [project_answer(p) for p in projects.open_projects_for(db.session,
                                                                                      current_member_id())]})


@bp.post("/projects/<code>/enrol")
@documented("报名项目（满员进入候补）", success=201, response=EnrolledOut)
@member_required
def enrol(code: str):
    project = projects.get_project_by_code(db.session, code)
    result = enrolment.enrol(db.session, current_member_id(), project.id)
    return jsonify({"status": result.enrolment.status.value, "created": result.created,
                    "waitlist_position": result.waitlist_position}), 201 if result.created else 200


@bp.delete("/projects/<code>/enrolment")
@documented("取消报名（候补第一位自动递补并收到通知）", response=WithdrawnOut)
@member_required
def withdraw(code: str):
    project = projects.get_project_by_code(db.session, code)
    promoted = enrolment.withdraw(db.session, current_member_id(), project.id)
    if promoted is not None:
        notify.tell(promoted.member_id, enrolment.promotion_notice(project))
    return jsonify({"withdrawn": True})


@bp.get("/me/records")
@documented("我的服务记录与审核状态", response=RecordsOut)
@member_required
def my_records():
    return jsonify({"records": [record_answer(r) for r in records.member_records(db.session, current_member_id())]})
