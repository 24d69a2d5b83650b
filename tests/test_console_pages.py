"""The console's pages through HTTP, on both databases: codes, members, hours, team, projects,
pairing, dashboard, exports, 评议 and certificates; always scoped to the account's sub-tree."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re

import openpyxl
import pytest
import sqlalchemy as sa

from models import Organization, Project, RecordStatus, RegistrationCode, ServiceRecord
from runtime.extensions import protector
from services.organisations import pairing
from services.people import branches
from tests.factories import join, make_account, make_dated_project, make_member, make_tree, pair
from tests.web import console_login, csrf_token

UTC = dt.UTC


def _post(client, path, data=None, page="/console/"):
    return client.post(path, data={"csrf_token": csrf_token(client.get(page)), **(data or {})})


def _record(session, member, project, minutes, status=RecordStatus.approved, start=None, lat=None):
    start = start or dt.datetime.now(UTC) - dt.timedelta(days=1)
    record = ServiceRecord(project_id=project.id, member_id=member.id, status=status, signin_at=start,
                           signout_at=start + dt.timedelta(minutes=minutes), duration_minutes=minutes,
                           signin_lat=lat, signin_lng=None if lat is None else 116.4, signin_coord_system="wgs84" if lat else None)
    session.add(record)
    session.commit()
    return record


@pytest.fixture
def world(session):
    tree = make_tree(session)
    for org, name in ((tree.city, "beijing"), (tree.district, "dongcheng"), (tree.street, "donghuamen"),
                      (tree.community, "duofu"), (tree.community2, "shaojiu"), (tree.dept, "jisuanji"),
                      (tree.university, "bitedu")):
        make_account(session, org, name)
    return tree


def test_codes_generate_revoke_and_register(app, session, world):
    client = console_login(app, "dongcheng")
    response = _post(client, "/console/orgs/codes", {"count": "3"}, "/console/orgs")
    assert response.status_code == 302
    html = client.get("/console/orgs").get_data(as_text=True)
    codes = re.findall(r'<code class="reg-code">([A-Z0-9]+)</code>', html)
    assert len(codes) == 3 and "已生成 3 个注册码" in html and "未使用 3 个" in html
    bad = _post(client, "/console/orgs/codes", {"count": "9999"}, "/console/orgs")
    assert "一次可生成1至500个注册码" in client.get(bad.headers["Location"]).get_data(as_text=True)
    _post(client, f"/console/orgs/codes/{codes[0]}/revoke", page="/console/orgs")
    assert "已作废" in client.get("/console/orgs").get_data(as_text=True)

    public = app.test_client()
    form = {"code": codes[0], "name": "景山街道团工委", "kind": "street", "category": "urban",
            "username": "jingshan", "password": "abc12345"}
    refused = public.post("/console/register", data={**form, "csrf_token": csrf_token(public.get("/console/register"))})
    assert refused.status_code == 400 and "注册码无效" in refused.get_data(as_text=True)
    form["code"] = codes[1]
    done = public.post("/console/register", data={**form, "csrf_token": csrf_token(public.get("/console/register"))})
    assert done.status_code == 302 and done.headers["Location"] == "/console/login"
    assert "已使用：景山街道团工委" in client.get("/console/orgs").get_data(as_text=True)
    assert "景山街道团工委" in console_login(app, "jingshan").get("/console/").get_data(as_text=True)
    again = public.post("/console/register", data={**form, "username": "jingshan2",
                                                    "csrf_token": csrf_token(public.get("/console/register"))})
    assert again.status_code == 409 and "已被使用" in again.get_data(as_text=True)
    # A community can have only branches; a branch has no children, so no codes.
    assert session.scalar(sa.select(sa.func.count()).select_from(RegistrationCode)) == 3


def test_members_masked_applications_and_cadres(app, session, world):
    tree = world
    member = make_member(session, branch=tree.branch, cadre=True, born=dt.date(1990, 3, 3))
    newcomer = make_member(session)
    branches.apply(session, newcomer.id, tree.branch.id)
    phone = protector.decrypt(member.phone_enc)
    id_number = protector.decrypt(member.id_number_enc)
    client = console_login(app, "jisuanji")
    html = client.get("/console/members").get_data(as_text=True)
    assert phone not in html and id_number not in html
    assert phone[:3] + "****" + phone[-4:] in html and id_number[:6] + "********" + id_number[-4:] in html
    assert "超龄" in html and "待确认" in html and "加入「计算机学院2024级1班团支部」" in html
    found = client.get("/console/members", query_string={"q": phone}).get_data(as_text=True)
    assert "共 1 人" in found
    application = branches.pending_application(session, newcomer.id)
    # Another sub-tree cannot decide it; the department can.
    other = console_login(app, "shaojiu")
    denied = _post(other, f"/console/applications/{application.id}/accept")
    assert "只能审核本组织及下级团支部的申请" in other.get(denied.headers["Location"]).get_data(as_text=True)
    _post(client, f"/console/applications/{application.id}/accept")
    html = client.get("/console/members").get_data(as_text=True)
    assert "已同意" in html and "共 2 人" in html
    _post(client, f"/console/members/{member.id}/confirm-cadre")
    html = client.get("/console/members", query_string={"filter": "cadre_pending"}).get_data(as_text=True)
    assert "已确认" in html and "共 0 人" in html


def test_hours_batch_approval_with_flags(app, session, world):
    tree = world
    team = tree.team(session, tree.community)
    project = make_dated_project(session, tree, team)
    a, b, c = (make_member(session) for _ in range(3))
    at = dt.datetime.now(UTC).replace(second=0, microsecond=0) - dt.timedelta(hours=3)
    ra = _record(session, a, project, 120, RecordStatus.pending, at, lat=39.9)
    rb = _record(session, b, project, 120, RecordStatus.pending, at, lat=39.9)  # same point, same minute
    rc = _record(session, c, project, 800, RecordStatus.pending, at + dt.timedelta(minutes=5))
    client = console_login(app, "duofu")
    html = client.get("/console/hours").get_data(as_text=True)
    assert f"{project.title}（3）" in html and "同一分钟内多人从完全相同的坐标签到" in html
    assert "单次服务超过12小时" in html
    _post(client, f"/console/hours/{project.id}/decide", {"decision": "approve", "record": [str(ra.id), str(rc.id)]},
          "/console/hours")
    assert "已通过 2 条记录" in client.get("/console/hours").get_data(as_text=True)
    session.expire_all()
    assert session.get(ServiceRecord, ra.id).status == RecordStatus.approved
    # Another community's account cannot decide these; the street above can, all at once.
    other = console_login(app, "shaojiu")
    assert other.get(f"/console/hours?project={project.id}").status_code == 403
    street = console_login(app, "donghuamen")
    _post(street, f"/console/hours/{project.id}/decide", {"all": "approve"}, "/console/hours")
    session.expire_all()
    assert session.get(ServiceRecord, rb.id).status == RecordStatus.approved
    assert "没有待审核的记录" in client.get("/console/hours").get_data(as_text=True)


def test_team_site_binding_and_poster(app, session, world):
    tree = world
    team = tree.team(session, tree.community)
    client = console_login(app, "duofu")
    page = f"/console/teams/{team.id}"
    assert client.get(page).status_code == 200
    _post(client, f"{page}/site", {"lat": "39.93", "lng": "116.41", "coord_system": "gcj02", "radius_m": "200",
                                   "site_name": "多福巷社区居委会"}, page)
    session.expire_all()
    assert (team.site_lat, team.site_radius_m, team.site_name) == (39.93, 200, "多福巷社区居委会")
    _post(client, f"{page}/site", {"lat": "abc", "lng": "116", "coord_system": "gcj02", "radius_m": "200"}, page)
    assert "请填写数字形式" in client.get(page).get_data(as_text=True)
    _post(client, f"{page}/zyb", {"zyb_team_id": "T1001", "zyb_username": "duofu_zyb"}, page)
    assert "请填写志愿北京的团队密码" in client.get(page).get_data(as_text=True)
    _post(client, f"{page}/zyb", {"zyb_team_id": "T1001", "zyb_username": "duofu_zyb", "zyb_password": "s3cret!pw"}, page)
    html = client.get(page).get_data(as_text=True)
    assert "已绑定：志愿团队ID T1001" in html and "s3cret!pw" not in html
    session.expire_all()
    assert protector.decrypt(team.zyb_password_enc) == "s3cret!pw"
    poster = client.get(re.search(r'href="([^"]+)" id="poster-png"', html).group(1))
    assert poster.status_code == 200 and poster.mimetype == "image/png"
    assert console_login(app, "shaojiu").get(page).status_code == 403


def test_project_create_publish_and_timekeepers(app, session, world):
    tree = world
    client = console_login(app, "donghuamen")
    street_team = tree.team(session, tree.street)
    form = {"team": str(street_team.id), "title": "冬季扫雪", "starts_at": "2026-12-20T09:00",
            "ends_at": "2026-12-20T08:00", "lat": "39.92", "lng": "116.40", "coord_system": "gcj02",
            "radius_m": "300"}
    bad = _post(client, "/console/projects/new", form, "/console/projects/new")
    assert bad.status_code == 400 and "结束时间应晚于开始时间" in bad.get_data(as_text=True)
    created = _post(client, "/console/projects/new", {**form, "ends_at": "2026-12-20T12:00"}, "/console/projects/new")
    assert created.status_code == 302
    project = session.scalar(sa.select(Project).where(Project.title == "冬季扫雪"))
    assert project.starts_at == dt.datetime(2026, 12, 20, 1, 0, tzinfo=UTC)  # 09:00 Beijing
    detail = created.headers["Location"]
    _post(client, f"{detail}/publish", page=detail)
    assert "项目已发布" in client.get(detail).get_data(as_text=True)
    pair(session, tree, tree.dept, tree.street)
    assert "计算机学院团委" in client.get(detail).get_data(as_text=True)
    _post(client, f"{detail}/timekeepers", {"department": str(tree.dept.id)}, detail)
    assert "计时员已更新" in client.get(detail).get_data(as_text=True)
    _post(client, f"{detail}/timekeepers", {"department": str(tree.dept2.id)}, detail)
    assert "计时员须来自与本街道（乡镇）结对的院系" in client.get(detail).get_data(as_text=True)


def test_a_coordinator_edits_a_project_and_a_team_outside_cannot(app, session, world):
    """修改项目: the form shows the project as it is (Beijing times), a bad value is refused with the
    reason, a change is saved, another community's account is refused."""
    tree = world
    team = tree.team(session, tree.community)
    project = make_dated_project(session, tree, team, start=dt.datetime(2026, 12, 20, 1, 0, tzinfo=UTC))
    client = console_login(app, "duofu")
    page = f"/console/projects/{project.id}/edit"
    shown = client.get(page).get_data(as_text=True)
    assert "修改项目" in shown and 'value="2026-12-20T09:00"' in shown and project.title in shown
    form = {"title": "冬季扫雪（改期）", "starts_at": "2026-12-21T09:00", "ends_at": "2026-12-21T12:00",
            "lat": str(project.site_lat), "lng": str(project.site_lng), "coord_system": project.site_coord_system.value,
            "radius_m": "200", "capacity": "0"}
    refused = _post(client, page, form, page)
    assert refused.status_code == 400 and "招募人数" in refused.get_data(as_text=True)
    saved = _post(client, page, {**form, "capacity": "30"}, page)
    assert saved.status_code == 302 and "项目已修改" in client.get(saved.headers["Location"]).get_data(as_text=True)
    session.expire_all()
    changed = session.get(Project, project.id)
    assert (changed.title, changed.site_radius_m, changed.capacity) == ("冬季扫雪（改期）", 200, 30)
    assert changed.starts_at == dt.datetime(2026, 12, 21, 1, 0, tzinfo=UTC)
    other = console_login(app, "shaojiu")
    assert other.get(page).status_code == 403


def test_pairing_pages(app, session, world):
    tree = world
    code = pairing.issue_codes(session, tree.city.id, tree.university.id, "urban", 1)[0]
    university = console_login(app, "bitedu")
    _post(university, "/console/pairing/allocate", {"code": code, "department": str(tree.dept.id)}, "/console/pairing")
    department = console_login(app, "jisuanji")
    html = department.get("/console/pairing").get_data(as_text=True)
    assert code in html and "东华门街道团工委" in html and "长阳镇团委" not in html  # urban code: urban streets
    _post(department, "/console/pairing/pair", {"street": str(tree.street.id), "code": code}, "/console/pairing")
    html = department.get("/console/pairing").get_data(as_text=True)
    assert "已线上结对，请在三日内" in html and "院系未确认，街乡未确认" in html
    pair_id = re.search(r"/console/pairing/(\d+)/confirm", html).group(1)
    _post(department, f"/console/pairing/{pair_id}/confirm", page="/console/pairing")
    street = console_login(app, "donghuamen")
    html = street.get("/console/pairing").get_data(as_text=True)
    assert "计算机学院团委" in html and "院系已确认，街乡未确认" in html
    assert '<strong id="capacity-used">1</strong> / 5' in html and "调整名额" not in html
    _post(street, f"/console/pairing/{pair_id}/confirm", page="/console/pairing")
    assert "双方已确认" in street.get("/console/pairing").get_data(as_text=True)
    city = console_login(app, "beijing")
    assert "东华门街道团工委（城区，已结对 1 / 5）" in city.get("/console/pairing").get_data(as_text=True)
    _post(city, "/console/pairing/capacity", {"street": str(tree.street.id), "capacity": "9"}, "/console/pairing")
    assert "结对名额应为1至5" in city.get("/console/pairing").get_data(as_text=True)
    _post(city, "/console/pairing/capacity", {"street": str(tree.street.id), "capacity": "2"}, "/console/pairing")
    assert '<strong id="capacity-used">1</strong> / 2' in street.get("/console/pairing").get_data(as_text=True)
    page = street.get("/console/pairing").get_data(as_text=True)
    assert "解除后，「计算机学院团委」的团员不再计入本街道（乡镇）的到社区报到率" in page  # asked first (issue 37.3)
    _post(street, f"/console/pairing/{pair_id}/dissolve", page="/console/pairing")  # no reason: refused
    assert '<strong id="capacity-used">1</strong>' in street.get("/console/pairing").get_data(as_text=True)
    _post(street, f"/console/pairing/{pair_id}/dissolve", {"reason": "学院调整结对街道"}, "/console/pairing")
    assert '<strong id="capacity-used">0</strong>' in street.get("/console/pairing").get_data(as_text=True)
    seen = department.get("/console/pairing").get_data(as_text=True)
    assert "已解除" in seen and "学院调整结对街道" in seen  # the department sees why


def test_dashboard_refresh_and_scope(app, session, world, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    tree = world
    team = tree.team(session, tree.community)
    project = make_dated_project(session, tree, team)
    members = [make_member(session, branch=tree.branch2) for _ in range(4)]
    for member in members[:2]:
        join(session, member, team)
    client = console_login(app, "dongcheng")
    html = client.get("/console/").get_data(as_text=True)
    assert '<strong id="stat-members">4</strong>' in html and '<strong id="stat-reported">50.0%</strong>' in html
    assert '<strong id="stat-hours_ok">0.0%</strong>' in html and "<svg" in html
    _record(session, members[0], project, 1300)
    # Not stale yet: the page keeps the snapshot until 立即刷新 (or STATS_MAX_AGE_SECONDS).
    assert '<strong id="stat-hours_ok">0.0%</strong>' in client.get("/console/").get_data(as_text=True)
    _post(client, "/console/stats/refresh")
    assert '<strong id="stat-hours_ok">25.0%</strong>' in client.get("/console/").get_data(as_text=True)
    child = client.get(f"/console/?org={tree.street.id}")
    assert child.status_code == 200 and "东华门街道团工委 · 数据概览" in child.get_data(as_text=True)
    assert client.get(f"/console/?org={tree.university.id}").status_code == 403


def test_dashboard_chart_reads_and_leads_to_the_lists_behind_it(app, session, world, monkeypatch):
    """Issue 37.8: an axis 0–100 %, a value on every bar, the target line in the legend, each name opening
    that organisation's overview, and 「活动不足2次的社区」 opening the communities it counts."""
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    tree = world
    team = tree.team(session, tree.community)
    project = make_dated_project(session, tree, team, start=dt.datetime.now(UTC) - dt.timedelta(days=2))
    _record(session, make_member(session, branch=tree.branch2), project, 120)
    client = console_login(app, "dongcheng")
    _post(client, "/console/stats/refresh")
    html = client.get("/console/").get_data(as_text=True)
    chart = html.split('id="rates-chart"')[1].split("</svg>")[0]
    assert [t for t in ("0%", "25%", "50%", "75%", "100%") if f">{t}</text>" not in chart] == []
    bars, values = chart.count('height="10" class="bar-'), len(re.findall(r'class="value">(?:[\d.]+%|—)</text>', chart))
    assert bars == values > 0                                          # every bar says its value
    assert "注册志愿者率目标</text>" in chart and f'href="/console/?org={tree.street.id}' in chart
    short = re.search(r'<a id="short-communities" href="([^"]+)">(\d+) 个</a>', html)
    listed = client.get(short.group(1)).get_data(as_text=True)
    names = re.findall(r"<tr><td>([^<]+)</td><td>", listed.split('id="short-list"')[1])
    assert len(names) == int(short.group(2)) == 3                     # one activity is fewer than two
    assert set(names) == {tree.community.name, tree.community2.name, tree.village.name}
    outsider = console_login(app, "bitedu")
    assert outsider.get(f"/console/short-communities?org={tree.street.id}").status_code == 403


def test_exports_csv_and_excel(app, session, world, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    tree = world
    team = tree.team(session, tree.community)
    project = make_dated_project(session, tree, team)
    good = make_member(session, branch=tree.branch2, name="李雷")
    lazy = make_member(session, branch=tree.branch2, name="韩梅梅", volunteer=False)
    _record(session, good, project, 1300)
    _record(session, lazy, project, 90, RecordStatus.pending)
    client = console_login(app, "dongcheng")
    response = client.get("/console/exports/members.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "姓名" and {r[0]: r[7] for r in rows[1:]} == {"李雷": "21.6", "韩梅梅": "0.0"}  # 21 h 40 min, cut not rounded
    assert "21.6 小时" in client.get("/console/members", query_string={"q": "李雷"}).get_data(as_text=True)
    by_org = client.get(f"/console/exports/members.csv?org={tree.street.id}").get_data(as_text=True)
    assert "李雷" not in by_org and by_org.startswith("\ufeff姓名")  # the street has no members of its own
    assert client.get(f"/console/exports/members.csv?org={tree.university.id}").status_code == 403
    phone = protector.decrypt(good.phone_enc)
    assert phone not in response.get_data(as_text=True) and "filename*=UTF-8''" in response.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(client.get("/console/exports/review.xlsx?filter=not_excellent").data))
    values = list(book.active.values)
    assert values[0][:2] == ("姓名", "团员编号") and [(v[0], v[5]) for v in values[1:]] == [("韩梅梅", "否")]
    client.post("/console/stats/refresh", data={"csrf_token": csrf_token(client.get("/console/"))})
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/console/exports/rates.xlsx").data)).active
    rates = list(sheet.values)
    assert rates[1][0] == "东城区团委" and rates[1][2] == 2 and rates[1][8] == 0.5   # a number, not "50.0%" text
    assert sheet.cell(2, 9).number_format == "0.0%" and sheet.cell(2, 5).number_format == "0.0%"
    rates_csv = client.get("/console/exports/rates.csv").get_data(as_text=True)
    assert ",50.0%," in rates_csv.splitlines()[1]                                  # the CSV reads as the screen
    hours = client.get(f"/console/exports/project-hours.csv?project={project.id}").get_data(as_text=True)
    assert "李雷" in hours and "21.66" in hours and "待审核" in hours
    assert console_login(app, "shaojiu").get(f"/console/exports/project-hours.csv?project={project.id}").status_code == 403
    assert client.get(f"/console/exports/rates.csv?org={tree.university.id}").status_code == 403
    review = client.get("/console/review").get_data(as_text=True)
    assert "韩梅梅" in review and "未注册志愿者、年度服务不满20小时" in review and "李雷" not in review


def test_excel_exports_read_well(app, session, world, monkeypatch):
    """Issue 37.7: bold header frozen with a filter, widths that fit, numbers stored as numbers with the
    screen's format, the screen's words for empty cells, and the filter named in the file name."""
    tree = world
    make_member(session, branch=tree.branch2, name="欧阳娜娜", volunteer=False)
    client = console_login(app, "dongcheng")
    response = client.get("/console/exports/members.xlsx?filter=not_volunteer")
    disposition = response.headers["Content-Disposition"]
    from urllib.parse import unquote
    assert "未注册志愿者" in unquote(disposition.split("filename*=UTF-8''")[1])
    searched = client.get("/console/exports/members.xlsx?q=13800000000").headers["Content-Disposition"]
    assert "13800000000" not in unquote(searched) and "搜索结果" in unquote(searched)   # no phone in a file name
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:L2"
    assert all(sheet.cell(1, c).font.b for c in range(1, 13))
    assert sheet.column_dimensions["E"].width >= 10 and sheet.column_dimensions["A"].width >= 6
    row = [cell.value for cell in sheet[2]]
    assert row[0] == "欧阳娜娜" and row[9] == "—" and row[6] == "未报到" and row[8] == "本季度未参加"   # the screen's words
    assert row[7] == 0 and sheet.cell(2, 8).number_format == "0.0"


def test_certificate_for_a_member(app, session, world):
    tree = world
    team = tree.team(session, tree.community)
    project = make_dated_project(session, tree, team)
    member = make_member(session, branch=tree.branch2)
    _record(session, member, project, 240)
    client = console_login(app, "dongcheng")
    page = f"/console/members/{member.id}/certificate"
    today = dt.datetime.now(UTC).date().isoformat()
    done = _post(client, page, {"start": "2026-01-01", "end": today}, page)
    assert done.status_code == 302
    pdf = client.get(done.headers["Location"])
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    code = re.search(r"certificate-(\w+)\.pdf", pdf.headers["Content-Disposition"]).group(1)
    assert "4.0" in app.test_client().get(f"/verify/{code}").get_data(as_text=True)
    empty = _post(client, page, {"start": "2020-01-01", "end": "2020-02-01"}, page)
    assert empty.status_code == 400 and "没有已认证的志愿服务记录" in empty.get_data(as_text=True)
    other = console_login(app, "jisuanji")
    assert other.get(page).status_code == 403
    assert other.get(done.headers["Location"]).status_code == 404
    assert session.scalar(sa.select(sa.func.count()).select_from(Organization)) == 12


def test_the_member_list_pages_by_name_and_counts_cheaply(app, session, world, monkeypatch):
    """Keyset paging (issue 24.6): every member once, by name then id (two of the same name included),
    page after page; the whole sub-tree's total comes from the last recount, labelled with its time; a
    search counts up to a cap and then says "more than"."""
    import console.members
    from services.reporting import rosters, stats

    tree = world
    monkeypatch.setattr(console.members, "PAGE_SIZE", 2)
    for name in ("王五", "李四", "张三", "李四", "赵六"):
        make_member(session, branch=tree.branch, name=name)
    client = console_login(app, "jisuanji")
    seen, url = [], "/console/members"
    for _ in range(5):
        html = client.get(url).get_data(as_text=True)
        table = html.split('id="members"')[1].split("</table>")[0]
        seen += re.findall(r"<tr><td>([^<\s]+)", table)
        following = re.search(r'href="([^"]*after=[^"]*)">下一页', html)
        if following is None:
            break
        url = following.group(1).replace("&amp;", "&")
    ordered = sorted(["王五", "李四", "张三", "李四", "赵六"])  # the database's order here: by code point
    assert sorted(seen) == ordered and len(seen) == 5 and "第 5–5 名" in html and "第一页" in html
    assert "共 5 人" in html  # a small sub-tree: counted
    stats.refresh(session, tree.city)
    monkeypatch.setattr(rosters, "COUNT_CAP", 2)  # a large one: from the recount
    html = client.get("/console/members").get_data(as_text=True)
    assert re.search(r"约 5 人（\d\d-\d\d \d\d:\d\d 统计）", html), html.split('id="roster-total"')[1][:80]
    assert "超过 2 人" in client.get("/console/members", query_string={"filter": "volunteer"}).get_data(as_text=True)
    assert "共 1 人" in client.get("/console/members", query_string={"q": "张三"}).get_data(as_text=True)
    by_surname = client.get("/console/members", query_string={"q": "李"}).get_data(as_text=True)
    assert "共 2 人" in by_surname and "张三" not in by_surname.split('id="members"')[1]
    assert "共 0 人" in client.get("/console/members", query_string={"q": "四"}).get_data(as_text=True)  # from the start


def test_row10_the_project_link_and_its_qr_code_to_post_in_the_group(app, session, world):
    """Issue 38 row 10 (seed 000 新建志愿项目 → 链接): a published project's page shows its link to copy and
    a small QR code of it to download; a coordinator outside the project's team gets neither."""
    from PIL import Image
    from pyzbar.pyzbar import decode

    tree = world
    project = make_dated_project(session, tree, tree.team(session, tree.community),
                                 start=dt.datetime.now(UTC) + dt.timedelta(days=3))
    client = console_login(app, "duofu")
    page = client.get(f"/console/projects/{project.id}").get_data(as_text=True)
    link = f"{app.config['PUBLIC_BASE_URL']}/m/projects/{project.code}"
    assert 'id="project-link"' in page and f'value="{link}"' in page and 'data-copy="#link-text"' in page
    png = client.get(f"/console/projects/{project.id}/link.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert decode(Image.open(io.BytesIO(png.data)))[0].data.decode() == link
    download = client.get(f"/console/projects/{project.id}/link.png?download=1")
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert console_login(app, "shaojiu").get(f"/console/projects/{project.id}/link.png").status_code in (403, 404)
