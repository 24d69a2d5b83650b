"""A district coordinator at a desktop browser: logs in, generates registration codes, creates and
publishes a project, approves hours in batch, sees the dashboard's numbers change, downloads a team
poster (and reads its QR). SQLite and PostgreSQL; screenshots in test-artifacts/."""
import datetime as dt

from PIL import Image
from pyzbar.pyzbar import decode

from models import RecordStatus, ServiceRecord, utcnow
from tests.browser.conftest import answer
from tests.factories import join, make_account, make_dated_project, make_member, make_tree
from tests.web import PASSWORD


def test_coordinator_console_journey(app, session, live_server, desk, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "REDIS_URL", None)  # refreshes run inline in this test
    tree = make_tree(session)
    make_account(session, tree.district, "dongcheng")
    team = tree.team(session, tree.community)
    project = make_dated_project(session, tree, team, start=utcnow() - dt.timedelta(days=2))
    done_at = utcnow() - dt.timedelta(days=2)
    for i in range(4):
        member = make_member(session, branch=tree.branch2)
        join(session, member, team)
        if i < 2:  # two members each waiting for 21 hours of approval
            session.add(ServiceRecord(project_id=project.id, member_id=member.id, status=RecordStatus.pending,
                                      signin_at=done_at, signout_at=done_at + dt.timedelta(hours=21),
                                      duration_minutes=21 * 60))
    session.commit()
    page, shot = desk, desk.shots

    page.goto(f"{live_server}/console/")
    page.fill("input[name=username]", "dongcheng")
    page.fill("input[name=password]", PASSWORD)
    shot("login")
    page.click("button:has-text('登录')")
    page.wait_for_selector("text=数据概览")
    assert page.inner_text("#stat-members") == "4" and page.inner_text("#stat-reported") == "100.0%"
    assert page.inner_text("#stat-hours_ok") == "0.0%"
    shot("dashboard-before")

    page.click("nav >> text=下级组织")
    page.fill("input[name=count]", "5")
    page.click("button:has-text('生成')")
    page.wait_for_selector("text=已生成 5 个注册码")
    assert page.locator("code.reg-code").count() == 5
    shot("registration-codes")

    page.click("nav >> text=志愿项目")
    page.click("text=新建项目")
    page.select_option("select[name=team]", label="多福巷社区青年志愿者服务队")
    page.wait_for_selector("input[name=title]")
    page.fill("input[name=title]", "冬季扫雪铲冰")
    page.fill("textarea[name=description]", "清扫社区主干道积雪")
    page.fill("input[name=starts_at]", "2026-12-20T09:00")
    page.fill("input[name=ends_at]", "2026-12-20T12:00")
    page.fill("input[name=lat]", "39.92113")
    page.fill("input[name=lng]", "116.40735")
    shot("project-form")
    page.click("button:has-text('创建项目')")
    page.wait_for_selector("text=项目已创建（草稿）")
    page.click("button:has-text('发布')")
    assert "发布后团员即可看到并报名" in answer(page)  # 发布 asks first, in the page's own dialog (issue 37.3, 37.5)
    page.wait_for_selector("text=项目已发布")
    assert "2026-12-20 09:00" in page.content()
    shot("project-published")

    page.click("nav >> text=时长审核")
    page.wait_for_selector("#pending")
    assert page.locator("input[name=record]").count() == 2
    page.check("#select-all")
    shot("hours-pending")
    page.click("button:has-text('通过所选')")
    asked = answer(page)
    page.wait_for_selector("text=已通过 2 条记录")
    assert asked == "将通过所选的 2 条记录，计入团员时长。确定吗？"  # asked first, with the count (issue 37.3)
    shot("hours-approved")

    page.click("nav >> text=数据概览")
    assert page.inner_text("#stat-hours_ok") == "0.0%"  # the snapshot, until it is refreshed
    page.click("button:has-text('立即刷新')")
    page.wait_for_selector("text=统计数据已更新")
    assert page.inner_text("#stat-hours_ok") == "50.0%"
    shot("dashboard-after")

    page.click("nav >> text=服务队")
    page.click("text=多福巷社区青年志愿者服务队")
    with page.expect_download() as download:
        page.click("#poster-png")
    path = tmp_path / "poster.png"
    download.value.save_as(path)
    with Image.open(path) as poster:
        texts = [symbol.data.decode() for symbol in decode(poster)]
    assert any(team.code in text or "/j/" in text for text in texts), texts
    shot("team-page")
