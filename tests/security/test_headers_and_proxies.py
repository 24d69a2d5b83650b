"""Issue 19.9 and 19.10: security headers on people's pages; the client address believed only from
trusted proxies, and rate limits keyed on the login where there is one."""
from __future__ import annotations

from app import create_app
from tests.conftest import DATA_KEY, REDIS_URL, require_service
from tests.security.production import production_env

PAGES = ("/console/login", "/m/teams", "/verify/NOSUCHCODE", "/")


def test_pages_send_csp_frame_nosniff_and_referrer_headers(app, session):
    client = app.test_client()
    for path in PAGES:
        headers = client.get(path).headers
        csp = headers.get("Content-Security-Policy", "")
        assert "script-src 'self' https://res.wx.qq.com 'nonce-" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, path
        assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin", path
        assert "Strict-Transport-Security" not in headers, path  # development runs on plain http


def test_production_adds_hsts_and_secure_cookies(tmp_path):
    require_service("redis")
    env = production_env(DATABASE_URL=f"sqlite:///{tmp_path}/p.db", DATA_KEY=DATA_KEY, REDIS_URL=REDIS_URL)
    app = create_app({**env, "TESTING": True})
    with app.app_context():
        from runtime.extensions import db

        db.create_all()
    response = app.test_client().get("/console/login", base_url="https://zhiyuan.example.org")
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]
    assert app.config["SESSION_COOKIE_SECURE"] is True


def _address_seen(app):
    from flask import request

    seen = {}

    @app.get("/_test/address")
    def address():
        from web.security import client_identity

        seen["addr"], seen["key"] = request.remote_addr, client_identity()
        return "ok"
    return seen


def test_forwarded_for_is_believed_only_from_trusted_proxies(tmp_path):
    for hops, expected in ((0, "10.0.0.9"), (1, "203.0.113.7")):
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/a{hops}.db",
                          "DATA_KEY": DATA_KEY, "SECRET_KEY": "t", "TRUSTED_PROXIES": hops})
        seen = _address_seen(app)
        # nginx (10.0.0.9) appends the real client to whatever the client claimed.
        app.test_client().get("/_test/address", environ_base={"REMOTE_ADDR": "10.0.0.9"},
                              headers={"X-Forwarded-For": "1.2.3.4, 203.0.113.7"})
        assert seen["addr"] == expected and seen["key"] == "ip:" + expected


def test_limits_are_keyed_on_the_real_client_behind_a_proxy(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/l.db", "DATA_KEY": DATA_KEY,
                      "SECRET_KEY": "t", "TRUSTED_PROXIES": 1})
    with app.app_context():
        from runtime.extensions import db

        db.create_all()
    client = app.test_client()

    def login(client_address):
        return client.post("/api/mp/v1/login", json={"code": "bogus"}, environ_base={"REMOTE_ADDR": "10.0.0.9"},
                           headers={"X-Forwarded-For": client_address}).status_code

    first = [login("203.0.113.7") for _ in range(31)]
    assert first[-1] == 429 and 429 not in first[:30]
    # Another member behind the same nginx is not throttled by the first one's tries.
    assert login("198.51.100.4") != 429


def test_limits_follow_the_login_not_the_address(app, session):
    from services.people import mp_sessions
    from tests.factories import make_member

    tokens = [mp_sessions.create(session, openid=f"o_lim_{i}", unionid=None, member_id=make_member(session).id)[0]
              for i in range(2)]
    client = app.test_client()

    def send(token, phone):
        response = client.post("/api/mp/v1/sms/code", json={"phone": phone}, headers={"Authorization": "Bearer " + token})
        return response.status_code, response.get_json()["error"] if response.status_code >= 400 else None

    answers = [send(tokens[0], f"138000000{i:02d}") for i in range(21)]
    assert answers[-1] == (429, "too_many_requests") and all(status == 200 for status, _ in answers[:20])
    assert send(tokens[1], "13900000000") == (200, None)  # same address, another member


def test_verify_is_rate_limited(app, session):
    client = app.test_client()
    statuses = [client.get(f"/verify/CODE{i}").status_code for i in range(31)]
    assert statuses[-1] == 429 and 429 not in statuses[:30]
