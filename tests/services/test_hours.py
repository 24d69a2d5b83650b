import datetime as dt

import pytest
import sqlalchemy as sa

from models import Project, RecordStatus, ServiceRecord
from services.volunteering import hours
from tests.factories import make_member, make_tree

UTC = dt.UTC


def _record(session, member, project, start, minutes, status=RecordStatus.approved):
    session.add(ServiceRecord(project_id=project.id, member_id=member.id, status=status, signin_at=start,
                              signout_at=start + dt.timedelta(minutes=minutes), duration_minutes=minutes))
    session.commit()


@pytest.fixture
def setup(session):
    tree = make_tree(session)
    member = make_member(session)
    team = tree.team(session, tree.community)
    project = session.scalar(sa.select(Project).where(Project.team_id == team.id))
    return member, project


def test_only_approved_hours_count(session, setup):
    member, project = setup
    start = dt.datetime(2026, 5, 1, 1, tzinfo=UTC)
    _record(session, member, project, start, 180)
    for offset, status in enumerate([RecordStatus.pending, RecordStatus.rejected, RecordStatus.missing_signout]):
        _record(session, member, project, start + dt.timedelta(days=offset + 1), 600, status)
    summary = hours.summary(session, member.id, year=2026)
    assert (summary.year_hours, summary.total_hours, summary.star) == (3.0, 3.0, 0)
    assert summary.year_progress == pytest.approx(0.15) and not summary.year_target_met


def test_the_year_is_beijings(session, setup):
    member, project = setup
    # 2026-12-31 16:30 UTC is 2027-01-01 00:30 in Beijing.
    _record(session, member, project, dt.datetime(2026, 12, 31, 16, 30, tzinfo=UTC), 120)
    _record(session, member, project, dt.datetime(2026, 12, 31, 15, 30, tzinfo=UTC), 60)
    assert hours.summary(session, member.id, year=2027).year_minutes == 120
    assert hours.summary(session, member.id, year=2026).year_minutes == 60
    now = dt.datetime(2026, 12, 31, 17, 0, tzinfo=UTC)
    assert hours.summary(session, member.id, now=now).year == 2027


def test_twenty_hours_and_star_levels(session, setup):
    member, project = setup
    start = dt.datetime(2020, 1, 4, 1, tzinfo=UTC)
    for week in range(50):  # 50 × 2 h = 100 h, all in 2020
        _record(session, member, project, start + dt.timedelta(weeks=week), 120)
    _record(session, member, project, dt.datetime(2026, 3, 1, 1, tzinfo=UTC), 20 * 60)
    summary = hours.summary(session, member.id, year=2026)
    assert summary.year_target_met and summary.year_progress == 1.0
    assert (summary.total_hours, summary.star, summary.next_star_hours) == (120.0, 1, 300)
    assert summary.as_dict()["year_target_hours"] == 20


@pytest.mark.parametrize("total_hours, star", [(0, 0), (99.9, 0), (100, 1), (299, 1), (300, 2), (600, 3),
                                              (999, 3), (1000, 4), (1500, 5), (4000, 5)])
def test_star_thresholds(total_hours, star):
    assert hours.star_level(round(total_hours * 60)) == star
