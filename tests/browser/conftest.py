"""Browser tests: Playwright for Python driving Debian's chromium headless (installed by
`make test` through tools/system-deps.sh) against the app served on a loopback port.

Missing chromium or Playwright skips these tests with the reason, except under REQUIRE_SERVICES=1
(CI), where it is a failure. Screenshots go to test-artifacts/screenshots/<backend>/ for review.
"""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

from tests.conftest import REQUIRE_SERVICES

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def _unavailable(reason: str):
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason + "; `make test` installs Debian's chromium")


@pytest.fixture(scope="session")
def chromium():
    if CHROMIUM is None:
        _unavailable("chromium is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield browser
        browser.close()


@pytest.fixture
def live_server(app, session, sandbox, monkeypatch):
    """The test app on a loopback port, its links (OAuth redirects, QR contents) pointing at it."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", url)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield url
    server.shutdown()


class Shots:
    """Numbered screenshots of every page a test visits, per backend."""

    def __init__(self, page, folder: Path) -> None:
        self.page, self.folder, self.n = page, folder, 0
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.png"):
            old.unlink()

    def __call__(self, name: str) -> Path:
        self.n += 1
        path = self.folder / f"{self.n:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


def watch_csp(page) -> list[str]:
    """Chromium reports every Content-Security-Policy refusal on the console: collected, and asserted
    empty when the test ends (issue 19.9: the policy is one the pages actually satisfy)."""
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.csp_violations = violations
    return violations


@pytest.fixture
def phone(chromium, backend, request):
    """A phone-sized WeChat browser with geolocation granted (set per test with set_geolocation)."""
    context = chromium.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True,
        locale="zh-CN", permissions=["geolocation"], geolocation={"latitude": 0, "longitude": 0},
        user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
                   "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800322f) NetType/WIFI Language/zh_CN")
    context.set_default_timeout(15000)
    page = context.new_page()
    page.shots = Shots(page, SCREENSHOTS / backend / request.node.name.split("[")[0])
    violations = watch_csp(page)
    yield page
    context.close()
    assert violations == [], "pages broke their own Content-Security-Policy"


@pytest.fixture
def desk(chromium, backend, request):
    """A desktop browser, as a coordinator at the office uses the console; downloads accepted."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(15000)
    page = context.new_page()
    page.shots = Shots(page, SCREENSHOTS / backend / request.node.name.split("[")[0])
    violations = watch_csp(page)
    yield page
    context.close()
    assert violations == [], "pages broke their own Content-Security-Policy"


def desk_login(page, live_server: str, username: str) -> None:
    """The console's login form, as a coordinator fills it in (the factories' password)."""
    from tests.web import PASSWORD

    page.goto(f"{live_server}/console/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('登录')")


def answer(page, yes: bool = True) -> str:
    """The page's own question (behaviours.js's <dialog>, not the browser's confirm()): waits for it,
    answers 确定 (or the action's own word) or 取消, and returns what it asked."""
    dialog = page.locator("dialog.qc-dialog[open]")
    dialog.wait_for()
    asked = dialog.locator(".weui-dialog__bd").inner_text()
    dialog.locator(".weui-dialog__btn_primary" if yes else ".weui-dialog__btn_default").click()
    dialog.wait_for(state="detached")
    return asked
