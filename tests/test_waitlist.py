"""A waitlist that moves (issue 21.4): a member withdraws through the API or the project page, a
coordinator removes an enrolment in the console; the first waitlisted moves up and is told."""
from __future__ import annotations

import datetime as dt

import pytest

from models import Enrolment, EnrolmentStatus, utcnow
from services.people import mp_sessions, wechat_users
from services.volunteering import enrolment, projects
from tests.factories import join, make_account, make_member, make_project_input, make_tree
from tests.web import console_login, csrf_token, mobile_login

CUSTOM = "cgi-bin/message/custom/send"


@pytest.fixture
def full_project(app, session, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)  # notices run inline
    tree = make_tree(session)
    make_account(session, tree.community, "duofu")
    team = tree.team(session, tree.community)
    project = projects.create_project(session, tree.community.id, team.id, make_project_input(
        capacity=1, starts_at=utcnow() + dt.timedelta(days=1)))
    projects.publish_project(session, tree.community.id, project.id)
    people = []
    for i in range(3):
        member = make_member(session, name="候补" + "甲乙丙"[i])
        join(session, member, team)
        wechat_users.bind(session, member.id, f"o_wait_{i}")
        enrolment.enrol(session, member.id, project.id)
        people.append(member)
    return tree, project, people


def _status(session, project, member) -> EnrolmentStatus:
    session.expire_all()
    return session.query(Enrolment).filter_by(project_id=project.id, member_id=member.id).one().status


def test_withdrawing_through_the_api_moves_the_waitlist_up(app, session, sandbox, full_project):
    tree, project, people = full_project
    token, _ = mp_sessions.create(session, openid="o_mp_wait", unionid=None, member_id=people[0].id)
    client = app.test_client()
    auth = {"Authorization": "Bearer " + token}
    assert client.delete(f"/api/mp/v1/projects/{project.code}/enrolment", headers=auth).get_json() == {"withdrawn": True}
    assert _status(session, project, people[0]) == EnrolmentStatus.withdrawn
    assert _status(session, project, people[1]) == EnrolmentStatus.enrolled
    assert _status(session, project, people[2]) == EnrolmentStatus.waitlisted
    told = sandbox.sent[-1]
    assert told[0] == CUSTOM and told[1] == "o_wait_1" and "候补转为正式报名" in told[2]["text"]["content"]
    again = client.delete(f"/api/mp/v1/projects/{project.code}/enrolment", headers=auth)
    assert again.status_code == 404 and again.get_json()["message"] == "你没有报名该项目"


def test_the_project_page_offers_withdrawal(app, session, sandbox, full_project):
    tree, project, people = full_project
    phone = app.test_client()
    mobile_login(phone, "o_wait_2", f"/m/projects/{project.code}")
    page = phone.get(f"/m/projects/{project.code}")
    assert "候补中（第 2 位）" in page.get_data(as_text=True) and "取消报名" in page.get_data(as_text=True)
    done = phone.post(f"/m/projects/{project.code}/withdraw", data={"csrf_token": csrf_token(page)})
    assert done.status_code == 302 and "已取消报名" in phone.get(done.headers["Location"]).get_data(as_text=True)
    assert _status(session, project, people[2]) == EnrolmentStatus.withdrawn
    assert _status(session, project, people[0]) == EnrolmentStatus.enrolled  # a waitlisted leaving frees nothing


def test_a_coordinator_removes_an_enrolment(app, session, sandbox, full_project):
    tree, project, people = full_project
    console = console_login(app, "duofu")
    page = console.get(f"/console/projects/{project.id}")
    html = page.get_data(as_text=True)
    assert "报名（3）" in html and "候补甲" in html and '<span class="tag wait">候补</span>' in html
    removed = console.post(f"/console/projects/{project.id}/enrolments/{people[0].id}/remove",
                           data={"csrf_token": csrf_token(page), "reason": "已搬离本社区"})
    assert removed.status_code == 302
    assert "候补第一位已递补" in console.get(removed.headers["Location"]).get_data(as_text=True)
    assert _status(session, project, people[1]) == EnrolmentStatus.enrolled
    messages = {touser: body["text"]["content"] for path, touser, body in sandbox.sent if path == CUSTOM}
    assert "已搬离本社区" in messages["o_wait_0"] and "正式报名" in messages["o_wait_1"]
    outsider = make_account(session, tree.community2, "shaojiu")
    assert outsider is not None
    other = console_login(app, "shaojiu")
    refused = other.post(f"/console/projects/{project.id}/enrolments/{people[1].id}/remove",
                         data={"csrf_token": csrf_token(other.get("/console/"))})
    assert refused.status_code == 403
    assert _status(session, project, people[1]) == EnrolmentStatus.enrolled
