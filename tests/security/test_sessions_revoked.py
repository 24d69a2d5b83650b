"""Issue 19.7: logout and a password change end sessions on the server; console sessions end after
2 hours idle and 12 hours in all."""
from __future__ import annotations

import datetime as dt

from models import SessionKind, utcnow
from services.people import auth_sessions, mp_sessions, wechat_users
from tests.factories import make_account, make_member, make_tree
from tests.web import console_login, csrf_token, mobile_login


def _cookie(client, name="session") -> str:
    return client.get_cookie(name).value


def test_a_console_cookie_saved_before_logout_no_longer_works(app, session):
    tree = make_tree(session)
    make_account(session, tree.city, "beijing")
    client = console_login(app, "beijing")
    saved = _cookie(client)
    assert client.get("/console/members").status_code == 200
    client.post("/console/logout", data={"csrf_token": csrf_token(client.get("/console/"))})
    thief = app.test_client()
    thief.set_cookie("session", saved)
    response = thief.get("/console/members")
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]


def test_a_phone_cookie_saved_before_logout_no_longer_works(app, session, sandbox):
    member = make_member(session)
    wechat_users.bind(session, member.id, "o_logout")
    phone = app.test_client()
    mobile_login(phone, "o_logout", "/m/profile")
    saved = _cookie(phone)
    assert phone.get("/m/profile").status_code == 200
    phone.post("/m/logout", data={"csrf_token": csrf_token(phone.get("/m/profile"))})
    thief = app.test_client()
    thief.set_cookie("session", saved)
    assert thief.get("/m/profile").status_code == 302


def test_a_password_change_ends_the_accounts_other_sessions(app, session):
    tree = make_tree(session)
    make_account(session, tree.city, "beijing")
    elsewhere = console_login(app, "beijing")
    here = console_login(app, "beijing")
    page = here.get("/console/password")
    changed = here.post("/console/password", data={
        "csrf_token": csrf_token(page), "current_password": "abc12345", "new_password": "new-pass-1",
        "confirm_password": "new-pass-1"})
    assert changed.status_code == 302
    assert here.get("/console/members").status_code == 200       # the one that changed it stays
    assert elsewhere.get("/console/members").status_code == 302  # every other one is gone
    wrong = here.post("/console/password", data={
        "csrf_token": csrf_token(page), "current_password": "nope", "new_password": "x1234567",
        "confirm_password": "x1234567"})
    assert wrong.status_code == 400 and "当前密码不正确" in wrong.get_data(as_text=True)


def test_console_sessions_expire_idle_and_absolute(app, session):
    tree = make_tree(session)
    account = make_account(session, tree.city, "beijing")
    start = utcnow()
    token = auth_sessions.start(session, SessionKind.console, account_id=account.id, now=start)
    assert auth_sessions.read(session, token, SessionKind.console, now=start + dt.timedelta(minutes=119))
    assert auth_sessions.read(session, token, SessionKind.console, now=start + dt.timedelta(minutes=119 + 121)) is None
    # Kept busy, it still ends 12 hours after login.
    token = auth_sessions.start(session, SessionKind.console, account_id=account.id, now=start)
    moment = start
    while moment < start + dt.timedelta(hours=11, minutes=50):
        moment += dt.timedelta(minutes=90)
        alive = auth_sessions.read(session, token, SessionKind.console, now=moment)
        assert (alive is not None) == (moment < start + dt.timedelta(hours=12))
    assert auth_sessions.read(session, token, SessionKind.console, now=start + dt.timedelta(hours=12, seconds=1)) is None


def test_the_mini_program_token_is_revoked_by_logout(app, session):
    member = make_member(session)
    token, _ = mp_sessions.create(session, openid="o_mp_logout", unionid=None, member_id=member.id)
    client = app.test_client()
    auth = {"Authorization": "Bearer " + token}
    assert client.get("/api/mp/v1/me", headers=auth).status_code == 200
    assert client.post("/api/mp/v1/logout", headers=auth).get_json() == {"logged_out": True}
    assert client.get("/api/mp/v1/me", headers=auth).status_code == 401
