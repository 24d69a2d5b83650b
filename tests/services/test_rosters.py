"""The member list's counts ask only the joins their filter reads (issue 24.6); whatever the filter or
search, the count is the number of rows the list itself shows."""
import datetime as dt

import pytest
import sqlalchemy as sa

from models import RecordStatus, ServiceRecord
from services import rosters, stats
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
    roster = rosters.search(sa.true(), year=stats.current_year(), q=q, filter_=filter_)
    shown = list(rosters.iterate(session, roster))
    assert rosters.count_upto(session, roster) == (len(shown), False)
    assert len({row.id for row in shown}) == len(shown)
