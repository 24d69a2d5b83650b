"""People, not shared passwords (issue 36.1): an organisation's shared account invites its first admin,
who joins with a phone, an SMS code and a password; the shared account then retires. The admin invites a
计时员 and a 只读 (one by link, one by code); each role may do what it is for and is refused the rest,
in the console and in the mini-program's coordinator API; every audit row names the person; the
superior disables one of the people; a person resets a lost password by SMS. SQLite and PostgreSQL."""
from __future__ import annotations

import logging
import re

import sqlalchemy as sa

from models import AuditEntry, OrgAccount, StaffRole
from tests.factories import make_account, make_dated_project, make_tree
from tests.web import PASSWORD, console_login, csrf_token

API = "/api/mp/v1"


def _code(caplog) -> str:
    return re.search(r"验证码 (\d{6})", [r.getMessage() for r in caplog.records if "验证码" in r.getMessage()][-1]).group(1)


def _invite(client, name: str, role: str) -> tuple[str, str]:
    page = client.get("/console/people")
    answer = client.post("/console/people/invite", data={"csrf_token": csrf_token(page), "name": name, "role": role})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and 'id="issued"' in html, html[:400]
    link = re.search(r'id="issued-link">([^<]+)<', html).group(1)
    code = re.search(r'id="issued-code">([^<]+)<', html).group(1)
    return link.split("/console/join/")[1], code


def _join(app, caplog, *, token: str | None = None, code: str | None = None, name: str, phone: str,
          password: str = "staff2026"):
    person = app.test_client()
    path = f"/console/join/{token}" if token else f"/console/join?code={code}"
    page = person.get(path)
    assert page.status_code == 200 and "加入管理后台" in page.get_data(as_text=True)
    csrf = csrf_token(page)
    sent = person.post("/console/join/code", json={"phone": phone}, headers={"X-CSRFToken": csrf})
    assert sent.status_code == 200
    form = {"csrf_token": csrf, "name": name, "phone": phone, "sms_code": _code(caplog), "password": password}
    if code:
        form["invite_code"] = code
    done = person.post(f"/console/join/{token}" if token else "/console/join", data=form)
    assert done.status_code == 200 and "请用手机号和密码登录" in done.get_data(as_text=True), done.get_data(as_text=True)[:600]
    return person


def _login(app, login: str, password: str):
    client = app.test_client()
    page = client.get("/console/login")
    return client, client.post("/console/login", data={"username": login, "password": password,
                                                       "csrf_token": csrf_token(page)})


def test_people_with_roles_replace_the_shared_password(app, session, sandbox, caplog, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    caplog.set_level(logging.INFO, logger="runtime.smsgateway")
    tree = make_tree(session)
    shared = make_account(session, tree.community, "duofu")
    make_account(session, tree.street, "donghuamen")
    team = tree.team(session, tree.community)
    project = make_dated_project(session, tree, team)
    project_id, community_id, shared_id = project.id, tree.community.id, shared.id

    # The shared account (it still works) invites the first admin, who joins by the link.
    office = console_login(app, "duofu")
    token, _ = _invite(office, "王主任", "admin")
    _join(app, caplog, token=token, name="王主任", phone="13911110001")
    reused = app.test_client().get(f"/console/join/{token}")
    assert reused.status_code == 404 and "已被使用" in reused.get_data(as_text=True)       # single use
    session.expire_all()
    assert session.get(OrgAccount, shared_id).disabled_at is not None                      # retired
    _, refused = _login(app, "duofu", PASSWORD)
    assert refused.status_code == 403 and "已停用" in refused.get_data(as_text=True)
    assert office.get("/console/").status_code == 302                                      # its login ended

    # The admin logs in with the phone, invites a 计时员 by link and a 只读 by code.
    admin, answer = _login(app, "13911110001", "staff2026")
    assert answer.status_code == 302
    people = admin.get("/console/people").get_data(as_text=True)
    assert "王主任" in people and "139****0001" in people and "13911110001" not in people
    token, _ = _invite(admin, "李计时", "timekeeper")
    _join(app, caplog, token=token, name="李计时", phone="13911110002")
    _, code = _invite(admin, "赵只读", "viewer")
    _join(app, caplog, code=code, name="赵只读", phone="13911110003")
    session.expire_all()
    roles = dict(session.execute(sa.select(OrgAccount.name, OrgAccount.role).where(
        OrgAccount.org_id == community_id, OrgAccount.name.is_not(None))).all())
    assert roles == {"王主任": StaffRole.admin, "李计时": StaffRole.timekeeper, "赵只读": StaffRole.viewer}

    # Each role does what it is for, and is told plainly what it may not do.
    viewer, _ = _login(app, "13911110003", "staff2026")
    assert viewer.get(f"/console/projects/{project_id}").status_code == 200
    refused = viewer.post(f"/console/projects/{project_id}/publish",
                          data={"csrf_token": csrf_token(viewer.get("/console/"))})
    assert refused.status_code == 403 and "只读" in refused.get_data(as_text=True)
    keeper, _ = _login(app, "13911110002", "staff2026")
    csrf = csrf_token(keeper.get("/console/hours"))
    assert keeper.post(f"/console/hours/{project_id}/decide", data={"csrf_token": csrf, "all": "approve"}).status_code == 302
    no_project = keeper.post("/console/projects/new", data={"csrf_token": csrf, "team": str(team.id), "title": "x"})
    assert no_project.status_code == 403 and "计时员" in no_project.get_data(as_text=True)
    assert keeper.post("/console/people/invite", data={"csrf_token": csrf, "role": "viewer"}).status_code == 403

    # The mini-program's coordinator calls use the same people and roles.
    api = app.test_client()
    bearer = {"Authorization": "Bearer " + api.post(f"{API}/login", json={"code": "dev:o_keeper"}).get_json()["token"]}
    assert api.post(f"{API}/org/login", json={"username": "13911110002", "password": "staff2026"},
                    headers=bearer).status_code == 200
    no = api.post(f"{API}/org/teams/{team.code}/projects", json={"title": "x"}, headers=bearer)
    assert no.status_code == 403 and no.get_json()["error"] == "role"
    assert api.post(f"{API}/org/projects/{project.code}/decide", json={"approve": True}, headers=bearer).status_code == 200

    # Every audited action names the person, not only the organisation.
    closed = admin.post(f"/console/projects/{project_id}/close", data={"csrf_token": csrf_token(admin.get("/console/"))})
    assert closed.status_code == 302
    admin_id = session.scalar(sa.select(OrgAccount.id).where(OrgAccount.name == "王主任"))
    row = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "project.close"))
    assert row.actor_kind == "org" and row.actor_id == community_id and row.account_id == admin_id

    # The street, the superior, sees the community's people and disables one; that login ends.
    street = console_login(app, "donghuamen")
    listed = street.get(f"/console/people?org={community_id}").get_data(as_text=True)
    assert "李计时" in listed and "赵只读" in listed
    viewer_id = session.scalar(sa.select(OrgAccount.id).where(OrgAccount.name == "赵只读"))
    stopped = street.post(f"/console/people/{viewer_id}/disable",
                          data={"csrf_token": csrf_token(street.get("/console/people")), "org": str(community_id)})
    assert stopped.status_code == 302
    assert viewer.get("/console/").status_code == 302
    assert _login(app, "13911110003", "staff2026")[1].status_code == 403

    # The admin hands the role over; the new admin may manage people, the former one no longer.
    keeper_id = session.scalar(sa.select(OrgAccount.id).where(OrgAccount.name == "李计时"))
    csrf = csrf_token(admin.get("/console/people"))
    assert admin.post(f"/console/people/{keeper_id}/hand-over", data={"csrf_token": csrf}).status_code == 302
    session.expire_all()
    assert session.get(OrgAccount, keeper_id).role == StaffRole.admin
    assert session.get(OrgAccount, admin_id).role == StaffRole.coordinator
    assert admin.post("/console/people/invite", data={"csrf_token": csrf, "role": "viewer"}).status_code == 403

    # 忘记密码: a code to the login phone, a new password, the old logins ended.
    app.extensions["store"].flush()  # the phone had its joining code a moment ago: no 60 s wait here
    forgot = app.test_client()
    page = forgot.get("/console/password/forgot")
    csrf = csrf_token(page)
    assert forgot.post("/console/password/forgot/code", json={"phone": "13911110001"},
                       headers={"X-CSRFToken": csrf}).status_code == 200
    reset = forgot.post("/console/password/forgot", data={"csrf_token": csrf, "phone": "13911110001",
                                                          "sms_code": _code(caplog), "password": "newpass2026",
                                                          "confirm": "newpass2026"})
    assert reset.status_code == 200 and "密码已重置" in reset.get_data(as_text=True)
    assert admin.get("/console/").status_code == 302
    assert _login(app, "13911110001", "newpass2026")[1].status_code == 302


def test_contacts_change_and_the_street_designates_the_community_coordinator(app, session, sandbox, caplog,
                                                                             monkeypatch):
    """Issue 36.2: the organisation's admin edits its contact (the poster, the 社区服务 reply and the team
    pages show it, the next poster carries it); the street designates a community's coordinator and
    invites them as its admin at once."""
    from services.organisations.posters import poster_fields
    from services.organisations.teams import team_of_org
    from wechat.client import get_client

    monkeypatch.setitem(app.config, "REDIS_URL", None)
    caplog.set_level(logging.INFO, logger="runtime.smsgateway")
    tree = make_tree(session)
    make_account(session, tree.community, "duofu")
    make_account(session, tree.street, "donghuamen")
    community_id, community2_id = tree.community.id, tree.community2.id

    office = console_login(app, "duofu")
    page = office.get("/console/people")
    bad = office.post("/console/people/contact", data={"csrf_token": csrf_token(page), "contact_name": "孙主任",
                                                       "contact_phone": "call me"})
    assert "请填写联系电话" in office.get(bad.headers["Location"]).get_data(as_text=True)
    saved = office.post("/console/people/contact", data={"csrf_token": csrf_token(page), "contact_name": "孙主任",
                                                         "contact_phone": "010-65250000"})
    assert "联系人已更新" in office.get(saved.headers["Location"]).get_data(as_text=True)
    session.expire_all()
    team = team_of_org(session, community_id)
    assert (team.contact_name, team.contact_phone) == ("孙主任", "010-65250000")
    with app.test_request_context():
        fields = poster_fields(session, team, get_client)
    assert fields["contact_name"] == "孙主任" and fields["contact_phone"] == "010-65250000"   # the next poster

    street = console_login(app, "donghuamen")
    orgs_page = street.get("/console/orgs")
    assert "指定负责人" in orgs_page.get_data(as_text=True)
    designated = street.post(f"/console/orgs/{community2_id}/contact", data={
        "csrf_token": csrf_token(orgs_page), "contact_name": "周协调", "contact_phone": "13933330001", "invite": "1"})
    html = designated.get_data(as_text=True)
    assert designated.status_code == 200 and 'id="issued-link"' in html
    token = re.search(r'id="issued-link">[^<]*/console/join/([^<]+)<', html).group(1)
    _join(app, caplog, token=token, name="周协调", phone="13933330001")
    session.expire_all()
    person = session.scalar(sa.select(OrgAccount).where(OrgAccount.name == "周协调"))
    assert person.org_id == community2_id and person.role == StaffRole.admin
    assert team_of_org(session, community2_id).contact_phone == "13933330001"
    not_mine = street.post(f"/console/orgs/{tree.village.id}/contact", data={
        "csrf_token": csrf_token(orgs_page), "contact_name": "吴某", "contact_phone": "13933330002"})
    assert "只能管理本组织及下级组织" in street.get(not_mine.headers["Location"]).get_data(as_text=True)


def test_a_teams_coordinators_may_call_the_members_they_organise(app, session, sandbox, monkeypatch):
    """Issue 36.3: the team's own coordinators see the whole phone of those who reported to the team or
    enrolled in its project, one at a time, each look in 访问记录; everyone else keeps the mask; the
    privacy notice says so (a new version)."""
    from models import Enrolment
    from runtime.extensions import protector
    from services.people import consent
    from tests.factories import join, make_member

    tree = make_tree(session)
    make_account(session, tree.community, "duofu")
    make_account(session, tree.street, "donghuamen")
    make_account(session, tree.city, "beijing")
    from tests.factories import FAST_HASH

    session.add(OrgAccount(org_id=tree.community.id, username="duofu_viewer", password_hash=FAST_HASH,
                           role=StaffRole.viewer, name="周只读"))
    team = tree.team(session, tree.community)
    project = make_dated_project(session, tree, team)
    reported, enrolled, stranger = (make_member(session, name=n) for n in ("钱报到", "孙报名", "李路人"))
    join(session, reported, team)
    session.add(Enrolment(project_id=project.id, member_id=enrolled.id))
    session.commit()
    phones = {m.id: protector.decrypt(m.phone_enc) for m in (reported, enrolled, stranger)}
    ids = {"reported": reported.id, "enrolled": enrolled.id, "stranger": stranger.id}

    office = console_login(app, "duofu")
    page = office.get(f"/console/teams/{team.id}")
    html = page.get_data(as_text=True)
    assert "显示完整号码" in html and phones[ids["reported"]] not in html        # masked until asked
    csrf = csrf_token(page)
    as_json = {"Accept": "application/json"}
    for who in ("reported", "enrolled"):
        shown = office.post(f"/console/members/{ids[who]}/phone", data={"csrf_token": csrf}, headers=as_json)
        assert shown.status_code == 200 and shown.get_json()["phone"] == phones[ids[who]]
    refused = office.post(f"/console/members/{ids['stranger']}/phone", data={"csrf_token": csrf}, headers=as_json)
    assert refused.status_code == 403 and phones[ids["stranger"]] not in refused.get_data(as_text=True)
    assert "显示完整号码" in office.get(f"/console/projects/{project.id}").get_data(as_text=True)

    street = console_login(app, "donghuamen")                                     # a superior, not the team
    assert "显示完整号码" not in street.get(f"/console/teams/{team.id}").get_data(as_text=True)
    assert street.post(f"/console/members/{ids['reported']}/phone", headers=as_json,
                       data={"csrf_token": csrf_token(street.get("/console/"))}).status_code == 403
    looker = console_login(app, "duofu_viewer")                                  # 只读 keeps the mask
    assert looker.post(f"/console/members/{ids['reported']}/phone", headers=as_json,
                       data={"csrf_token": csrf_token(looker.get("/console/"))}).status_code == 403

    log = console_login(app, "beijing").get("/console/access-log").get_data(as_text=True)
    assert log.count("查看团员完整手机号") == 2 and "查看钱报到的手机号" in log and "查看孙报名的手机号" in log
    assert phones[ids["reported"]] not in log
    notice = app.test_client().get(f"{API}/privacy").get_json()
    assert notice["version"] == consent.VERSION == "2026-12-06" and "完整手机号" in str(notice["sections"])
