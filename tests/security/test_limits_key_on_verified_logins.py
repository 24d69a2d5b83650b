"""Issue 39.3: the per-client limits took the text of any ``Authorization: Bearer …`` header as the
client, unchecked, so a made-up token per request walked through console login's 30 a minute (40 of
40 passed), and /m/bind had no limit at all. A token is a key only once it is a live session; otherwise
the client is its real address."""
from __future__ import annotations

from services.people import mp_sessions, wechat_users
from tests.factories import make_account, make_tree
from tests.web import csrf_token


def _statuses(client, path: str, data: dict, n: int, *, bogus_bearer: bool) -> list[int]:
    out = []
    for i in range(n):
        headers = {"Authorization": f"Bearer x{i}"} if bogus_bearer else {}
        out.append(client.post(path, data=data, headers=headers).status_code)
    return out


def test_made_up_bearer_tokens_do_not_walk_through_console_login(app, session):
    tree = make_tree(session)
    make_account(session, tree.street, "donghuamen")
    client = app.test_client()
    form = {"csrf_token": csrf_token(client.get("/console/login")), "username": "donghuamen", "password": "wrong-pw"}
    statuses = _statuses(client, "/console/login", form, 40, bogus_bearer=True)
    assert statuses.count(429) >= 10, statuses  # 30 a minute from one address, whatever the header says


def test_bind_has_a_limit_per_address(app, session):
    token = wechat_users.bind_token("o_binder")
    client = app.test_client()
    form = {"csrf_token": csrf_token(client.get(f"/m/bind/{token}")), "phone": "13912345678", "password": "nope1234"}
    statuses = _statuses(client, f"/m/bind/{token}", form, 45, bogus_bearer=True)
    assert 429 in statuses and statuses.index(429) == 40, statuses


def test_a_live_token_still_has_a_limit_of_its_own(app, session):
    """Behind one NAT, two members with real tokens are two clients (the reason limits key on logins)."""
    first, _ = mp_sessions.create(session, openid="o_nat_1", unionid=None)
    second, _ = mp_sessions.create(session, openid="o_nat_2", unionid=None)
    client = app.test_client()
    asked = [client.post("/api/mp/v1/sms/code", json={"phone": f"1390000{i:04d}"},
                         headers={"Authorization": "Bearer " + first}).status_code for i in range(21)]
    assert asked[-1] == 429 and 429 not in asked[:20]
    other = client.post("/api/mp/v1/sms/code", json={"phone": "13900009999"}, headers={"Authorization": "Bearer " + second})
    assert other.status_code == 200
