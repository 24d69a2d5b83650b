"""A person walks the member journey in a phone-sized WeChat browser: opens a poster's join link,
authorises through the (sandbox) WeChat, registers with a phone code, lands in the team, opens the
project, enrols, tries to sign in too far away (sees distance and radius), signs in and out at the
site, and sees the pending record. SQLite and PostgreSQL."""
import datetime as dt
import logging
import re

import geo
from models import utcnow
from services.organisations.team_qr import join_token
from tests.browser.conftest import answer
from tests.factories import SITE, make_dated_project, make_tree, registration


def _wgs84(north_m: float = 0.0) -> dict:
    lat, lng = geo.convert(SITE[0] + north_m / 111_000, SITE[1], "gcj02", "wgs84")
    return {"latitude": lat, "longitude": lng, "accuracy": 20}


def test_member_journey_in_a_phone_browser(app, session, live_server, phone, caplog):
    caplog.set_level(logging.INFO, logger="runtime.smsgateway")
    tree = make_tree(session)
    team = tree.team(session, tree.community)
    project = make_dated_project(session, tree, team, start=utcnow() - dt.timedelta(minutes=10))
    project_title, project_code, team_name = project.title, project.code, team.name
    with app.test_request_context():
        link = f"{live_server}/j/{join_token(team)}"
    page, shot = phone, phone.shots

    # The poster's link: WeChat authorisation (the sandbox's picker stands in for the phone's owner).
    page.goto(link)
    page.fill("input[name=openid]", "o_browser")
    shot("wechat-authorise")
    page.click("form button")
    page.wait_for_selector("text=请先绑定账号")
    assert f"绑定或注册后将自动加入「{team_name}」" in page.content()
    shot("join-link-needs-account")

    page.click("text=没有账号，去注册")
    page.wait_for_selector("h1:has-text('团员实名注册')")
    form = registration()
    # Step one, the account: 下一步 says what is missing beside the field before moving on (issue 37.2).
    assert page.is_visible("#phone") and not page.is_visible("#name")
    page.click("button:has-text('下一步')")
    assert page.inner_text("#phone-error") == "请填写手机号" and page.get_attribute("#phone", "aria-invalid") == "true"
    page.fill("#phone", form.phone)
    page.click("#send-code")
    page.wait_for_selector("text=验证码已发送")
    code = re.search(r"验证码 (\d{6})", [r.getMessage() for r in caplog.records if "验证码" in r.getMessage()][-1]).group(1)
    page.fill("#sms_code", code)
    page.fill("#password", form.password)
    shot("register-step-account")
    page.click("button:has-text('下一步')")
    # Step two, identity and branch.
    page.wait_for_selector("#name", state="visible")
    page.fill("#name", "王小明")
    page.fill("#id_number", form.id_number)
    page.fill("#joined_league", form.joined_league)
    page.select_option("#education", "本科")
    page.check("#consent_notice")
    page.check("#consent_sensitive")
    shot("register-form")
    page.click("#submit")
    page.wait_for_selector("text=注册成功")
    assert f"已加入「{team_name}」" in page.content()
    shot("registered-home")

    page.click("nav >> text=项目")
    page.wait_for_selector(f"text={project_title}")
    shot("projects")
    page.click(f"text={project_title}")
    page.click("#enrol")
    page.wait_for_selector("#enrolled")
    shot("project-enrolled")

    page.context.set_geolocation(_wgs84(north_m=1500))            # 1.5 km north of the site
    page.click("#signin")
    page.wait_for_selector("#result.error")
    refused = page.inner_text("#result")
    assert "允许范围300米" in refused and re.search(r"约1[45]\d\d米", refused), refused
    assert "请到达服务地点附近后重试" in refused  # and what to do next (issue 37.6)
    shot("signin-too-far")

    page.context.set_geolocation(_wgs84(north_m=40))              # at the site
    page.click("#signin")
    page.wait_for_selector("#result.ok")
    assert re.search(r"距离 \d+ 米，允许 300 米", page.inner_text("#result"))
    assert not page.is_visible("#withdraw")  # signed in: 取消报名 no longer applies (issue 37.6)
    shot("signed-in")
    page.click("#signout")                                          # a minute after signing in: asked first
    assert "分钟前才签到" in answer(page, yes=False) and page.is_enabled("#signout")
    page.click("#signout")
    answer(page)
    page.wait_for_selector("#result.ok >> text=签退")
    shot("signed-out")

    page.click("nav >> text=时长")                                  # the tab bar (issue 37.5)
    page.click("text=我的服务记录")
    record = page.wait_for_selector(".record")
    assert record.get_attribute("data-status") == "pending" and "待审核" in record.inner_text()
    shot("records-pending")
    page.goto(f"{live_server}/m/hours")
    assert "全年目标 20 小时" in page.content()
    shot("hours")
    assert project_code
