"""Issue 39.8: neither the reset-code form nor the mini-program's organisation login tells whether an
account exists. A second code within 60 s was refused (429) only for a registered phone, and a wrong
password answered ``detail.remaining`` only for an existing username."""
from __future__ import annotations

from runtime.extensions import protector
from services.people import mp_sessions
from tests.factories import make_account, make_member, make_tree

API = "/api/mp/v1"


def _twice(client, phone):
    return [(r.status_code, r.get_json()) for r in
            (client.post(f"{API}/password/reset/code", json={"phone": phone}) for _ in range(2))]


def test_a_second_reset_code_is_refused_alike_for_any_phone(app, session):
    registered = protector.decrypt(make_member(session).phone_enc)
    known, unknown = _twice(app.test_client(), registered), _twice(app.test_client(), "13700000123")
    assert [status for status, _ in known] == [status for status, _ in unknown] == [200, 429]
    assert known[0][1] == unknown[0][1] and known[1][1]["error"] == unknown[1][1]["error"] == "sms_too_soon"


def test_org_login_answers_alike_for_a_wrong_password_and_an_unknown_username(app, session):
    tree = make_tree(session)
    make_account(session, tree.street, "donghuamen")
    client = app.test_client()

    def attempts(username):  # a login of its own for each name: the endpoint allows 10 a minute per login
        token, _ = mp_sessions.create(session, openid=f"o_prober_{username}", unionid=None)
        return [client.post(f"{API}/org/login", json={"username": username, "password": "wrong-pass"},
                            headers={"Authorization": "Bearer " + token}) for _ in range(6)]

    existing, unknown = attempts("donghuamen"), attempts("nobody_here")
    for a, b in zip(existing, unknown, strict=True):
        assert (a.status_code, a.get_json()) == (b.status_code, b.get_json())
    assert existing[-1].status_code == 403 and "锁定" in existing[-1].get_json()["message"]
