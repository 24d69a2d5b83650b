import datetime as dt

import pytest
import sqlalchemy as sa

from models import AuditEntry, ProjectStatus
from services.kernel.errors import Conflict, Forbidden, Invalid
from services.organisations import pairing
from services.volunteering import projects
from tests.factories import join, make_member, make_project_input, make_tree, pair

UTC = dt.UTC


def test_create_edit_publish_close(session):
    tree = make_tree(session)
    team = tree.team(session, tree.community)
    project = projects.create_project(session, tree.community.id, team.id, make_project_input())
    assert project.status == ProjectStatus.draft and len(project.code) == 10
    with pytest.raises(Forbidden):
        projects.create_project(session, tree.suburb.id, team.id, make_project_input())
    data = make_project_input(title="敬老助餐", capacity=5)
    projects.update_project(session, tree.street.id, project.id, data)  # a superior may edit
    assert project.title == "敬老助餐" and project.capacity == 5
    projects.publish_project(session, tree.community.id, project.id)
    assert project.status == ProjectStatus.published and project.published_at
    with pytest.raises(Conflict):
        projects.publish_project(session, tree.community.id, project.id)
    projects.close_project(session, tree.community.id, project.id)
    with pytest.raises(Conflict, match="已结束"):
        projects.update_project(session, tree.community.id, project.id, data)
    actions = list(session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions[-4:] == ["project.create", "project.update", "project.publish", "project.close"]


@pytest.mark.parametrize("overrides, code", [
    ({"title": "x"}, "title"),
    ({"ends_at": dt.datetime(2026, 1, 1, tzinfo=UTC)}, "time"),
    ({"starts_at": dt.datetime(2027, 1, 1)}, "time"),
    ({"lat": float("nan")}, "coordinates"),
    ({"lat": 91.0}, "coordinates"),
    ({"coord_system": "wgs72"}, "coord_system"),
    ({"radius_m": 5}, "radius"),
    ({"capacity": 0}, "capacity"),
    ({"audience": "paired"}, "audience"),
])
def test_project_fields_are_validated(session, overrides, code):
    tree = make_tree(session)
    with pytest.raises(Invalid) as err:
        projects.create_project(session, tree.community.id, tree.team(session, tree.community).id,
                                make_project_input(**overrides))
    assert err.value.code == code


def test_long_term_project_cannot_be_closed_or_edited(session):
    tree = make_tree(session)
    team = tree.team(session, tree.community)
    project = session.scalar(sa.select(projects.Project).where(projects.Project.team_id == team.id))
    with pytest.raises(Invalid):
        projects.close_project(session, tree.community.id, project.id)
    with pytest.raises(Invalid):
        projects.update_project(session, tree.community.id, project.id, make_project_input())


def test_team_audience_and_paired_audience(session):
    tree = make_tree(session)
    resident, student, other_student = make_member(session), make_member(session, branch=tree.branch), make_member(session)
    join(session, resident, tree.team(session, tree.community))
    team_project = projects.create_project(session, tree.community.id, tree.team(session, tree.community).id,
                                           make_project_input())
    assert projects.ineligibility(session, resident, team_project) is None
    assert "请先扫码加入服务队" in projects.ineligibility(session, student, team_project)
    street_project = projects.create_project(session, tree.street.id, tree.team(session, tree.street).id,
                                             make_project_input(audience="paired"))
    assert "结对院系" in projects.ineligibility(session, student, street_project)
    pair(session, tree, tree.dept, tree.street)
    assert projects.ineligibility(session, student, street_project) is None
    assert projects.ineligibility(session, other_student, street_project) is not None
    projects.publish_project(session, tree.street.id, street_project.id)
    assert street_project in projects.open_projects_for(session, student.id)


def test_timekeepers_must_be_paired_departments(session):
    tree = make_tree(session)
    street_project = projects.create_project(session, tree.street.id, tree.team(session, tree.street).id,
                                             make_project_input(audience="paired"))
    with pytest.raises(Invalid, match="结对"):
        projects.set_timekeepers(session, tree.street.id, street_project.id, [tree.dept.id])
    pair(session, tree, tree.dept, tree.street)
    projects.set_timekeepers(session, tree.street.id, street_project.id, [tree.dept.id])
    assert projects.is_timekeeper(session, tree.dept.id, street_project.id)
    community_project = projects.create_project(session, tree.community.id, tree.team(session, tree.community).id,
                                                make_project_input())
    with pytest.raises(Invalid, match="街道"):
        projects.set_timekeepers(session, tree.community.id, community_project.id, [tree.dept.id])
    assert pairing.paired_department_ids(session, tree.street.id) == [tree.dept.id]
