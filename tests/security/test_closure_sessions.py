"""Issue 39.12: closing the account (DELETE /me) ends and erases every session of the person: the
member's, and those the same WeChat user opened before registering (same unionid, the mini-program's
own openid), which used to keep the openid, unionid and encrypted session_key for 7 days."""
from __future__ import annotations

import logging
import re

import sqlalchemy as sa

from models import AuthSession
from runtime.extensions import protector
from services.people import mp_sessions
from tests.factories import make_member

API = "/api/mp/v1"


def test_closure_erases_every_session_of_the_wechat_user(app, session, caplog):
    caplog.set_level(logging.INFO, logger="runtime.smsgateway")
    member = make_member(session)
    member.unionid = "u_closing"
    session.commit()
    early, _ = mp_sessions.create(session, openid="o_mp_closing", unionid="u_closing", session_key="k1")
    session.execute(sa.update(AuthSession).values(member_id=None))  # opened before the member registered
    session.commit()
    token, _ = mp_sessions.create(session, openid="o_mp_closing", unionid="u_closing", session_key="k2",
                                  member_id=member.id)
    other, _ = mp_sessions.create(session, openid="o_someone_else", unionid="u_else", session_key="k3")
    auth = {"Authorization": "Bearer " + token}
    client = app.test_client()
    assert client.post(f"{API}/me/close/code", headers=auth, json={}).status_code == 200
    code = re.search(r"注销账号验证码 (\d{6})", caplog.records[-1].getMessage()).group(1)
    assert client.delete(f"{API}/me", headers=auth, json={"code": code}).status_code == 200
    session.expire_all()
    left = session.execute(sa.select(AuthSession.openid, AuthSession.unionid, AuthSession.session_key_enc)).all()
    assert [(row.openid, row.unionid) for row in left] == [("o_someone_else", "u_else")]
    assert client.get(f"{API}/me", headers={"Authorization": "Bearer " + early}).status_code == 401
    assert protector.decrypt(left[0].session_key_enc) == "k3"
