"""Every console and phone page of the demo, in Chromium at 375 px (a phone in WeChat) and 1366 px (a
coordinator's laptop): a screenshot of each into test-artifacts/screenshots/<backend>/tour/ (`make
screenshots` prints where), axe-core's accessibility rules with no serious or critical violation, no
page wider than the window, and the console's header on one line (issue 37.4, 37.10, 37.11).

axe-core comes from the npm lock (node_modules/axe-core), evaluated through the DevTools protocol, so
the pages' Content-Security-Policy stays as strict as in production (the fixtures fail on a violation).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from models import Member, Project, Team
from services.kernel import rotating_codes
from services.organisations import onsite_report
from tests.browser.conftest import CHROMIUM, SCREENSHOTS, _unavailable, watch_csp
from tests.web import PASSWORD

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {"phone": 375, "laptop": 1366}
# What a person on a real browser sends: pages, not JSON, must come back (issue 37.1).
CHROME_ACCEPT = ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,"
                 "application/signed-exchange;v=b3;q=0.7")


def _console_pages(team_id: int, project_id: int, member_id: int) -> list[tuple[str, str]]:
    return [("dashboard", "/console/"), ("orgs", "/console/orgs"), ("members", "/console/members"),
            ("review", "/console/review"), ("teams", "/console/teams"), ("team", f"/console/teams/{team_id}"),
            ("projects", "/console/projects"), ("project", f"/console/projects/{project_id}"),
            ("project-new", "/console/projects/new"), ("project-edit", f"/console/projects/{project_id}/edit"),
            ("onsite", f"/console/projects/{project_id}/onsite"), ("hours", "/console/hours"),
            ("pairing", "/console/pairing"), ("targets", "/console/targets"), ("appeals", "/console/appeals"),
            ("access-log", "/console/access-log"), ("certificate", f"/console/members/{member_id}/certificate"),
            ("password", "/console/password"), ("short-communities", "/console/short-communities"),
            ("people", "/console/people"), ("people-of-a-district", "/console/people?org=2"),
            ("org-import", "/console/orgs/import"), ("join", "/console/join"), ("forgot", "/console/password/forgot"),
            ("pushes", "/console/pushes"), ("team-onsite", f"/console/teams/{team_id}/onsite"),
            ("graduates", "/console/graduates"), ("progress", "/console/progress"),
            ("commendations", "/console/commendations"), ("proposals", "/console/proposals?q=东华门"), ("milestones", "/console/milestones")]


PHONE_PAGES = [("home", "/m/"), ("projects", "/m/projects"), ("hours", "/m/hours"), ("records", "/m/records"),
               ("profile", "/m/profile"), ("team", "/m/team"), ("teams", "/m/teams?q=东华门"), ("branch", "/m/branch"),
               ("skills", "/m/skills"), ("zyb", "/m/zyb"), ("certificate", "/m/certificate"), ("privacy", "/m/privacy"),
               ("my-data", "/m/my-data"), ("reminders", "/m/reminders"), ("residence", "/m/residence"), ("appeal", "/m/appeal"), ("password-reset", "/m/password/reset"),
               ("not-found", "/m/no-such-page")]


def _axe(page) -> list[dict]:
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    found = page.evaluate("axe.run(document, {resultTypes: ['violations']}).then(r => r.violations)")
    return [{"rule": v["id"], "impact": v["impact"], "help": v["help"],
             "where": [n["target"] for n in v["nodes"][:3]]}
            for v in found if v["impact"] in ("serious", "critical")]


def _visit(page, url: str, folder: Path, name: str) -> dict:
    response = page.goto(url)
    page.wait_for_load_state("load")
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    too_wide = ""
    if page.evaluate("document.documentElement.scrollWidth") > page.viewport_size["width"] + 1:
        too_wide = page.evaluate(_STICKING_OUT, page.viewport_size["width"])  # what sticks out, to say where to look
    small = page.evaluate(_SMALL_TARGETS) if "/m/" in url and page.viewport_size["width"] < 600 else []
    return {"status": response.status if response else None, "axe": _axe(page), "too_wide": too_wide, "small": small}


# Phone tap targets under 44 px (issue 37.11): buttons, fields, the tab bar, tappable cells, and the
# labels that carry a checkbox or radio button.
_SMALL_TARGETS = """() => [...document.querySelectorAll(
    'main button, main a.button, main input:not([type=hidden]):not([type=checkbox]):not([type=radio]), main select,'
    + ' .weui-tabbar__item, a.weui-cell, main label:has(> input[type=checkbox]), main label:has(> input[type=radio])')]
  .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44)
  .map(e => (e.id || e.name || e.textContent.trim().slice(0, 12)) + ' ' + Math.round(e.getBoundingClientRect().height) + 'px')"""


_STICKING_OUT = """width => {
  const out = [...document.body.querySelectorAll('*')].filter(e => e.getBoundingClientRect().right > width + 1);
  const deepest = out.filter(e => !out.some(o => o !== e && e.contains(o)));
  return deepest.slice(0, 3).map(e => e.tagName.toLowerCase() + (e.name ? '[name=' + e.name + ']' : '') + ' ' +
                                   Math.round(e.getBoundingClientRect().right) + 'px').join(', ');
}"""


@pytest.fixture
def demo(app, session):
    from demo.seed import seed_demo

    seed_demo(session, password=PASSWORD, echo=lambda _: None)
    session.commit()
    team = session.scalar(sa.select(Team).where(Team.is_community).order_by(Team.id))
    project = session.scalar(sa.select(Project).where(Project.team_id == team.id).order_by(Project.id)) \
        or session.scalar(sa.select(Project).order_by(Project.id))
    member = session.scalar(sa.select(Member).where(Member.openid == "o_demo_1"))
    found = {"team": team.id, "project": project.id, "member": member.id, "project_code": project.code,
             "team_code": team.code}
    # End the read's transaction: left open through the whole tour, PostgreSQL's idle-in-transaction
    # timeout (60 s, runtime/config.py) ended the connection under a slow CI machine.
    session.rollback()
    return found


def _context(chromium, width: int):
    phone = width < 600
    context = chromium.new_context(
        viewport={"width": width, "height": 812 if phone else 768}, locale="zh-CN", is_mobile=phone, has_touch=phone,
        extra_http_headers={"Accept": CHROME_ACCEPT},
        user_agent=("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 "
                    "Mobile Safari/537.36 MicroMessenger/8.0.50 NetType/WIFI Language/zh_CN") if phone else None)
    context.set_default_timeout(15000)
    return context


def test_every_page_at_both_widths(app, session, live_server, demo, chromium, backend):
    if not AXE.exists():
        _unavailable("axe-core is not installed (node_modules/axe-core: `make` runs npm ci)")
    if CHROMIUM is None:
        _unavailable("chromium is not installed")
    problems: dict[str, object] = {}
    for label, width in WIDTHS.items():
        folder = SCREENSHOTS / backend / "tour" / label
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.png"):
            old.unlink()
        context = _context(chromium, width)
        page = context.new_page()
        violations = watch_csp(page)

        page.goto(f"{live_server}/console/login")
        seen = {"console-login": _visit(page, f"{live_server}/console/login", folder, "console-login")}
        page.fill("input[name=username]", "beijing")
        page.fill("input[name=password]", PASSWORD)
        page.click("button:has-text('登录')")
        page.wait_for_url("**/console/")
        header = page.evaluate("document.querySelector('header.top').getBoundingClientRect().height")
        if header > 60:
            problems[f"{label}:console-header"] = f"{header}px tall: its contents wrap"
        for name, path in _console_pages(demo["team"], demo["project"], demo["member"]):
            seen[f"console-{name}"] = _visit(page, live_server + path, folder, f"console-{name}")
        # The member: WeChat authorisation through the sandbox, then every phone page.
        page.goto(f"{live_server}/m/")
        page.fill("input[name=openid]", "o_demo_1")
        page.click("form button")
        page.wait_for_url("**/m/**")
        with app.app_context():  # the 现场报到 screen's code of now (it changes every 30 s)
            token, _ = rotating_codes.current(onsite_report.PURPOSE, demo["team_code"])
        for name, path in PHONE_PAGES + [("project", f"/m/projects/{demo['project_code']}"),
                                         ("onsite-report", f"/m/report/{demo['team_code']}/{token}")]:
            seen[f"phone-{name}"] = _visit(page, live_server + path, folder, f"phone-{name}")
        context.close()
        assert violations == [], "pages broke their own Content-Security-Policy"

        # A newcomer: the registration's two steps, and what a refused step looks like.
        context = _context(chromium, width)
        page = context.new_page()
        violations = watch_csp(page)
        page.goto(f"{live_server}/m/register")
        page.fill("input[name=openid]", f"o_tour_newcomer_{label}")
        page.click("form button")
        page.wait_for_url("**/m/register**")
        seen["phone-register"] = _visit(page, f"{live_server}/m/register", folder, "phone-register")
        seen["phone-claim"] = _visit(page, f"{live_server}/m/claim", folder, "phone-claim")
        page.goto(f"{live_server}/m/register")
        page.click("button:has-text('下一步')")
        page.fill("#phone", "13800000000")
        page.fill("#sms_code", "123456")
        page.fill("#password", "abc12345")
        page.click("button:has-text('下一步')")
        page.click("#submit")
        page.wait_for_load_state("load")
        page.screenshot(path=str(folder / "phone-register-refused.png"), full_page=True)
        seen["phone-register-refused"] = {"status": 400, "axe": _axe(page), "too_wide": ""}
        context.close()
        assert violations == [], "pages broke their own Content-Security-Policy"

        for name, result in seen.items():
            if result is None:
                continue
            if result["status"] is None or result["status"] >= 500:
                problems[f"{label}:{name}"] = f"answered {result['status']}"
            if result["axe"]:
                problems[f"{label}:{name}:axe"] = result["axe"]
            if result.get("small"):
                problems[f"{label}:{name}:tap-targets"] = result["small"]
            if result["too_wide"]:
                problems[f"{label}:{name}:width"] = f"wider than the window: {result['too_wide']}"
    assert problems == {}, json.dumps(problems, ensure_ascii=False, indent=1)
