"""The phone pages catch up with the API (issue 22.9): the branch chosen at registration, branch join
and transfer, 个人特长 asked when joining a team and shown to its coordinators, and the member's own
志愿北京 account (the password stored encrypted and never shown again)."""
import logging
import re

import sqlalchemy as sa

from models import ApplicationStatus, BranchApplication, Member
from runtime.extensions import protector
from services.people import branches, mp_sessions, wechat_users
from tests.factories import make_account, make_member, make_tree, registration
from tests.test_mobile_pages import _form
from tests.web import console_login, csrf_token, mobile_login


def test_registration_picks_a_branch_found_by_search(app, session, sandbox, caplog):
    tree = make_tree(session)
    phone = app.test_client()
    mobile_login(phone, "o_student")
    page = phone.get("/m/register?branch_q=计算机学院")
    html = page.get_data(as_text=True)
    assert "计算机学院2024级1班团支部" in html and 'name="branch_id"' in html
    form = registration()
    caplog.set_level(logging.INFO, logger="runtime.smsgateway")
    phone.post("/m/register/code", json={"phone": form.phone}, headers={"X-CSRFToken": csrf_token(page)})
    code = re.search(r"验证码 (\d{6})", caplog.records[-1].getMessage()).group(1)
    hostile = phone.post("/m/register?branch_q=计算机学院", data={**_form(form, code=code), "branch_id": "9" * 12,
                                                              "csrf_token": csrf_token(page)})
    assert hostile.status_code == 400 and "团支部" in hostile.get_data(as_text=True)  # refused, never a 500
    done = phone.post("/m/register", data={**_form(form, code=code), "branch_id": str(tree.branch.id),
                                          "csrf_token": csrf_token(page)})
    assert done.status_code == 302
    member = session.scalar(sa.select(Member).where(Member.openid == "o_student"))
    application = branches.pending_application(session, member.id)
    assert application.branch_id == tree.branch.id


def test_branch_join_transfer_and_withdraw_on_the_phone(app, session, sandbox):
    tree = make_tree(session)
    member = make_member(session, name="郭靖")
    wechat_users.bind(session, member.id, "o_branchless")
    phone = app.test_client()
    mobile_login(phone, "o_branchless", "/m/branch")
    page = phone.get("/m/branch?q=东城区机关")
    assert "东城区机关团支部" in page.get_data(as_text=True) and "申请加入" in page.get_data(as_text=True)
    phone.post("/m/branch", data={"csrf_token": csrf_token(page), "branch_id": str(tree.branch2.id)})
    html = phone.get("/m/branch").get_data(as_text=True)
    assert "已提交申请" in html and 'data-kind="join"' in html
    phone.post("/m/branch/withdraw", data={"csrf_token": csrf_token(page)})
    assert "已撤回申请" in phone.get("/m/branch").get_data(as_text=True)
    phone.post("/m/branch", data={"csrf_token": csrf_token(page), "branch_id": str(tree.branch2.id)})
    application = branches.pending_application(session, member.id)
    branches.decide(session, tree.branch2.id, application.id, accept=True)
    assert "东城区机关团支部" in phone.get("/m/profile").get_data(as_text=True)
    # Now a transfer, decided by the target branch.
    phone.post("/m/branch", data={"csrf_token": csrf_token(page), "branch_id": str(tree.branch.id)})
    assert 'data-kind="transfer"' in phone.get("/m/branch").get_data(as_text=True)
    assert phone.post("/m/branch", data={"csrf_token": csrf_token(page), "branch_id": "x"}).status_code == 302
    assert "整数" in phone.get("/m/branch").get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(BranchApplication).where(
        BranchApplication.status == ApplicationStatus.pending)) == 1


def test_skills_after_joining_shown_to_the_coordinator(app, session, sandbox):
    tree = make_tree(session)
    make_account(session, tree.community, "duofu")
    member = make_member(session, name="黄蓉")
    wechat_users.bind(session, member.id, "o_skilled")
    team = tree.team(session, tree.community)
    phone = app.test_client()
    mobile_login(phone, "o_skilled", "/m/teams")
    page = phone.get("/m/teams?q=多福巷")
    joined = phone.post(f"/m/teams/{team.code}/join", data={"csrf_token": csrf_token(page)})
    assert joined.headers["Location"].endswith("/m/skills")
    form = phone.get("/m/skills")
    bad = phone.post("/m/skills", data={"csrf_token": csrf_token(form), "skills": ["flying"]})
    assert bad.status_code == 400 and "请从列表中选择" in bad.get_data(as_text=True)
    phone.post("/m/skills", data={"csrf_token": csrf_token(form), "skills": ["photo", "medical"],
                                  "skills_note": "手语"})
    assert "医疗救护、摄影摄像；另：手语" in phone.get("/m/team").get_data(as_text=True)
    coordinator = console_login(app, "duofu")
    assert "医疗救护、摄影摄像；另：手语" in coordinator.get(f"/console/teams/{team.id}").get_data(as_text=True)
    token, _ = mp_sessions.create(session, openid="o_coord", unionid=None)
    mp_sessions.attach_account(session, token, tree.community.accounts[0].id)
    rows = app.test_client().get(f"/api/mp/v1/org/teams/{team.code}/members",
                                 headers={"Authorization": f"Bearer {token}"}).get_json()["members"]
    assert [row["skills"] for row in rows] == ["医疗救护、摄影摄像；另：手语"]


def test_own_zhiyuan_beijing_account_is_stored_encrypted_and_never_shown(app, session, sandbox):
    member = make_member(session, name="杨过")
    wechat_users.bind(session, member.id, "o_zyb")
    phone = app.test_client()
    mobile_login(phone, "o_zyb", "/m/zyb")
    page = phone.get("/m/zyb")
    short = phone.post("/m/zyb", data={"csrf_token": csrf_token(page), "zyb_username": "yangguo88",
                                       "zyb_password": "123"})
    assert short.status_code == 400 and "6至64位" in short.get_data(as_text=True)
    phone.post("/m/zyb", data={"csrf_token": csrf_token(page), "zyb_username": "yangguo88",
                               "zyb_password": "Secret-Zyb-2026"})
    html = phone.get("/m/zyb").get_data(as_text=True)
    assert "yangguo88" in html and "Secret-Zyb-2026" not in html and 'data-bound="yes"' in html
    session.expire_all()
    stored = session.get(Member, member.id)
    assert "Secret-Zyb-2026" not in stored.zyb_password_enc
    assert protector.decrypt(stored.zyb_password_enc) == "Secret-Zyb-2026"
    token, _ = mp_sessions.create(session, openid="o_zyb_api", unionid=None, member_id=member.id)
    auth = {"Authorization": f"Bearer {token}"}
    api = app.test_client()
    assert api.put("/api/mp/v1/me/zyb", json={"username": "yg", "password": "Secret-Zyb-2026"},
                   headers=auth).status_code == 400
    assert api.delete("/api/mp/v1/me/zyb", headers=auth).get_json() == {"bound": False, "username": None}
    session.expire_all()
    assert session.get(Member, member.id).zyb_password_enc is None
