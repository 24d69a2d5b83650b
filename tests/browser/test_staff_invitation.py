"""The invitation journey in Chromium (issue 36.1): the organisation's shared account invites a
coordinator on 人员, the coordinator opens the link on another computer, asks for the SMS code, joins,
and logs in with the phone; the shared account goes on working until an admin joins. SQLite and
PostgreSQL, under the Content-Security-Policy."""
from __future__ import annotations

import logging
import re

from runtime.extensions import protector
from tests.browser.conftest import desk_login
from tests.factories import join, make_account, make_member, make_tree


def test_a_coordinator_joins_by_invitation(app, session, live_server, desk, chromium, caplog):
    caplog.set_level(logging.INFO, logger="runtime.smsgateway")
    tree = make_tree(session)
    make_account(session, tree.community, "duofu")
    team = tree.team(session, tree.community)
    member = make_member(session, name="孙团员")
    join(session, member, team)
    team_id, number = team.id, protector.decrypt(member.phone_enc)
    page, shot = desk, desk.shots
    desk_login(page, live_server, "duofu")
    page.click("nav >> text=人员")
    page.fill("#invite input[name=name]", "钱协调")
    page.select_option("#invite select[name=role]", "coordinator")
    page.click("#invite button")
    page.wait_for_selector("#issued")
    link = page.inner_text("#issued-link")
    shot("invitation-issued")

    newcomer = chromium.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    other = newcomer.new_page()
    other.goto(link)
    other.wait_for_selector("h1:has-text('加入管理后台')")
    assert other.input_value("#name") == "钱协调"                              # the admin's name for them
    other.fill("#phone", "13922220001")
    other.click("#send-code")
    other.wait_for_selector("text=验证码已发送")
    code = re.search(r"验证码 (\d{6})", [r.getMessage() for r in caplog.records if "验证码" in r.getMessage()][-1]).group(1)
    other.fill("#sms_code", code)
    other.fill("#password", "staff2026")
    other.screenshot(path=str(shot.folder / "join-form.png"), full_page=True)
    other.click("#join-submit")
    other.wait_for_selector("#done")
    assert "角色：协调员" in other.inner_text("#done")
    other.click("text=去登录")
    other.fill("input[name=username]", "13922220001")
    other.fill("input[name=password]", "staff2026")
    other.click("button:has-text('登录')")
    other.wait_for_url("**/console/")
    assert "钱协调" in other.inner_text("header")
    other.goto(f"{live_server}/console/people")
    assert "协调员" in other.inner_text("#people") and "生成邀请" not in other.content()   # no people rights
    newcomer.close()

    page.reload()                                                              # the shared account goes on
    assert "钱协调" in page.inner_text("#people")
    shot("people")

    # 显示完整号码 on the team page: asked for in place (fetch under the CSP), shown as a number to call.
    page.goto(f"{live_server}/console/teams/{team_id}")
    row = page.locator("tr", has_text="孙团员")
    assert "****" in row.inner_text()
    row.locator("button:has-text('显示完整号码')").click()
    row.locator(f"a[href='tel:{number}']").wait_for()
    shot("phone-revealed")
