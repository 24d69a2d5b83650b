"""Graduates moved out by their committee (issue 38 row 2, seed 002): a college marks a graduating branch
(all or chosen members) 待转出 to a destination branch, which accepts them as any transfer, or as
离校待接收 for the member to apply later; each is told; the mark can be taken back; outsiders refused.
SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from models import ApplicationStatus, BranchApplication, Member
from services.kernel.errors import Forbidden, Invalid
from services.organisations import orgs
from services.people import branches, graduation, wechat_users
from tests.factories import make_account, make_member, make_tree
from tests.web import console_login, csrf_token, mobile_login

CUSTOM = "cgi-bin/message/custom/send"


def test_row2_a_college_moves_its_graduates_out(app, session, sandbox, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)  # the WeChat notices go inline
    tree = make_tree(session)
    make_account(session, tree.dept, "jisuanji")
    graduates = [make_member(session, branch=tree.branch, name="毕业" + c) for c in "甲乙丙"]
    wechat_users.bind(session, graduates[0].id, "o_grad_0")
    employer = orgs.create_organization(session, tree.district.id, "东城区某公司团支部", "branch")

    console = console_login(app, "jisuanji")
    assert "毕业转出" in console.get("/console/").get_data(as_text=True)
    page = console.get("/console/graduates", query_string={"branch": tree.branch.id, "q": "某公司"})
    html = page.get_data(as_text=True)
    assert "毕业甲" in html and f'value="{employer.id}"' in html
    # Two to the company's branch, chosen by hand.
    moved = console.post("/console/graduates", data={
        "csrf_token": csrf_token(page), "branch": tree.branch.id, "destination": employer.id,
        "member_ids": [graduates[0].id, graduates[1].id]})
    assert moved.status_code == 302
    assert "已将 2 名团员转出（东城区某公司团支部）" in console.get(moved.headers["Location"]).get_data(as_text=True)
    told = [body for path, to, body in sandbox.sent if path == CUSTOM and to == "o_grad_0"]
    assert told and "转入「东城区某公司团支部」" in told[0]["text"]["content"]
    # The last one 离校待接收.
    graduation.move_out(session, tree.dept.id, member_ids=[graduates[2].id])
    session.expire_all()
    states = {m.name: (m.leaving_to, m.branch_id) for m in session.scalars(sa.select(Member))}
    assert states == {"毕业甲": ("东城区某公司团支部", tree.branch.id), "毕业乙": ("东城区某公司团支部", tree.branch.id),
                      "毕业丙": ("离校待接收", tree.branch.id)}

    # The company's branch accepts one and refuses the other (who then waits to be received).
    requests = {a.member_id: a for a in session.scalars(sa.select(BranchApplication))}
    branches.decide(session, employer.id, requests[graduates[0].id].id, accept=True)
    branches.decide(session, employer.id, requests[graduates[1].id].id, accept=False, reason="不在本单位")
    session.expire_all()
    first, second = session.get(Member, graduates[0].id), session.get(Member, graduates[1].id)
    assert (first.branch_id, first.leaving_at) == (employer.id, None)
    assert (second.branch_id, second.leaving_to) == (tree.branch.id, "离校待接收")

    # The member reads it on the phone; the console lists who is still 待转出 and can take it back.
    wechat_users.bind(session, graduates[2].id, "o_grad_2")
    phone = app.test_client()
    mobile_login(phone, "o_grad_2", "/m/branch")
    assert "毕业转出：离校待接收" in phone.get("/m/branch").get_data(as_text=True)
    from services.people import mp_sessions
    token, _ = mp_sessions.create(session, openid="o_grad_mp", unionid=None, member_id=graduates[2].id)
    mine = app.test_client().get("/api/mp/v1/me/branch", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert mine["leaving"] == "离校待接收"
    page = console.get("/console/graduates")
    assert page.get_data(as_text=True).count("离校待接收") >= 2
    undo = console.post(f"/console/graduates/{graduates[2].id}/undo", data={"csrf_token": csrf_token(page)})
    assert undo.status_code == 302
    session.expire_all()
    assert session.get(Member, graduates[2].id).leaving_at is None
    assert "待转出" in console.get("/console/members").get_data(as_text=True)  # 毕业乙 still is


def test_row2_refusals(app, session):
    tree = make_tree(session)
    student = make_member(session, branch=tree.branch)
    with pytest.raises(Forbidden, match="高校、院系或中学团委"):
        graduation.move_out(session, tree.street.id, member_ids=[student.id])
    outsider = make_member(session, branch=tree.branch2)
    with pytest.raises(Exception, match="不在本组织"):
        graduation.move_out(session, tree.dept.id, member_ids=[student.id, outsider.id])
    with pytest.raises(Invalid, match="须为团支部"):
        graduation.move_out(session, tree.dept.id, member_ids=[student.id], destination_branch_id=tree.dept2.id)
    with pytest.raises(Invalid, match="请选择"):
        graduation.move_out(session, tree.dept.id)
    # A member with a transfer of their own pending is left out, and said so.
    branches.apply(session, student.id, tree.branch2.id)
    done = graduation.move_out(session, tree.university.id, branch_id=tree.branch.id)
    assert done.moved == [] and done.skipped == [(student.name, "已有待审核的转接申请")]
    assert session.scalar(sa.select(sa.func.count()).where(
        BranchApplication.status == ApplicationStatus.pending)) == 1
