"""The member list's counts ask only the joins their filter reads (issue 24.6); whatever the filter or
search, the count is the number of rows the list itself shows."""
import datetime as dt

import pytest
import sqlalchemy as sa

from models import RecordStatus, ServiceRecord
from services.reporting import rosters, stats
from services.volunteering import participation
from tests.factories import join, make_dated_project, make_member, make_tree


@pytest.fixture
def crowd(session):
    tree = make_tree(session)
    team = tree.team(session, tree.community)
    project = make_dated_project(session, tree, team, start=dt.datetime.now(dt.UTC) - dt.timedelta(days=2))
    people = [make_member(session, branch=tree.branch, name=name, volunteer=i % 2 == 0)
              for i, name in enumerate(("李雷", "韩梅梅", "李华", "王芳", "张伟"))]
    for member in people[0:3:2]:  # volunteers only may join a team
        join(session, member, team)
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    session.add(ServiceRecord(project_id=project.id, member_id=people[0].id, status=RecordStatus.approved,
                              signin_at=start, signout_at=start + dt.timedelta(hours=21),
                              duration_minutes=21 * 60))
    session.commit()
    return people


@pytest.mark.parametrize("filter_", [None, *rosters.FILTERS])
@pytest.mark.parametrize("q", ["", "李"])
def test_the_count_is_the_number_of_rows_shown(session, crowd, filter_, q):
    roster = rosters.search(sa.true(), year=stats.current_year(), periods=participation.own_periods(session), q=q, filter_=filter_)
    shown = list(rosters.iterate(session, roster))
    assert rosters.count_upto(session, roster) == (len(shown), False)
    assert len({row.id for row in shown}) == len(shown)
    # A page finds its ids first and joins their rows after: page by page, the same rows as the export.
    paged, after = [], None
    while batch := rosters.page(session, roster, limit=2, after=after):
        paged, after = paged + batch, batch[-1].id
    assert paged == shown


def test_the_hours_filters_read_each_members_year(session, crowd):
    year = stats.current_year()
    under = rosters.search(sa.true(), year=year, periods=participation.own_periods(session), filter_="under_target")
    assert [row.name for row in rosters.page(session, under, limit=10)] == ["张伟", "李华", "王芳", "韩梅梅"]
    assert rosters.count_upto(session, under) == (4, False)
    enough = rosters.page(session, rosters.search(sa.true(), year=year, periods=participation.own_periods(session), filter_="volunteer"), limit=10)
    assert {row.name: row.year_minutes for row in enough} == {"李雷": 21 * 60, "李华": 0, "张伟": 0}
    # 不可评优秀: not a volunteer, or under 20 h: everyone but 李雷
    assert rosters.count_upto(session, rosters.search(sa.true(), year=year, periods=participation.own_periods(session), filter_="not_excellent")) == (4, False)


def test_not_reported_are_those_without_a_community_team(session, crowd):
    roster = rosters.search(sa.true(), year=stats.current_year(), periods=participation.own_periods(session), filter_="not_reported")
    assert [row.name for row in rosters.page(session, roster, limit=10)] == ["张伟", "王芳", "韩梅梅"]
    listed = rosters.page(session, rosters.search(sa.true(), year=stats.current_year(), periods=participation.own_periods(session)), limit=10)
    assert {row.name for row in listed if row.team == "多福巷社区青年志愿者服务队"} == {"李雷", "李华"}
