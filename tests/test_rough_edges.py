"""The rough edges a new user hit (issue 21.6): Chinese pages for people's errors, a standalone
/verify page, the project page remembering a sign-in after a reload, 学历 to choose."""
from __future__ import annotations

import datetime as dt

from models import Enrolment, RecordStatus, ServiceRecord, utcnow
from services.people import wechat_users
from services.volunteering import certificates
from tests.factories import join, make_account, make_dated_project, make_member, make_tree
from tests.web import console_login, mobile_login

BROWSER = {"Accept": "text/html,application/xhtml+xml"}


def test_a_rule_saying_no_is_a_chinese_page_for_people_and_json_for_programs(app, session, sandbox):
    tree = make_tree(session)
    make_account(session, tree.street, "donghuamen")
    other_team = tree.team(session, tree.suburb)
    console = console_login(app, "donghuamen")
    poster = console.get(f"/qr/teams/{other_team.id}/poster.png", headers=BROWSER)
    html = poster.get_data(as_text=True)
    assert poster.status_code == 403 and poster.mimetype == "text/html" and "只能管理本组织及下级组织" in html
    assert "outside_subtree" not in html
    programs = console.get(f"/qr/teams/{other_team.id}/poster.png", headers={"Accept": "application/json"})
    assert programs.status_code == 403 and programs.get_json()["error"] == "outside_subtree"
    member = make_member(session)
    wechat_users.bind(session, member.id, "o_edges")
    phone = app.test_client()
    mobile_login(phone, "o_edges")
    missing = phone.get("/m/projects/NOSUCHCODE", headers=BROWSER)
    assert missing.status_code == 404 and missing.mimetype == "text/html" and '"error"' not in missing.get_data(as_text=True)


def test_verify_is_a_standalone_public_page(app, session):
    tree = make_tree(session)
    team = tree.team(session, tree.community)
    project = make_dated_project(session, tree, team)
    member = make_member(session, name="钱多多")
    session.add(ServiceRecord(project_id=project.id, member_id=member.id, status=RecordStatus.approved,
                              signin_at=project.starts_at, signout_at=project.ends_at, duration_minutes=180))
    session.commit()
    certificate = certificates.issue(session, member.id, project.starts_at.date() - dt.timedelta(days=1),
                                     project.starts_at.date() + dt.timedelta(days=1))
    page = app.test_client().get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "该证明真实有效" in page and "钱*" in page
    assert "社区服务" not in page and "找组织" not in page and "<nav" not in page
    bad = app.test_client().get("/verify/NOSUCH", headers=BROWSER)
    assert bad.status_code == 404 and "<nav" not in bad.get_data(as_text=True)


def test_the_project_page_remembers_a_sign_in_after_a_reload(app, session, sandbox):
    tree = make_tree(session)
    team = tree.team(session, tree.community)
    project = make_dated_project(session, tree, team, start=utcnow() - dt.timedelta(hours=1))
    member = make_member(session)
    join(session, member, team)
    wechat_users.bind(session, member.id, "o_reload")
    session.add(Enrolment(project_id=project.id, member_id=member.id))
    signed_in = utcnow() - dt.timedelta(minutes=20)
    session.add(ServiceRecord(project_id=project.id, member_id=member.id, status=RecordStatus.open,
                              signin_at=signed_in))
    session.commit()
    phone = app.test_client()
    mobile_login(phone, "o_reload", f"/m/projects/{project.code}")
    html = phone.get(f"/m/projects/{project.code}").get_data(as_text=True)
    from services.kernel.beijing_time import BEIJING

    assert f"已于 {signed_in.astimezone(BEIJING):%H:%M} 签到" in html
    assert 'id="signin" disabled' in html and "/static/mobile.css" in html
    assert ":not(.link):disabled" in phone.get("/static/mobile.css").get_data(as_text=True)  # greyed out, not just inert
    newcomer = app.test_client()
    mobile_login(newcomer, "o_newbie", "/m/register")
    register = newcomer.get("/m/register").get_data(as_text=True)
    assert '<option value="" selected>请选择</option>' in register and "6至16位，不能全部为数字" in register
