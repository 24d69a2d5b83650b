import pytest
import sqlalchemy as sa

from models import Enrolment, EnrolmentStatus
from services.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from services.volunteering import enrolment, projects
from tests.factories import join, make_member, make_project_input, make_tree


@pytest.fixture
def world(session):
    tree = make_tree(session)
    team = tree.team(session, tree.community)
    project = projects.create_project(session, tree.community.id, team.id, make_project_input(capacity=2))
    projects.publish_project(session, tree.community.id, project.id)
    people = [make_member(session) for _ in range(4)]
    for person in people:
        join(session, person, team)
    return tree, team, project, people


def test_capacity_then_waitlist_then_moving_up(session, world):
    tree, team, project, people = world
    results = [enrolment.enrol(session, p.id, project.id) for p in people]
    assert [r.enrolment.status for r in results] == [EnrolmentStatus.enrolled] * 2 + [EnrolmentStatus.waitlisted] * 2
    assert [r.waitlist_position for r in results] == [None, None, 1, 2]
    again = enrolment.enrol(session, people[0].id, project.id)
    assert not again.created and again.enrolment.id == results[0].enrolment.id
    promoted = enrolment.withdraw(session, people[1].id, project.id)
    assert promoted.member_id == people[2].id and promoted.status == EnrolmentStatus.enrolled
    assert enrolment.waitlist_position(session, results[3].enrolment) == 1
    # Coming back after withdrawing queues at the end.
    back = enrolment.enrol(session, people[1].id, project.id)
    assert back.enrolment.status == EnrolmentStatus.waitlisted and back.waitlist_position == 2
    with pytest.raises(NotFound):
        enrolment.withdraw(session, make_member(session).id, project.id)


def test_refusals_carry_a_reason(session, world):
    tree, team, project, people = world
    stranger = make_member(session)
    with pytest.raises(Forbidden, match="请先扫码加入服务队"):
        enrolment.enrol(session, stranger.id, project.id)
    non_volunteer = make_member(session, volunteer=False)
    with pytest.raises(Invalid, match="志愿者"):
        enrolment.enrol(session, non_volunteer.id, project.id)
    draft = projects.create_project(session, tree.community.id, team.id, make_project_input())
    with pytest.raises(Conflict, match="未发布"):
        enrolment.enrol(session, people[0].id, draft.id)
    projects.close_project(session, tree.community.id, project.id)
    with pytest.raises(Conflict):
        enrolment.enrol(session, people[0].id, project.id)


def test_concurrent_enrolments_never_overfill(session, world, pg_only, run_threads):
    tree, team, project, people = world
    more = people + [make_member(session) for _ in range(6)]
    for person in more[4:]:
        join(session, person, team)
    # Plain ids only: ORM objects of the test's session must not be touched from the threads.
    member_ids, project_id = [m.id for m in more], project.id
    results = run_threads(10, lambda own, i: enrolment.enrol(own, member_ids[i], project_id).enrolment.status)
    assert sorted(results) == sorted([EnrolmentStatus.enrolled] * 2 + [EnrolmentStatus.waitlisted] * 8), results
    assert session.scalar(sa.select(sa.func.count()).select_from(Enrolment).where(
        Enrolment.status == EnrolmentStatus.enrolled)) == 2
