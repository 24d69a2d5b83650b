"""Progress over time (issue 38 row 5): each recount leaves the day's totals of every organisation that
has others under it; the dashboard shows the trend, and the progress table (every two days, seeds 001
and 003 定期公布) compares each sub-organisation with two days before, as a page and a file."""
from __future__ import annotations

import datetime as dt
import io

import openpyxl
import sqlalchemy as sa

from models import OrgStatsDay
from services.kernel.beijing_time import BEIJING
from services.people import members
from services.reporting import history, stats
from tests.factories import make_account, make_member, make_tree
from tests.web import console_login


def test_row5_the_days_totals_the_trend_and_the_progress_table(app, session):
    tree = make_tree(session)
    make_account(session, tree.city, "beijing")
    people = [make_member(session, branch=tree.branch2, volunteer=False) for _ in range(4)]
    today = dt.datetime.now(BEIJING).date()
    two_days_ago = dt.datetime.combine(today - dt.timedelta(days=2), dt.time(10), tzinfo=BEIJING)
    stats.refresh(session, tree.city, now=two_days_ago)
    for member in people[:3]:
        members.register_volunteer(session, member.id)
    stats.refresh(session, tree.city)

    rows = session.scalars(sa.select(OrgStatsDay).where(OrgStatsDay.org_id == tree.district.id)
                           .order_by(OrgStatsDay.day)).all()
    assert [(r.day, r.members, r.volunteers) for r in rows] == [(today - dt.timedelta(days=2), 4, 0), (today, 4, 3)]
    assert session.scalar(sa.select(sa.func.count()).where(OrgStatsDay.org_id == tree.branch2.id)) == 0  # not branches
    trend = history.trend(session, tree.city)
    assert [round(d.rate("volunteers"), 2) for d in trend] == [0.0, 0.75]

    report = history.progress(session, tree.city)
    district = next(line for line in report.lines if line.org.id == tree.district.id)
    assert report.since == today - dt.timedelta(days=2) and round(district.change("volunteers"), 1) == 75.0

    console = console_login(app, "beijing")
    overview = console.get("/console/").get_data(as_text=True)
    assert 'id="trend"' in overview and "75.0%" in overview and 'id="progress-link"' in overview
    page = console.get("/console/progress").get_data(as_text=True)
    assert "东城区团委" in page and "（+75.0）" in page
    sheet = openpyxl.load_workbook(io.BytesIO(console.get("/console/exports/progress.xlsx").data)).active
    header = [c.value for c in sheet[1]]
    district_row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == "东城区团委")
    assert header[:4] == ["组织", "团员", "注册志愿者率", "注册志愿者率变化（百分点）"]
    assert district_row[1] == 4 and district_row[2] == 0.75 and district_row[3] == 75.0
    assert console.get("/console/progress?every=abc").status_code == 400
