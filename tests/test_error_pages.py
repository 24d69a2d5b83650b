"""Issue 37.1: people's browsers get Chinese pages with a way forward, whatever Accept header their
browser really sends, and an expired form keeps what was typed; programs keep their JSON."""
from __future__ import annotations

import pytest

from tests.factories import make_account, make_tree
from tests.web import console_login, csrf_token

CHROME = ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,"
          "application/signed-exchange;v=b3;q=0.7")
SAFARI = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
WECHAT_ANDROID = ("text/html,application/xhtml+xml,application/xml;q=0.9,image/wxpic,image/tpg,image/webp,image/apng,"
                  "*/*;q=0.8,application/signed-exchange;v=b3;q=0.9")
BROWSERS = {"chrome": CHROME, "safari": SAFARI, "wechat": WECHAT_ANDROID}


@pytest.mark.parametrize("browser", BROWSERS)
@pytest.mark.parametrize("path", ["/m/no-such-page", "/console/no-such-page", "/no-such-page"])
def test_an_unknown_page_is_a_chinese_page_with_a_way_forward(app, browser, path):
    answer = app.test_client().get(path, headers={"Accept": BROWSERS[browser]})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 404 and answer.mimetype == "text/html"
    assert "页面不存在" in html and '"error"' not in html and "返回首页" in html


@pytest.mark.parametrize("accept", [None, "*/*", "application/json"])
def test_programs_keep_the_json_error(app, accept):
    headers = {"Accept": accept} if accept else {}
    answer = app.test_client().get("/console/no-such-page", headers=headers)
    assert answer.status_code == 404 and answer.get_json()["error"] == "not_found"
    api = app.test_client().get("/api/mp/v1/no-such-call", headers={"Accept": CHROME})
    assert api.status_code == 404 and api.is_json


@pytest.mark.parametrize("browser", BROWSERS)
def test_an_expired_form_is_offered_again_with_what_was_typed(app, session, browser):
    tree = make_tree(session)
    make_account(session, tree.district, "dongcheng")
    client = app.test_client()
    client.get("/console/login")
    typed = {"username": "dongcheng", "password": "abc12345", "csrf_token": "expired-token"}
    answer = client.post("/console/login?next=/console/members", data=typed, headers={"Accept": BROWSERS[browser]})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400 and answer.mimetype == "text/html" and "页面已过期" in html
    assert 'value="dongcheng"' in html and "abc12345" not in html and "expired-token" not in html
    assert 'action="/console/login?next=/console/members"' in html and "密码（请重新填写）" in html
    again = client.post("/console/login?next=/console/members", headers={"Accept": BROWSERS[browser]},
                        data={"username": "dongcheng", "password": "abc12345", "csrf_token": csrf_token(answer)})
    assert again.status_code == 302 and again.headers["Location"].endswith("/console/members")


def test_a_fetch_call_with_an_expired_token_gets_json(app, session):
    tree = make_tree(session)
    make_account(session, tree.district, "dongcheng")
    console = console_login(app, "dongcheng")
    answer = console.post("/console/logout", data={"csrf_token": "expired"}, headers={"Accept": "application/json"})
    assert answer.status_code == 400 and answer.get_json()["error"] == "csrf"


@pytest.mark.parametrize("path", ["/verify/ANYCODE", "/console/login"])
def test_a_failure_nobody_foresaw_is_a_page_for_people_and_json_for_programs(app, path, monkeypatch):
    endpoint = app.url_map.bind("localhost").match(path)[0]

    def broken(**_):
        raise RuntimeError("a bug")

    monkeypatch.setitem(app.view_functions, endpoint, broken)
    page = app.test_client().get(path, headers={"Accept": CHROME})
    html = page.get_data(as_text=True)
    assert page.status_code == 500 and page.mimetype == "text/html" and "服务器开小差了" in html
    assert "返回首页" in html and "a bug" not in html
    program = app.test_client().get(path, headers={"Accept": "application/json"})
    assert program.status_code == 500 and program.get_json()["error"] == "internal_error"


def test_an_expired_phone_form_is_offered_again_too(app):
    answer = app.test_client().post("/m/password/reset", headers={"Accept": WECHAT_ANDROID}, data={
        "phone": "13912345678", "code": "987650", "password": "abc12345", "csrf_token": "expired"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "页面已过期" in html and 'value="13912345678"' in html
    assert "987650" not in html and "abc12345" not in html
    assert "验证码（请重新填写）" in html and "密码（请重新填写）" in html and "放弃，重新打开该页" in html
