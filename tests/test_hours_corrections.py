"""Hours that can be fixed (issue 21.3): an approver edits times with a reason (the first times kept),
members' correction requests are listed and decided in the console and the API, the member sees the
outcome and is told through WeChat; short records are flagged; 19 h 59 min never reads 20.0."""
from __future__ import annotations

import datetime as dt

import pytest

from models import Enrolment, RecordStatus, ServiceRecord
from services.kernel.beijing_time import BEIJING
from services.people import mp_sessions, wechat_users
from services.volunteering import corrections
from services.volunteering.hours import hours_of, hours_text
from tests.factories import START, join, make_account, make_dated_project, make_member, make_tree
from tests.web import console_login, csrf_token, mobile_login

CUSTOM = "cgi-bin/message/custom/send"


@pytest.fixture
def hours_world(app, session, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)  # the WeChat notice runs inline here
    tree = make_tree(session)
    account = make_account(session, tree.community, "duofu")
    team = tree.team(session, tree.community)
    project = make_dated_project(session, tree, team)
    member = make_member(session, name="赵敏")
    join(session, member, team)
    wechat_users.bind(session, member.id, "o_fix")
    session.add(Enrolment(project_id=project.id, member_id=member.id))
    record = ServiceRecord(project_id=project.id, member_id=member.id, status=RecordStatus.pending,
                           signin_at=START, signout_at=START + dt.timedelta(seconds=40), duration_minutes=0)
    session.add(record)
    session.commit()
    return tree, account, project, member, record


def _local(value: dt.datetime) -> str:
    return value.astimezone(BEIJING).strftime("%Y-%m-%dT%H:%M")


def test_the_console_flags_edits_and_decides_corrections(app, session, sandbox, hours_world):
    tree, account, project, member, record = hours_world
    console = console_login(app, "duofu")
    page = console.get("/console/hours", query_string={"project": project.id})
    html = page.get_data(as_text=True)
    assert "服务时长不足1分钟" in html and "修改" in html
    edited = console.post(f"/console/records/{record.id}/times", data={
        "csrf_token": csrf_token(page), "signin_at": _local(START), "signout_at": _local(START + dt.timedelta(hours=2)),
        "reason": "现场核对签退时间"})
    assert edited.status_code == 302
    html = console.get(edited.headers["Location"]).get_data(as_text=True)
    assert "已修改服务时间" in html and "原记录" in html and "现场核对签退时间" in html
    session.expire_all()
    assert session.get(ServiceRecord, record.id).duration_minutes == 120
    assert session.get(ServiceRecord, record.id).original_signout_at == START + dt.timedelta(seconds=40)

    request = corrections.request_correction(session, member.id, record.id, START - dt.timedelta(minutes=10),
                                             START + dt.timedelta(hours=2), "提前到场协助布置")
    page = console.get("/console/hours")
    assert "团员更正申请（1）" in page.get_data(as_text=True) and "提前到场协助布置" in page.get_data(as_text=True)
    refused = console.post(f"/console/corrections/{request.id}/refuse",
                           data={"csrf_token": csrf_token(page), "reason": "签到前未到场"})
    assert refused.status_code == 302
    assert "已驳回赵敏的更正申请" in console.get("/console/hours").get_data(as_text=True)
    told = sandbox.sent[-1]
    assert told[0] == CUSTOM and told[1] == "o_fix" and "未通过：签到前未到场" in told[2]["text"]["content"]

    phone = app.test_client()
    mobile_login(phone, "o_fix", "/m/records")
    mine = phone.get("/m/records").get_data(as_text=True)
    assert "更正申请未通过：签到前未到场" in mine


def test_the_api_edits_lists_and_decides(app, session, sandbox, hours_world):
    tree, account, project, member, record = hours_world
    token, _ = mp_sessions.create(session, openid="o_coord", unionid=None)
    mp_sessions.attach_account(session, token, account.id)
    auth = {"Authorization": "Bearer " + token}
    client = app.test_client()
    pending = client.get(f"/api/mp/v1/org/projects/{project.code}/pending", headers=auth).get_json()["records"]
    assert pending[0]["flags"] == ["under_1min"]
    body = {"signin_at": START.isoformat(), "signout_at": (START + dt.timedelta(minutes=95)).isoformat()}
    missing = client.patch(f"/api/mp/v1/org/records/{record.id}", json=body, headers=auth)
    assert missing.status_code == 400 and missing.get_json()["message"] == "缺少原因"
    edited = client.patch(f"/api/mp/v1/org/records/{record.id}", json={**body, "reason": "补录签退"}, headers=auth)
    answer = edited.get_json()
    assert edited.status_code == 200 and answer["duration_minutes"] == 95 and answer["edit_reason"] == "补录签退"
    assert answer["original_signout_at"] == (START + dt.timedelta(seconds=40)).isoformat()

    mine, _ = mp_sessions.create(session, openid="o_fix_mp", unionid=None, member_id=member.id)
    request = corrections.request_correction(session, member.id, record.id, START, START + dt.timedelta(hours=2),
                                             "忘记及时签退")
    records = client.get("/api/mp/v1/me/records", headers={"Authorization": "Bearer " + mine}).get_json()["records"]
    assert records[0]["id"] == record.id
    listed = client.get("/api/mp/v1/org/corrections", headers=auth).get_json()["corrections"]
    assert [c["id"] for c in listed] == [request.id] and listed[0]["member"] == "赵敏"
    decided = client.post(f"/api/mp/v1/org/corrections/{request.id}/decision", json={"accept": True}, headers=auth)
    assert decided.status_code == 200 and decided.get_json()["status"] == "accepted"
    assert decided.get_json()["record"]["duration_minutes"] == 120
    assert "更正申请已通过" in sandbox.sent[-1][2]["text"]["content"]
    assert client.get("/api/mp/v1/org/corrections", headers=auth).get_json()["corrections"] == []
    again = client.post(f"/api/mp/v1/org/corrections/{request.id}/decision", json={"accept": False}, headers=auth)
    assert again.status_code == 409
    outsider = make_account(session, tree.community2, "shaojiu")
    other, _ = mp_sessions.create(session, openid="o_other_coord", unionid=None)
    mp_sessions.attach_account(session, other, outsider.id)
    refused = client.patch(f"/api/mp/v1/org/records/{record.id}", json={**body, "reason": "越权修改"},
                           headers={"Authorization": "Bearer " + other})
    assert refused.status_code == 403


def test_nineteen_hours_fifty_nine_never_reads_twenty():
    assert hours_of(1199) == 19.9 and hours_text(1199) == "19.9" and hours_of(1199, 2) == 19.98
    assert hours_text(1200) == "20.0" and hours_text(0) == "0.0" and hours_text(None) == "0.0"


def test_row9_edits_stay_inside_the_project_and_approved_records_change_only_by_correction(app, session, sandbox,
                                                                                            hours_world):
    """Issue 38 row 9: a coordinator's edit of a dated project's record stays within its dates; a
    long-term project's record stays on the Beijing day it was recorded (no moving 12-06 to 09-30, into
    another quarter); an approved record is not edited, only corrected at the member's request, which
    the member sees; both audited."""
    from sqlalchemy import select

    from models import AuditEntry, Project
    from services.kernel.errors import Conflict, Invalid
    from services.volunteering import approval

    tree, account, project, member, record = hours_world
    with pytest.raises(Invalid, match="项目时间范围"):
        corrections.edit_times(session, tree.community.id, record.id, START - dt.timedelta(days=60),
                               START - dt.timedelta(days=60) + dt.timedelta(hours=2), "时间录错")
    long_term = session.scalar(select(Project).where(Project.team_id == project.team_id, Project.is_long_term))
    day = dt.datetime.combine(dt.datetime.now(BEIJING).date() - dt.timedelta(days=5), dt.time(9), tzinfo=BEIJING)
    visit = ServiceRecord(project_id=long_term.id, member_id=member.id, status=RecordStatus.pending,
                          signin_at=day, signout_at=day + dt.timedelta(hours=1), duration_minutes=60)
    session.add(visit)
    session.commit()
    with pytest.raises(Invalid, match=f"原签到当天（{day.month}月{day.day}日"):
        corrections.edit_times(session, tree.community.id, visit.id, day - dt.timedelta(days=67),
                               day - dt.timedelta(days=67) + dt.timedelta(hours=2), "补登九月服务")
    fixed = corrections.edit_times(session, tree.community.id, visit.id, day, day + dt.timedelta(hours=3), "漏记两小时")
    assert fixed.duration_minutes == 180
    with pytest.raises(Invalid, match="原签到当天"):  # the first day holds after an edit too
        corrections.request_correction(session, member.id, visit.id, day + dt.timedelta(days=1),
                                       day + dt.timedelta(days=1, hours=1), "其实是第二天")

    approval.decide_records(session, tree.community.id, [visit.id], True)
    with pytest.raises(Conflict, match="只有待审核或缺少签退"):
        corrections.edit_times(session, tree.community.id, visit.id, day, day + dt.timedelta(hours=4), "再改")
    asked = corrections.request_correction(session, member.id, visit.id, day, day + dt.timedelta(hours=4), "布置会场一小时")
    corrections.decide_correction(session, tree.community.id, asked.id, accept=True)
    phone = app.test_client()
    mobile_login(phone, "o_fix", "/m/records")
    assert "布置会场一小时" in phone.get("/m/records").get_data(as_text=True)
    actions = [a for a, in session.execute(select(AuditEntry.action).where(AuditEntry.target_id == visit.id))]
    assert "record.edit" in actions and "correction.accept" in actions
