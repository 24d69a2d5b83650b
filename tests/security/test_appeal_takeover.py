"""Issue 39.1, played through the HTTP surfaces on PostgreSQL: an attacker appeals for a victim's ID
number with their own genuine ID photo and name. The reviewer used to see only the appellant's name and
photo (they matched) and the victim's account (full ID, birth date, export) was handed over at once.

Now the review page shows the number claimed beside the photo and who holds the account; accepting
needs both matches confirmed; the names differ, so one reviewer is not enough; and even after two the
victim is told and objects within the waiting period, so the account never moves."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from jobs import periodic
from models import IdentityAppeal, utcnow
from runtime.extensions import protector
from services.people import appeal_review, members, mp_sessions, wechat_users
from tests.factories import make_account, make_member, make_tree
from tests.steps import step
from tests.test_identity_appeals import _code, _form, _photo, appeal_world  # noqa: F401 - the fixture
from tests.web import console_login, csrf_token, mobile_login

API = "/api/mp/v1"


def test_an_appeal_for_someone_elses_number_never_takes_their_account(app, session, sandbox, pg_only, caplog,
                                                                     monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "APPEAL_PHOTO_DIR", str(tmp_path / "appeals"))
    monkeypatch.setitem(app.config, "REDIS_URL", None)  # notices run inline
    tree = make_tree(session)
    for org, name in ((tree.city, "beijing"), (tree.district, "dongcheng")):
        make_account(session, org, name)
    victim = make_member(session, branch=tree.branch2, name="王芳")
    wechat_users.bind(session, victim.id, "o_victim")
    victims_number = protector.decrypt(victim.id_number_enc)
    victim_phone = app.test_client()
    mobile_login(victim_phone, "o_victim", "/m/profile")

    with step("攻击者用自己的真实姓名和照片，为受害人的身份证号提交身份认证"):
        token, _ = mp_sessions.create(session, openid="o_attacker", unionid=None)
        sent = app.test_client().post(
            f"{API}/identity-appeals", headers={"Authorization": "Bearer " + token}, content_type="multipart/form-data",
            data=_form(victims_number, _code(app, caplog, "13600000009"), _photo(), name="赵强", phone="13600000009"))
        assert sent.status_code == 201
        appeal = session.scalar(sa.select(IdentityAppeal))
        assert protector.decrypt(appeal.claimed_id_enc) == victims_number and appeal.name_differs

    district = console_login(app, "dongcheng")
    with step("审核页在照片旁显示申请的号码和账号现持有人，姓名不一致被标出"):
        page = district.get("/console/appeals").get_data(as_text=True)
        assert victims_number in page and "王芳" in page and "赵强" in page and "不一致" in page
        assert protector.decrypt(victim.phone_enc) not in page  # the holder's phone stays masked

    with step("不勾选“号码一致”“姓名一致”不能通过；照片上的号码是攻击者自己的，审核人无从勾选"):
        refused = district.post(f"/console/appeals/{appeal.id}/accept", follow_redirects=True,
                                data={"csrf_token": csrf_token(district.get("/console/appeals")), "name_matches": "1"})
        assert "请核对照片上的身份证号" in refused.get_data(as_text=True)

    confirm = {"number_matches": "1", "name_matches": "1"}
    with step("即使审核人误勾：一人通过不够，同一账号不能复核"):
        district.post(f"/console/appeals/{appeal.id}/accept",
                      data={**confirm, "csrf_token": csrf_token(district.get("/console/appeals"))})
        again = district.post(f"/console/appeals/{appeal.id}/accept", follow_redirects=True,
                              data={**confirm, "csrf_token": csrf_token(district.get("/console/appeals"))})
        assert "须由另一位审核人复核" in again.get_data(as_text=True)
        session.expire_all()
        assert session.get(IdentityAppeal, appeal.id).handover_at is None

    city = console_login(app, "beijing")
    with step("第二位审核人也通过：进入3天等待期，受害人立即收到通知（微信和短信）"):
        city.post(f"/console/appeals/{appeal.id}/accept", data={**confirm, "csrf_token": csrf_token(city.get("/console/appeals"))})
        session.expire_all()
        assert session.get(IdentityAppeal, appeal.id).handover_at is not None
        told = {touser: body["text"]["content"] for _path, touser, body in sandbox.sent}
        assert "/m/appeal/objection" in told["o_victim"]
        assert any("将于" in r.getMessage() and "移交" in r.getMessage() for r in caplog.records
                   if r.name == "runtime.smsgateway")
        assert members.authenticate(session, protector.decrypt(victim.phone_enc), "abc12345").id == victim.id

    with step("受害人在等待期内提出异议：移交停止，退回审核"):
        page = victim_phone.get("/m/appeal/objection")
        assert "将于" in page.get_data(as_text=True)
        objected = victim_phone.post("/m/appeal/objection", data={"csrf_token": csrf_token(page), "note": "这是我本人"})
        assert objected.status_code == 200 and "已暂停移交" in objected.get_data(as_text=True)

    with step("等待期过后，定时任务也不会移交；账号仍是受害人的"):
        monkeypatch.setattr(appeal_review, "utcnow", lambda: utcnow() + dt.timedelta(days=4))
        assert periodic.hand_over_appeals() == 0
        session.expire_all()
        still = members.get_member(session, victim.id)
        assert still.name == "王芳" and still.openid == "o_victim"
        assert victim_phone.get("/m/profile").status_code == 200
        assert "提出异议" in city.get("/console/appeals").get_data(as_text=True)
