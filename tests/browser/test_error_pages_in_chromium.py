"""Issue 37.1 in Chromium itself (its own Accept header): an unknown page is a Chinese page with a way
home, and a console form whose token expired is offered again with what was typed."""
from __future__ import annotations

from tests.factories import make_account, make_tree
from tests.web import PASSWORD


def test_an_unknown_phone_page_is_chinese_with_a_way_home(phone, live_server):
    answer = phone.goto(f"{live_server}/m/no-such-page")
    assert answer.status == 404 and "text/html" in answer.headers["content-type"]
    assert phone.locator("h1").inner_text() == "页面不存在"
    assert '"error"' not in phone.content()
    phone.set_viewport_size({"width": 375, "height": 812})
    phone.shots("unknown-page-375")
    phone.get_by_role("link", name="返回首页").wait_for()


def test_an_expired_console_form_keeps_what_was_typed(desk, live_server, session):
    tree = make_tree(session)
    make_account(session, tree.district, "dongcheng")
    desk.goto(f"{live_server}/console/login")
    desk.fill("input[name=username]", "dongcheng")
    desk.fill("input[name=password]", PASSWORD)
    desk.eval_on_selector("input[name=csrf_token]", "input => input.value = 'expired'")  # as after hours away
    desk.get_by_role("button", name="登录").click()
    assert desk.locator("h1").inner_text() == "页面已过期" and PASSWORD not in desk.content()
    desk.set_viewport_size({"width": 1366, "height": 768})
    desk.shots("expired-form-1366")
    desk.fill("#retype-password", PASSWORD)
    desk.get_by_role("button", name="重新提交").click()
    desk.wait_for_url(f"{live_server}/console/**")
    assert "/console/login" not in desk.url
    desk.set_viewport_size({"width": 375, "height": 812})
    desk.goto(f"{live_server}/console/no-such-page")
    assert "页面不存在" in desk.content()
    desk.shots("unknown-console-page-375")
