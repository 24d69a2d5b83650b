"""Phone pages log in by WeChat web authorisation (snsapi_base) through the sandbox."""
from urllib.parse import parse_qs, urlsplit

import requests

from services.people import wechat_users
from tests.factories import make_member
from tests.web import mobile_login


def test_oauth_login_shows_my_page(app, session, sandbox):
    member = make_member(session, name="李雷")
    wechat_users.bind(session, member.id, "o_m_1")
    client = app.test_client()
    start = client.get("/m/")
    assert start.status_code == 302 and start.headers["Location"].startswith("/m/login")
    back = mobile_login(client, "o_m_1", "/m/")
    assert back.status_code == 302 and back.headers["Location"] == "/m/"
    page = client.get("/m/").get_data(as_text=True)
    assert "李雷" in page and "目标 20 小时" in page
    authorize = sandbox.calls_to("connect/oauth2/authorize")[-1].params
    assert authorize["scope"] == "snsapi_base" and authorize["appid"] == app.config["WECHAT_APP_ID"]


def test_unbound_openid_is_asked_to_bind(app, session, sandbox):
    client = app.test_client()
    mobile_login(client, "o_m_new")
    page = client.get("/m/").get_data(as_text=True)
    assert "请先绑定账号" in page and "/m/bind/" in page and "/m/register?bind=" in page


def test_bad_state_and_used_codes_are_refused(app, session, sandbox):
    client = app.test_client()
    start = client.get("/m/login", query_string={"next": "/m/"})
    auth = requests.get(start.headers["Location"].split("#")[0], params={"openid": "o_m_2"},
                        allow_redirects=False, timeout=5)
    query = parse_qs(urlsplit(auth.headers["Location"]).query)
    forged = client.get("/m/oauth", query_string={"code": query["code"][0], "state": "forged", "next": "/m/"})
    assert forged.status_code == 400 and "授权已失效" in forged.get_data(as_text=True)

    def fresh_state() -> str:
        client.get("/m/login", query_string={"next": "/m/"})
        with client.session_transaction() as s:
            return s["m_oauth_state"]

    first = client.get("/m/oauth", query_string={"code": query["code"][0], "state": fresh_state()})
    assert first.status_code == 302
    # A code is good once: replaying it is refused by WeChat (40163).
    replay = client.get("/m/oauth", query_string={"code": query["code"][0], "state": fresh_state()})
    assert replay.status_code == 401 and "授权失败" in replay.get_data(as_text=True)
    unknown = client.get("/m/oauth", query_string={"code": "made-up", "state": fresh_state()})
    assert unknown.status_code == 401


def test_outside_wechat_in_production_says_open_in_wechat(app, session, monkeypatch):
    monkeypatch.setitem(app.config, "APP_ENV", "production")
    page = app.test_client().get("/m/login", headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64)"})
    assert page.status_code == 200 and "请在微信中打开" in page.get_data(as_text=True)
