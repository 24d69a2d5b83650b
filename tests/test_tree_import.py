"""Onboarding the city in bulk (issue 36.4): a file of the organisation tree is checked row by row before
anything is written; the real run creates the organisations with their teams and long-term projects and
an admin invitation each; re-importing the same file changes nothing, a changed row updates, and a run
stopped half-way is finished by running it again; the console's journey (check, confirm, progress,
invitations) and the CLI. SQLite and PostgreSQL; the whole city's file is in bench/orgimport."""
from __future__ import annotations

import csv
import io
import re

import pytest
import sqlalchemy as sa

from bench.orgimport.generate import HEADER, csv_bytes, rows
from models import Organization, OrgKind, Project, Team
from services.organisations import tree_import
from tests.factories import make_account, make_tree
from tests.web import console_login, csrf_token


def _csv(lines: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADER, *lines])
    return buffer.getvalue().encode("utf-8")


def _count(session, kind=None) -> int:
    query = sa.select(sa.func.count()).select_from(Organization)
    return session.scalar(query.where(Organization.kind == kind) if kind else query)


def test_the_dry_run_names_every_rows_problem_and_writes_nothing(app, session):
    tree = make_tree(session)
    before = _count(session)
    planned = tree_import.plan(session, tree.city.id, tree_import.read_rows(_csv([
        ["新街道团工委", "街道", "东城区团委", "", "", "", ""],                    # 2: no category
        ["孤儿社区团组织", "社区", "不存在的街道", "", "", "", ""],                  # 3: unknown parent
        ["A社区团组织", "社区", "", "", "", "", ""],                                # 4: a city cannot have a community
        ["某某", "星球", "", "", "", "", ""],                                       # 5: bad kind
        ["通州区团委", "团区委", "", "", "", "王五", "call me"],                     # 6: bad phone
        ["北辰街道团工委", "街道", "通州区团委", "郊区", "", "", ""],                # 7: fine (parent earlier in the file)
        ["北辰街道团工委", "街道", "通州区团委", "郊区", "", "", ""],                # 8: twice under one parent
    ]), "tree.csv"))
    problems = {row.number: "；".join(row.problems) for row in planned.problems}
    assert "城区或郊区" in problems[2] and "不存在" in problems[3] and "不能建立社区团组织" in problems[4]
    assert "无法识别" in problems[5] and "联系电话" in problems[6] and "与第 7 行重复" in problems[8]
    assert 7 not in problems
    with pytest.raises(Exception, match="有 6 行有问题"):
        tree_import.apply(session, planned)
    assert _count(session) == before                                              # nothing written
    with pytest.raises(Exception, match="表头"):
        tree_import.read_rows(b"a,b\n1,2\n", "x.csv")


def test_the_cli_imports_a_city_shaped_tree_idempotently_and_resumes(app, session, sandbox, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "ORG_IMPORT_DIR", str(tmp_path / "imports"))
    monkeypatch.setitem(app.config, "GEOCODER_BASE_URL", app.config["WECHAT_API_BASE_URL"] + "/baidu")
    city = make_tree(session).city
    source = tmp_path / "beijing.csv"
    source.write_bytes(csv_bytes(0.02))
    expected = rows(0.02)
    before = _count(session)
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["orgs", "import", str(source), "--under", str(city.id), "--dry-run"])
    assert dry.exit_code == 0 and f"新建 {len(expected)}" in dry.output and _count(session) == before
    done = runner.invoke(args=["orgs", "import", str(source), "--under", str(city.id)])
    assert done.exit_code == 0, done.output
    assert f"新建 {len(expected)}" in done.output and _count(session) == before + len(expected)
    communities = session.scalars(sa.select(Organization).where(Organization.kind == OrgKind.community,
                                                                Organization.name.like("%街%社区团组织"))).all()
    assert len(communities) == sum(1 for r in expected if r[1] == "社区")
    team_of = {t.org_id: t for t in session.scalars(sa.select(Team).where(Team.org_id.in_([c.id for c in communities])))}
    assert len(team_of) == len(communities) and all(t.is_community and t.site_address for t in team_of.values())
    # Every team with an address was placed by it (issue 36.5): Baidu's BD-09 point, inside Beijing.
    assert all(t.site_coord_system.value == "bd09" and 39.8 < t.site_lat < 40.1 for t in team_of.values())
    assert "未能定位 0 个" in done.output
    assert session.scalar(sa.select(sa.func.count()).select_from(Project).where(
        Project.team_id.in_([t.id for t in team_of.values()]), Project.is_long_term)) == len(communities)
    invitations = list(csv.reader(io.StringIO((tmp_path / "beijing-invitations.csv").read_text(encoding="utf-8-sig"))))
    assert invitations[0][0] == "组织" and len(invitations) == 1 + len(expected)
    assert all(re.match(r"^http.*/console/join/\S+$", line[4]) and re.match(r"^\w{4}-\w{4}$", line[5])
               for line in invitations[1:])

    again = runner.invoke(args=["orgs", "import", str(source), "--under", str(city.id), "--out", str(tmp_path / "2.csv")])
    assert again.exit_code == 0 and "新建 0，更新 0" in again.output and _count(session) == before + len(expected)
    assert len((tmp_path / "2.csv").read_text(encoding="utf-8-sig").splitlines()) == 1   # no new invitations

    changed = [list(r) for r in expected]
    changed[3][5], changed[3][6] = "新联系人", "13800138000"
    (tmp_path / "changed.csv").write_bytes(_csv(changed))
    updated = runner.invoke(args=["orgs", "import", str(tmp_path / "changed.csv"), "--under", str(city.id)])
    assert "新建 0，更新 1，" in updated.output
    org = session.scalar(sa.select(Organization).where(Organization.name == changed[3][0]))
    session.refresh(org)
    assert org.contact_name == "新联系人"


def test_a_stopped_run_is_finished_by_running_it_again(app, session):
    city = make_tree(session).city
    records = tree_import.read_rows(csv_bytes(0.02), "beijing.csv")
    planned = tree_import.plan(session, city.id, records)
    before = _count(session)

    def stop_after_two_batches(done, made):
        if done >= 20:
            raise RuntimeError("the worker was killed")
    with pytest.raises(RuntimeError):
        tree_import.apply(session, planned, progress=stop_after_two_batches, batch=10)
    assert _count(session) == before + 20                                          # two batches landed
    again = tree_import.apply(session, tree_import.plan(session, city.id, records), batch=10)
    assert again["new"] == len(records) - 20 and again["unchanged"] == 20
    assert _count(session) == before + len(records)


def test_the_console_checks_imports_and_hands_back_the_invitations(app, session, sandbox, tmp_path, monkeypatch,
                                                                   caplog):
    monkeypatch.setitem(app.config, "REDIS_URL", None)   # the job runs inline, as under `make run`
    monkeypatch.setitem(app.config, "ORG_IMPORT_DIR", str(tmp_path / "imports"))
    monkeypatch.setitem(app.config, "GEOCODER_BASE_URL", app.config["WECHAT_API_BASE_URL"] + "/baidu")
    tree = make_tree(session)
    make_account(session, tree.district, "dongcheng")
    make_account(session, tree.street, "donghuamen")
    district = console_login(app, "dongcheng")
    page = district.get("/console/orgs/import")
    assert page.status_code == 200 and "下载模板" in page.get_data(as_text=True)
    template = district.get("/console/orgs/import/template.csv")
    assert template.status_code == 200 and "名称,类别,上级" in template.get_data(as_text=True)
    bad = district.post("/console/orgs/import", data={"csrf_token": csrf_token(page), "file": (io.BytesIO(_csv([
        ["王府井社区团组织", "社区", "东华门街道团工委", "", "", "", ""],
        ["孤儿社区团组织", "社区", "不存在", "", "", "", ""]])), "tree.csv")}, content_type="multipart/form-data")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and 'id="problems">1<' in html and "确认导入" not in html
    good = district.post("/console/orgs/import", data={"csrf_token": csrf_token(page), "file": (io.BytesIO(_csv([
        ["王府井社区团组织", "社区", "东华门街道团工委", "", "北京市东城区王府井1号", "钱多多", "13900001111"],
        ["无址社区团组织", "社区", "东华门街道团工委", "", "某个不存在的地方", "", ""]])),
        "tree.csv")}, content_type="multipart/form-data")
    html = good.get_data(as_text=True)
    assert good.status_code == 200 and 'id="new">2<' in html
    apply_url = re.search(r'action="(/console/orgs/import/[^"]+/apply)"', html).group(1)
    street = console_login(app, "donghuamen")                                     # not the importer
    assert street.post(apply_url, data={"csrf_token": csrf_token(street.get("/console/"))}).status_code in (403, 404)
    started = district.post(apply_url, data={"csrf_token": csrf_token(page)})
    progress = district.get(started.headers["Location"]).get_data(as_text=True)
    assert 'data-status="done"' in progress and "新建 2" in progress and "按地址定位服务场地 1 个" in progress
    unplaced = district.get(re.search(r'id="unplaced" href="([^"]+)"', progress).group(1)).get_data(as_text=True)
    assert "无址社区团组织" in unplaced and "某个不存在的地方" in unplaced
    invitations = district.get(re.search(r'id="invitations" href="([^"]+)"', progress).group(1))
    lines = list(csv.reader(io.StringIO(invitations.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(lines) == 3 and lines[1][0] == "王府井社区团组织" and lines[1][3] == "钱多多" and "/console/join/" in lines[1][4]
    org = session.scalar(sa.select(Organization).where(Organization.name == "王府井社区团组织"))
    assert org.parent_id == tree.street.id
    placed = session.scalar(sa.select(Team).where(Team.org_id == org.id))
    assert placed.site_coord_system.value == "bd09" and placed.site_lat is not None
    assert street.get(re.search(r'id="invitations" href="([^"]+)"', progress).group(1)).status_code in (403, 404)


def test_a_coordinator_finds_the_site_from_its_address(app, session, sandbox, monkeypatch):
    """Issue 36.5: 按地址定位 puts the geocoder's point into the site form, converted to the team's own
    coordinate system, for the coordinator to check on the map and save; nothing is saved before."""
    import geo

    monkeypatch.setitem(app.config, "GEOCODER_BASE_URL", app.config["WECHAT_API_BASE_URL"] + "/baidu")
    tree = make_tree(session)
    make_account(session, tree.community, "duofu")
    team = tree.team(session, tree.community)
    before = (team.site_lat, team.site_lng, team.site_coord_system.value)
    client = console_login(app, "duofu")
    page = client.get(f"/console/teams/{team.id}")
    found = client.post(f"/console/teams/{team.id}/locate", data={"csrf_token": csrf_token(page),
                                                                  "site_address": "北京市东城区多福巷23号"})
    html = found.get_data(as_text=True)
    assert found.status_code == 200 and 'id="found"' in html and "api.map.baidu.com/marker" in html
    lat = float(re.search(r'name="lat" value="([0-9.]+)"', html).group(1))
    lng = float(re.search(r'name="lng" value="([0-9.]+)"', html).group(1))
    asked = sandbox.calls_to("baidu/geocoding")[-1].params
    assert asked["address"] == "北京市东城区多福巷23号"
    bd = geo.convert(lat, lng, before[2], "bd09")                       # the form holds the team's system
    assert abs(bd[0] - 39.85) < 0.2 and abs(bd[1] - 116.4) < 0.2
    session.expire_all()
    assert (team.site_lat, team.site_lng) == before[:2]                  # not saved until confirmed
    missing = client.post(f"/console/teams/{team.id}/locate", data={"csrf_token": csrf_token(page),
                                                                    "site_address": "不存在的地址"})
    assert "未能按地址找到位置" in client.get(missing.headers["Location"]).get_data(as_text=True)
