"""Coordinator endpoints (after /org/login): my teams, their members (personal data masked),
create and publish a project, pending records with flags, approve or reject in batch."""
from __future__ import annotations

import dataclasses

from flask import jsonify, request

from jobs import notify
from miniprogram_api import bp
from miniprogram_api.auth import account_required, current_org_id
from miniprogram_api.openapi import documented
from miniprogram_api.responses import (
    CorrectionOut,
    CorrectionsOut,
    DecidedOut,
    MembersOut,
    ProjectOut,
    RecordOut,
    RecordsOut,
    TeamChangeOut,
    TeamsOut,
)
from models import Project, Team
from runtime.extensions import db
from services.organisations import team_changes, teams
from services.organisations.orgs import get_org, require_within, subtree_teams
from services.people import members, profile_extras
from services.push import runs
from services.volunteering import approval, corrections, projects
from web.answers import correction_answer, project_answer, record_answer, team_answer
from web.bodies import CorrectionDecisionIn, DecideIn, ProjectIn, RecordTimesIn, TeamChangeIn
from web.requestargs import page_arg

PAGE = 100


def _managed_team(code: str) -> Team:
    team = teams.get_team_by_code(db.session, code)
    require_within(db.session, team.org_id, current_org_id())
    return team


@bp.get("/org/teams")
@documented("本组织及下级的服务队", response=TeamsOut)
@account_required
def org_teams():
    org = get_org(db.session, current_org_id())
    rows = db.session.scalars(subtree_teams(org).limit(PAGE)).all()
    return jsonify({"teams": [team_answer(t) for t in rows]})


@bp.get("/org/teams/<code>/members")
@documented("服务队成员（个人信息脱敏）", query={"page": {"schema": {"type": "integer", "minimum": 1, "maximum": 100000}}}, response=MembersOut)
@account_required
def team_members(code: str):
    team = _managed_team(code)
    page = page_arg(request.args)
    rows = teams.members_page(db.session, team, page, PAGE)
    return jsonify({"members": [{"id": m.id, **members.profile(m, viewer_is_owner=False),
                                 "skills": profile_extras.skills_text(m)} for m in rows],
                    "page": page})


@bp.post("/org/teams/<code>/members/<int:member_id>/<any(remove, move):change>")
@documented("修改团员报到：移出服务队（remove）或调整到本组织下的其他服务队（move，to_team 必填）",
            body=TeamChangeIn, response=TeamChangeOut)
@account_required
def change_membership(code: str, member_id: int, change: str):
    team = _managed_team(code)
    body = TeamChangeIn.model_validate_json(request.get_data() or b"{}")
    if change == "remove":
        done = team_changes.remove(db.session, current_org_id(), team.id, member_id, body.reason)
    else:
        target = teams.get_team_by_code(db.session, body.to_team or "")
        done = team_changes.move(db.session, current_org_id(), team.id, member_id, target.id, body.reason)
    notify.tell(member_id, done.notice)
    return jsonify({"member_id": member_id, "removed_from": team_answer(done.old),
                    "moved_to": team_answer(done.new) if done.new else None})


@bp.post("/org/teams/<code>/projects")
@documented("创建项目", body=ProjectIn, success=201, response=ProjectOut)
@account_required
def create_project(code: str):
    team = _managed_team(code)
    body = ProjectIn.model_validate_json(request.get_data() or b"{}")
    data = projects.ProjectInput(**body.model_dump())
    project = projects.create_project(db.session, current_org_id(), team.id, data)
    return jsonify(project_answer(project)), 201


@bp.post("/org/projects/<code>/publish")
@documented("发布项目", response=ProjectOut)
@account_required
def publish_project(code: str):
    project = _project(code, published_only=False)
    return jsonify(project_answer(runs.publish_and_push(db.session, current_org_id(), project.id)))


@bp.get("/org/projects/<code>/pending")
@documented("待审核记录（含提示）", response=RecordsOut)
@account_required
def pending_records(code: str):
    project = _project(code)
    rows = approval.pending_for_project(db.session, current_org_id(), project.id)
    return jsonify({"records": [record_answer(record, flags) for record, flags in rows]})


@bp.post("/org/projects/<code>/decide")
@documented("批量通过或驳回", body=DecideIn, response=DecidedOut)
@account_required
def decide(code: str):
    project = _project(code)
    body = DecideIn.model_validate_json(request.get_data() or b"{}")
    if body.record_ids is None:
        result = approval.decide_all_pending(db.session, current_org_id(), project.id, body.approve, body.note)
    else:
        approval.require_approver(db.session, current_org_id(), project)
        result = approval.decide_records(db.session, current_org_id(), body.record_ids, body.approve, body.note)
    return jsonify(dataclasses.asdict(result))


@bp.patch("/org/records/<int:record_id>")
@documented("修改记录的签到、签退时间（须填原因，原始时间保留；之后再审核）", body=RecordTimesIn, response=RecordOut)
@account_required
def edit_record(record_id: int):
    body = RecordTimesIn.model_validate_json(request.get_data() or b"{}")
    record = corrections.edit_times(db.session, current_org_id(), record_id, body.signin_at, body.signout_at,
                                    body.reason)
    return jsonify(record_answer(record))


@bp.get("/org/corrections")
@documented("待处理的团员更正申请", response=CorrectionsOut)
@account_required
def pending_corrections():
    return jsonify({"corrections": [correction_answer(r) for r in corrections.pending_for(db.session, current_org_id())]})


@bp.post("/org/corrections/<int:request_id>/decision")
@documented("通过或驳回团员的更正申请（团员收到微信通知）", body=CorrectionDecisionIn, response=CorrectionOut)
@account_required
def decide_correction(request_id: int):
    body = CorrectionDecisionIn.model_validate_json(request.get_data() or b"{}")
    decided = corrections.decide_correction(db.session, current_org_id(), request_id, body.accept, body.reason)
    notify.tell(decided.member_id, corrections.decision_notice(decided))
    return jsonify(correction_answer(decided))


def _project(code: str, *, published_only: bool = True) -> Project:
    """By its public code; drafts too when publishing. Rights are checked by the service called."""
    return projects.get_project_by_code(db.session, code, drafts=not published_only)
