"""The tree import in Chromium (issue 36.4): a district uploads its tree, reads the check (a refused file
first, then a good one), confirms in the page's dialog, sees the import done and downloads the admins'
invitations. SQLite and PostgreSQL, under the Content-Security-Policy."""
from __future__ import annotations

import csv
import io

from tests.browser.conftest import answer, desk_login
from tests.factories import make_account, make_tree

HEADER = ["名称", "类别", "上级", "城乡", "地址", "联系人", "联系电话"]


def _file(tmp_path, name: str, lines: list[list[str]]):
    path = tmp_path / name
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADER, *lines])
    path.write_text(buffer.getvalue(), encoding="utf-8-sig")
    return path


def test_a_district_imports_its_tree(app, session, live_server, desk, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)   # the job runs inline, as under `make run`
    monkeypatch.setitem(app.config, "ORG_IMPORT_DIR", str(tmp_path / "imports"))
    tree = make_tree(session)
    make_account(session, tree.district, "dongcheng")
    street = tree.street.name
    page, shot = desk, desk.shots
    desk_login(page, live_server, "dongcheng")
    page.click("nav >> text=下级组织")
    page.click("#import-link")
    page.set_input_files("input[name=file]", str(_file(tmp_path, "bad.csv", [["孤儿社区团组织", "社区", "没有这个街道", "", "", "", ""]])))
    page.click("button:has-text('检查')")
    page.wait_for_selector("#problem-rows")
    assert "不存在" in page.inner_text("#problem-rows") and page.locator("#apply").count() == 0
    shot("import-refused")
    good = _file(tmp_path, "good.csv", [["北新桥街道团工委", "街道", "", "城区", "", "赵六", "13900002222"],
                                        ["民安社区团组织", "社区", "北新桥街道团工委", "", "北京市东城区民安小区", "孙七", "13900003333"],
                                        ["王府井社区团组织", "社区", street, "", "", "钱八", "13900004444"]])
    page.set_input_files("input[name=file]", str(good))
    page.click("button:has-text('检查')")
    page.wait_for_selector("#apply")
    assert page.inner_text("#new") == "3" and page.inner_text("#problems") == "0"
    shot("import-checked")
    page.click("#apply")
    assert "将新建 3 个组织" in answer(page)
    page.wait_for_selector("#import-status[data-status=done]")
    shot("import-done")
    with page.expect_download() as download:
        page.click("#invitations")
    lines = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    assert [line[0] for line in lines[1:]] == ["北新桥街道团工委", "民安社区团组织", "王府井社区团组织"]
    assert all("/console/join/" in line[4] for line in lines[1:])
