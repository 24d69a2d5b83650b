"""忘记密码 (issue 21.1): a code to the registered phone, a new password, every session of the member
ended; through the API and the phone page. A superior resets a sub-organisation's console password."""
from __future__ import annotations

import logging
import re

from runtime.extensions import protector
from services.people import mp_sessions, wechat_users
from tests.factories import make_account, make_member, make_tree
from tests.web import console_login, csrf_token, mobile_login

API = "/api/mp/v1"


def _code(caplog) -> str:
    messages = [r.getMessage() for r in caplog.records if r.name == "runtime.smsgateway"]
    return re.search(r"重置密码验证码 (\d{6})", messages[-1]).group(1)


def test_reset_by_phone_through_the_api_ends_every_session(app, session, caplog):
    caplog.set_level(logging.INFO, logger="runtime.smsgateway")
    member = make_member(session)
    phone = protector.decrypt(member.phone_enc)
    token, _ = mp_sessions.create(session, openid="o_forgot", unionid=None, member_id=member.id)
    client = app.test_client()
    sent = client.post(f"{API}/password/reset/code", json={"phone": phone})
    assert sent.status_code == 200 and sent.get_json() == {"sent": True, "resend_after": 60}
    code = _code(caplog)
    weak = client.post(f"{API}/password/reset", json={"phone": phone, "code": code, "password": "123456"})
    assert weak.status_code == 400 and weak.get_json()["message"] == "密码不能全部为数字"
    wrong = client.post(f"{API}/password/reset", json={"phone": phone, "code": "000000" if code != "000000" else "111111",
                                                       "password": "new-pass-1"})
    assert wrong.status_code == 400 and wrong.get_json()["message"] == "验证码不正确"
    done = client.post(f"{API}/password/reset", json={"phone": phone, "code": code, "password": "new-pass-1"})
    assert done.status_code == 200 and done.get_json() == {"reset": True}
    assert client.get(f"{API}/me", headers={"Authorization": "Bearer " + token}).status_code == 401
    again = client.post(f"{API}/password/reset", json={"phone": phone, "code": code, "password": "new-pass-2"})
    assert again.status_code == 400  # a code is spent once
    from services.people import members

    assert members.authenticate(session, phone, "new-pass-1").id == member.id


def test_an_unregistered_phone_gets_the_same_answer_and_no_sms(app, session, caplog):
    caplog.set_level(logging.INFO, logger="runtime.smsgateway")
    answer = app.test_client().post(f"{API}/password/reset/code", json={"phone": "13700000000"})
    assert answer.status_code == 200 and answer.get_json() == {"sent": True, "resend_after": 60}
    assert not [r for r in caplog.records if r.name == "runtime.smsgateway"]


def test_reset_on_the_phone_page(app, session, sandbox, caplog):
    caplog.set_level(logging.INFO, logger="runtime.smsgateway")
    member = make_member(session)
    phone_number = protector.decrypt(member.phone_enc)
    wechat_users.bind(session, member.id, "o_forgot_page")
    old = app.test_client()
    mobile_login(old, "o_forgot_page", "/m/profile")
    assert old.get("/m/profile").status_code == 200
    phone = app.test_client()
    page = phone.get("/m/password/reset")
    assert page.status_code == 200 and "忘记密码" in page.get_data(as_text=True)
    token = csrf_token(page)
    sent = phone.post("/m/password/reset/code", json={"phone": phone_number}, headers={"X-CSRFToken": token})
    assert sent.status_code == 200
    form = {"csrf_token": token, "phone": phone_number, "code": _code(caplog), "password": "page-pass-1"}
    mismatch = phone.post("/m/password/reset", data={**form, "confirm": "other-pass-1"})
    assert mismatch.status_code == 400 and "不一致" in mismatch.get_data(as_text=True)
    done = phone.post("/m/password/reset", data={**form, "confirm": "page-pass-1"})
    assert done.status_code == 200 and "密码已重置" in done.get_data(as_text=True)
    assert old.get("/m/profile").status_code == 302  # the phone logged in before is out
    assert "忘记密码" in app.test_client().get("/m/bind/" + wechat_users.bind_token("o_x")).get_data(as_text=True)


def test_a_superior_resets_a_sub_organisations_console_password(app, session):
    tree = make_tree(session)
    make_account(session, tree.district, "dongcheng")
    make_account(session, tree.street, "donghuamen")
    make_account(session, tree.suburb, "changyang")
    locked_out = console_login(app, "donghuamen")
    district = console_login(app, "dongcheng")
    page = district.get("/console/orgs")
    assert "重置共用账号密码" in page.get_data(as_text=True)
    reset = district.post(f"/console/orgs/{tree.street.id}/reset-password",
                          data={"csrf_token": csrf_token(page), "password": "reset-pass-1"})
    assert reset.status_code == 302
    assert "已重置账号 donghuamen 的密码" in district.get("/console/orgs").get_data(as_text=True)
    assert locked_out.get("/console/members").status_code == 302  # its old session is gone
    console_login(app, "donghuamen", "reset-pass-1")
    street = console_login(app, "changyang")
    refused = street.post(f"/console/orgs/{tree.district.id}/reset-password",
                          data={"csrf_token": csrf_token(street.get("/console/orgs")), "password": "x-pass-12"})
    assert refused.status_code == 302
    assert "只能管理本组织及下级组织" in street.get("/console/orgs").get_data(as_text=True)
    console_login(app, "dongcheng")  # the superior's own password is untouched
