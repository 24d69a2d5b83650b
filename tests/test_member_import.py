"""Members entered by their organisation (issue 36.6): a branch imports its members from the league
system's export (checked first, nothing written on a problem, the same file twice adds nobody); the
person claims the account on first WeChat login with a code to that phone, instead of registering
again or meeting the ID conflict. SQLite and PostgreSQL."""
from __future__ import annotations

import csv
import io
import logging
import re

import sqlalchemy as sa

from models import Consent, Member
from tests.factories import make_account, make_tree, registration
from tests.web import console_login, csrf_token, mobile_login

HEADER = ["姓名", "身份证号", "手机号", "团员编号", "入团时间"]


def _file(lines) -> tuple[io.BytesIO, str]:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADER, *lines])
    return io.BytesIO(buffer.getvalue().encode("utf-8-sig")), "团员名单.csv"


def _upload(client, lines):
    page = client.get("/console/members/import")
    return client.post("/console/members/import", data={"csrf_token": csrf_token(page), "file": _file(lines)},
                       content_type="multipart/form-data")


def test_a_branch_enters_its_members_and_each_claims_the_account(app, session, sandbox, caplog, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    caplog.set_level(logging.INFO, logger="runtime.smsgateway")
    tree = make_tree(session)
    make_account(session, tree.branch, "zhibu")
    first, second = registration(name="陈一"), registration(name="林二")
    good = [["陈一", first.id_number, first.phone, "201512345678", "2015-05"],
            ["林二", second.id_number, second.phone, "", "2016/9"]]
    branch = console_login(app, "zhibu")
    assert "导入团员" in branch.get("/console/members").get_data(as_text=True)

    refused = _upload(branch, [*good, ["王三", "110101200001011234", "13912345678", "", "2015-05"]])
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and 'id="problems">1<' in html and "确认导入" not in html
    assert first.id_number not in html and first.phone not in html                  # nothing personal shown
    assert session.scalar(sa.select(sa.func.count()).select_from(Member)) == 0

    checked = _upload(branch, good)
    html = checked.get_data(as_text=True)
    assert checked.status_code == 200 and 'id="new">2<' in html
    apply_url = re.search(r'action="(/console/members/import/[^"]+/apply)"', html).group(1)
    done = branch.post(apply_url, data={"csrf_token": csrf_token(checked)})
    assert "已登记 2 名团员" in branch.get(done.headers["Location"]).get_data(as_text=True)
    entered = session.scalars(sa.select(Member).order_by(Member.id)).all()
    assert [(m.name, m.branch_id, m.claimed_at) for m in entered] == [("陈一", tree.branch.id, None), ("林二", tree.branch.id, None)]
    assert entered[0].preregistered_at is not None and entered[1].joined_league_on.isoformat() == "2016-09-01"
    assert session.scalar(sa.select(sa.func.count()).select_from(Consent)) == 0   # nobody agreed for them
    again = _upload(branch, good)
    assert 'id="new">0<' in again.get_data(as_text=True) and 'id="existing">2<' in again.get_data(as_text=True)

    # 陈一 opens the account and tries to register: told to claim instead of the ID conflict.
    phone = app.test_client()
    mobile_login(phone, "o_chen", "/m/register")
    page = phone.get("/m/register")
    form = {"csrf_token": csrf_token(page), "name": "陈一", "id_number": first.id_number, "phone": "13700000001",
            "sms_code": "123456", "password": "abc12345", "joined_league": "2015-05", "ethnicity": "汉族",
            "education": "本科", "consent_notice": "on", "consent_sensitive": "on"}
    phone.post("/m/register/code", json={"phone": "13700000001"}, headers={"X-CSRFToken": csrf_token(page)})
    form["sms_code"] = re.search(r"验证码 (\d{6})", caplog.records[-1].getMessage()).group(1)
    answer = phone.post("/m/register", data=form).get_data(as_text=True)
    assert "认领账号" in answer and "身份认证" not in answer

    claim_page = phone.get("/m/claim")
    csrf = csrf_token(claim_page)
    assert phone.post("/m/claim/code", json={"phone": first.phone}, headers={"X-CSRFToken": csrf}).status_code == 200
    code = re.search(r"验证码 (\d{6})", caplog.records[-1].getMessage()).group(1)
    claimed = phone.post("/m/claim", data={"csrf_token": csrf, "phone": first.phone, "sms_code": code,
                                           "password": "chen2026", "ethnicity": "汉族", "education": "本科",
                                           "consent_notice": "on", "consent_sensitive": "on"})
    assert claimed.status_code == 200 and "认领成功" in claimed.get_data(as_text=True)
    session.expire_all()
    chen = session.get(Member, entered[0].id)
    assert chen.claimed_at is not None and chen.openid == "o_chen" and chen.education == "本科"
    assert "陈一" in phone.get("/m/").get_data(as_text=True)
    from services.people import members
    assert members.authenticate(session, first.phone, "chen2026").id == chen.id
    # A phone nobody entered gets the same answer, and no code.
    sent = len(caplog.records)
    other = app.test_client()
    mobile_login(other, "o_other", "/m/claim")
    assert other.post("/m/claim/code", json={"phone": "13600000009"},
                      headers={"X-CSRFToken": csrf_token(other.get("/m/claim"))}).status_code == 200
    assert not any("验证码" in r.getMessage() for r in caplog.records[sent:] if r.name == "runtime.smsgateway")


def test_the_mini_program_claims_an_entered_account_too(app, session, sandbox, caplog, monkeypatch):
    """The same claim through the API: registering answers 409 preregistered, the code goes only to a
    waiting account's phone, the claim logs this mini-program session in as the member."""
    from services.people import member_import, members, mp_sessions

    monkeypatch.setitem(app.config, "REDIS_URL", None)
    caplog.set_level(logging.INFO, logger="runtime.smsgateway")
    tree = make_tree(session)
    person = registration(name="赵四")
    rows = member_import.plan(session, tree.branch.id, [{"name": "赵四", "id_number": person.id_number,
                                                         "phone": person.phone, "joined": "2015-05"}])
    member_import.apply(session, tree.branch.id, rows)
    token, _ = mp_sessions.create(session, openid="o_mp_zhao", unionid="u_zhao", member_id=None)
    api, auth, api_path = app.test_client(), {"Authorization": f"Bearer {token}"}, "/api/mp/v1"

    api.post(f"{api_path}/sms/code", json={"phone": "13700000002"}, headers=auth)
    code = re.search(r"验证码 (\d{6})", caplog.records[-1].getMessage()).group(1)
    register = api.post(f"{api_path}/register", headers=auth, json={
        "name": "赵四", "id_number": person.id_number, "phone": "13700000002", "sms_code": code, "password": "abc12345",
        "joined_league": "2015-05", "ethnicity": "汉族", "education": "本科", "consent_notice": True,
        "consent_sensitive": True})
    assert register.status_code == 409 and register.get_json()["error"] == "preregistered"

    sent = len(caplog.records)
    assert api.post(f"{api_path}/claim/code", json={"phone": "13600000009"}, headers=auth).get_json()["sent"] is True
    assert not any("验证码" in r.getMessage() for r in caplog.records[sent:] if r.name == "runtime.smsgateway")
    assert api.post(f"{api_path}/claim/code", json={"phone": person.phone}, headers=auth).status_code == 200
    code = re.search(r"验证码 (\d{6})", caplog.records[-1].getMessage()).group(1)
    body = {"phone": person.phone, "sms_code": code, "password": "zhao2026", "ethnicity": "汉族", "education": "大专",
            "consent_notice": True, "consent_sensitive": True}
    refused = api.post(f"{api_path}/claim", json={**body, "consent_sensitive": False}, headers=auth)
    assert refused.status_code == 400
    code = re.search(r"验证码 (\d{6})", caplog.records[-1].getMessage()).group(1)
    claimed = api.post(f"{api_path}/claim", json={**body, "sms_code": code}, headers=auth)
    assert claimed.status_code == 201 and claimed.get_json()["profile"]["education"] == "大专"
    assert api.get(f"{api_path}/me", headers=auth).get_json()["name"] == "赵四"
    zhao = session.scalar(sa.select(Member).where(Member.name == "赵四"))
    session.refresh(zhao)
    assert zhao.claimed_at is not None and zhao.unionid == "u_zhao"
    assert members.authenticate(session, person.phone, "zhao2026").id == zhao.id
    again = api.post(f"{api_path}/claim", json=body, headers=auth)
    assert again.status_code == 409
