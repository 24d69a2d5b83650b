"""团员评议 results (优秀 refused with the reason below 20 h or unregistered, the year closed, exported),
入团积极分子 (flag, filter, dashboard line, the 入团志愿书 statement) and the targets page."""
import datetime as dt

import pytest
import sqlalchemy as sa

from models import Project, RecordStatus, ReviewResult, ServiceRecord
from services.kernel.beijing_time import BEIJING
from services.kernel.errors import Conflict, Forbidden, Invalid
from services.reporting import stats
from services.volunteering import reviews
from tests.factories import make_account, make_member, make_tree
from tests.web import console_login, csrf_token


def _minutes(session, tree, member, minutes, *, year=None):
    team = tree.team(session, tree.community)
    project = session.scalar(sa.select(Project).where(Project.team_id == team.id))
    start = dt.datetime((year or stats.current_year()), 3, 1, 9, tzinfo=BEIJING)
    session.add(ServiceRecord(project_id=project.id, member_id=member.id, status=RecordStatus.approved,
                              signin_at=start, signout_at=start + dt.timedelta(minutes=minutes),
                              duration_minutes=minutes))
    session.commit()


def test_excellent_needs_a_volunteer_with_twenty_hours_and_a_closed_year_stands(session):
    tree = make_tree(session)
    year = stats.current_year()
    short, enough, unregistered = (make_member(session, branch=tree.branch), make_member(session, branch=tree.branch),
                                   make_member(session, branch=tree.branch, volunteer=False))
    _minutes(session, tree, short, 20 * 60 - 1)   # 19 h 59 min
    _minutes(session, tree, enough, 20 * 60)
    _minutes(session, tree, unregistered, 30 * 60)
    with pytest.raises(Invalid, match="年度服务不满20小时（.*19.9 小时）"):
        reviews.record(session, tree.branch.id, short.id, year, "excellent")
    with pytest.raises(Invalid, match="未注册志愿者"):
        reviews.record(session, tree.branch.id, unregistered.id, year, ReviewResult.excellent)
    assert reviews.record(session, tree.branch.id, enough.id, year, "excellent").result == ReviewResult.excellent
    assert reviews.record(session, tree.dept.id, short.id, year, "qualified").result == ReviewResult.qualified
    with pytest.raises(Forbidden):
        reviews.record(session, tree.branch2.id, short.id, year, "qualified")
    with pytest.raises(Invalid):
        reviews.record(session, tree.branch.id, short.id, year + 1, "qualified")
    with pytest.raises(Forbidden, match="团支部"):
        reviews.close_year(session, tree.dept.id, year)
    reviews.close_year(session, tree.branch.id, year)
    with pytest.raises(Conflict, match="已结束"):
        reviews.record(session, tree.branch.id, short.id, year, "basic")
    # The previous year is its own: 20 h last year do not make this year's 优秀, nor the reverse.
    assert reviews.excellent_refusal(session, enough, year - 1) is not None


def test_review_page_records_closes_and_exports(app, session):
    tree = make_tree(session)
    make_account(session, tree.branch, "cs2024")
    member = make_member(session, branch=tree.branch, name="林黛玉")
    _minutes(session, tree, member, 21 * 60)
    client = console_login(app, "cs2024")
    page = client.get("/console/review?filter=")
    assert "林黛玉" in page.get_data(as_text=True) and "结束" in page.get_data(as_text=True)
    year = stats.current_year()
    saved = client.post(f"/console/review/{member.id}", data={"csrf_token": csrf_token(page), "year": str(year),
                                                              "result": "excellent"})
    assert "已录入" in client.get(saved.headers["Location"]).get_data(as_text=True)
    export = client.get("/console/exports/review.csv?filter=").get_data(as_text=True)
    assert f"{year}年评议结果" in export and "优秀" in export
    client.post("/console/review/close", data={"csrf_token": csrf_token(page), "year": str(year)})
    closed = client.get("/console/review?filter=").get_data(as_text=True)
    assert "评议已结束" in closed and "<select name=\"result\"" not in closed


def test_activists_flag_filter_statement_and_dashboard(app, session):
    tree = make_tree(session)
    make_account(session, tree.branch, "cs2024")
    activist = make_member(session, branch=tree.branch, name="贾宝玉", volunteer=False)
    make_member(session, branch=tree.branch, name="薛宝钗")
    client = console_login(app, "cs2024")
    page = client.get("/console/members")
    client.post(f"/console/members/{activist.id}/activist", data={"csrf_token": csrf_token(page), "activist": "1"})
    listed = client.get("/console/members?filter=activist").get_data(as_text=True)
    assert "贾宝玉" in listed and "薛宝钗" not in listed and "入团积极分子" in listed
    assert "贾宝玉" in client.get("/console/members?filter=activist_not_volunteer").get_data(as_text=True)
    session.refresh(activist)
    activist.activist_since = dt.date(stats.current_year(), 1, 1)  # marked in January
    session.commit()
    _minutes(session, tree, activist, 150)
    statement = client.get(f"/console/members/{activist.id}/activist-statement")
    html = statement.get_data(as_text=True)
    assert statement.status_code == 200 and 'id="total-hours">2.5<' in html and "入团志愿书" in html
    stats.refresh(session, tree.university)
    board = client.get("/console/").get_data(as_text=True)
    assert 'id="stat-activist_volunteers">0.0%' in board and "目标 100%" in board
    other = make_member(session, branch=tree.branch2)
    assert client.get(f"/console/members/{other.id}/activist-statement").status_code == 403


def test_targets_page_sets_a_year_and_the_dashboard_says_so(app, session):
    tree = make_tree(session)
    make_account(session, tree.city, "beijing")
    make_member(session, branch=tree.branch2)
    client = console_login(app, "beijing")
    page = client.get("/console/targets")
    assert "<title>考核目标 · 青春志愿</title>" in page.get_data(as_text=True)
    year = stats.current_year()
    client.post("/console/targets", data={"csrf_token": csrf_token(page), "org": str(tree.city.id),
                                          "year": str(year), "percent": "75"})
    assert "75%" in client.get("/console/targets").get_data(as_text=True)
    bad = client.post("/console/targets", data={"csrf_token": csrf_token(page), "org": str(tree.city.id),
                                                "year": str(year), "percent": "150"})
    assert "1～100 之间的整数" in client.get(bad.headers["Location"]).get_data(as_text=True)
    board = client.get("/console/").get_data(as_text=True)
    assert f"目标 75%（{year}年设定）" in board and "无考核目标" in board
