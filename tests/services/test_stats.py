"""Dashboard counts: the rates of a sub-tree, league age apart, the Beijing year, ranking and targets."""
import datetime as dt

import pytest
import sqlalchemy as sa

from models import Project, RecordStatus, ServiceRecord
from services.kernel.errors import Forbidden, Invalid
from services.organisations import targets
from services.people import members
from services.reporting import stats
from services.volunteering import reviews
from tests.factories import join, make_member, make_tree

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 22, 4, 0, tzinfo=UTC)


def _hours(session, member, project, start, minutes):
    session.add(ServiceRecord(project_id=project.id, member_id=member.id, status=RecordStatus.approved,
                              signin_at=start, signout_at=start + dt.timedelta(minutes=minutes),
                              duration_minutes=minutes))
    session.commit()


def test_rates_of_a_sub_tree(session):
    tree = make_tree(session)
    team = tree.team(session, tree.community)
    project = session.scalar(sa.select(Project).where(Project.team_id == team.id))
    # branch (university): 3 in league age, one over age; branch2 (district): 1.
    a = make_member(session, branch=tree.branch)
    b = make_member(session, branch=tree.branch, volunteer=False)
    make_member(session, branch=tree.branch)
    old = make_member(session, branch=tree.branch, born=dt.date(1990, 1, 1))
    d = make_member(session, branch=tree.branch2)
    join(session, a, team)
    join(session, d, team)
    _hours(session, a, project, dt.datetime(2026, 3, 1, 1, tzinfo=UTC), 1200)   # 20 h in 2026
    _hours(session, b, project, dt.datetime(2026, 3, 1, 1, tzinfo=UTC), 600)
    _hours(session, b, project, dt.datetime(2025, 12, 31, 17, tzinfo=UTC), 600)  # 2026-01-01 01:00 Beijing
    _hours(session, d, project, dt.datetime(2025, 12, 31, 15, tzinfo=UTC), 1500)  # still 2025 in Beijing
    _hours(session, old, project, dt.datetime(2026, 3, 1, 1, tzinfo=UTC), 1500)
    written = stats.refresh(session, tree.city, now=NOW)
    assert written == session.scalar(sa.select(sa.func.count()).select_from(stats.OrgStats))

    city = stats.dashboard(session, tree.city)
    assert (city.year, city.total.counts) == (2026, stats.Counts(members=4, volunteers=3, reported=2,
                                                                   hours_ok=2, over_age=1, short_communities=3))
    by_name = {line.name: line for line in city.children}
    university, district = by_name["北京理工大学团委"], by_name["东城区团委"]
    assert university.counts == stats.Counts(3, 2, 1, 2, 1) and university.target == 0.95
    assert district.counts == stats.Counts(1, 1, 1, 0, 0, short_communities=3) and district.target == 0.90
    assert university.below("volunteers") and not district.below("volunteers")
    assert not district.below("hours_ok") and district.target_of("hours_ok") is None  # no target in the notices
    assert [line.name for line in city.ranked("hours_ok")] == ["北京理工大学团委", "东城区团委"]

    # A district's dashboard is its own sub-tree only; the university is not in it.
    district_board = stats.dashboard(session, tree.district)
    assert district_board.total.counts == stats.Counts(1, 1, 1, 0, 0, short_communities=3)
    ranked = district_board.ranked("reported")
    assert ranked[0].name == "东城区机关团支部" and ranked[0].counts.rate("reported") == 1.0
    assert ranked[-1].counts.rate("reported") is None  # no members: ranked last, neither 0 % nor 100 %


def test_confirmed_cadre_counts_and_refresh_replaces(session):
    tree = make_tree(session)
    old = make_member(session, branch=tree.branch, born=dt.date(1990, 1, 1), cadre=True)
    stats.refresh(session, tree.dept, now=NOW)
    assert stats.dashboard(session, tree.dept).total.counts == stats.Counts(over_age=1)
    members.confirm_cadre(session, tree.dept.id, old.id)
    assert not stats.is_stale(session, tree.dept, 600, now=NOW + dt.timedelta(seconds=599))
    assert stats.is_stale(session, tree.dept, 600, now=NOW + dt.timedelta(seconds=601))
    stats.refresh(session, tree.dept, now=NOW + dt.timedelta(minutes=1))
    assert stats.dashboard(session, tree.dept).total.counts == stats.Counts(members=1, volunteers=1)
    assert stats.is_stale(session, tree.university, 600)  # never counted above the department


def test_over_age_cutoff_is_the_same_rule_as_league_status():
    today = dt.date(2026, 11, 22)
    cutoff = stats.over_age_cutoff(today)
    assert cutoff == dt.date(1998, 11, 22)
    assert stats.over_age_cutoff(dt.date(2028, 2, 29)) == dt.date(2000, 2, 29)
    assert stats.over_age_cutoff(dt.date(2128, 2, 29)) == dt.date(2100, 2, 28)  # 2100 has no 29 February


def test_league_age_ends_on_the_28th_birthday_in_beijing_time_on_the_dashboards_too(session):
    """年满28周岁: 超龄 from the birthday itself (Beijing date), not from 29; a snapshot of the day
    before is stale after Beijing midnight, so the dashboards change on the birthday too."""
    tree = make_tree(session)
    member = make_member(session, branch=tree.branch2, born=dt.date(1998, 11, 23))
    eve = dt.datetime(2026, 11, 22, 15, 59, tzinfo=UTC)       # 23:59 on the 22nd in Beijing
    birthday = dt.datetime(2026, 11, 22, 16, 1, tzinfo=UTC)   # 00:01 on the 23rd in Beijing
    assert members.league_status(member, dt.date(2026, 11, 22)) == "member"
    assert members.league_status(member, dt.date(2026, 11, 23)) == "over_age"
    stats.refresh(session, tree.district, now=eve)
    assert stats.dashboard(session, tree.district).total.counts == stats.Counts(members=1, volunteers=1,
                                                                                short_communities=3)
    assert stats.is_stale(session, tree.district, 3600, now=birthday)  # two minutes old, but yesterday's
    stats.refresh(session, tree.district, now=birthday)
    assert stats.dashboard(session, tree.district).total.counts == stats.Counts(over_age=1, short_communities=3)


def test_registration_targets_are_configuration_nearest_above_wins(session):
    """Tianjin's 50 / 75 / 95 % by year (seed 003) as targets set on a city for years; Anhui's 90 % for
    universities (seed 004) set on a university; a year without one falls back to the seeds' defaults."""
    tree = make_tree(session)
    make_member(session, branch=tree.branch2)
    year = stats.current_year()
    stats.refresh(session, tree.city)
    assert stats.dashboard(session, tree.city).total.target == 0.90
    targets.set_target(session, tree.city.id, tree.city.id, year, 75)
    targets.set_target(session, tree.city.id, tree.city.id, year - 1, 50)
    targets.set_target(session, tree.university.id, tree.university.id, year, 90)
    board = stats.dashboard(session, tree.city)
    by_name = {line.name: line for line in board.children}
    assert (board.total.target, board.total.target_set) == (0.75, True)
    assert by_name["东城区团委"].target == 0.75 and by_name["北京理工大学团委"].target == 0.90
    assert stats.dashboard(session, tree.dept).total.target == 0.90      # the university's, nearest above
    targets.set_target(session, tree.city.id, tree.university.id, year, None)
    assert stats.dashboard(session, tree.dept).total.target == 0.75      # now the city's
    with pytest.raises(Forbidden):
        targets.set_target(session, tree.university.id, tree.city.id, year, 60)
    with pytest.raises(Invalid):
        targets.set_target(session, tree.city.id, tree.city.id, year, 120)


def test_activists_are_counted_against_a_hundred_percent(session):
    tree = make_tree(session)
    registered, not_yet = make_member(session, branch=tree.branch), make_member(session, branch=tree.branch, volunteer=False)
    for person in (registered, not_yet):
        reviews.set_activist(session, tree.branch.id, person.id, True)
    stats.refresh(session, tree.university)
    total = stats.dashboard(session, tree.university).total
    assert (total.counts.activists, total.counts.activist_volunteers) == (2, 1)
    assert total.counts.rate("activist_volunteers") == 0.5 and total.below("activist_volunteers")
