import pytest
import sqlalchemy as sa

from models import Project, TeamMembership
from services.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from services.organisations import joining, teams
from services.people import wechat_users
from tests.factories import join, make_member, make_tree


def test_joining_twice_changes_nothing(session):
    tree = make_tree(session)
    member = make_member(session)
    team = tree.team(session, tree.community)
    first = join(session, member, team)
    again = join(session, member, team)
    assert first.created and not again.created
    assert again.membership_id == first.membership_id
    assert session.scalar(sa.select(sa.func.count()).select_from(TeamMembership)) == 1


def test_one_community_team_at_a_time_quit_then_join_another(session):
    tree = make_tree(session)
    member = make_member(session)
    join(session, member, tree.team(session, tree.community))
    with pytest.raises(Conflict) as err:
        join(session, member, tree.team(session, tree.community2))
    assert err.value.code == "already_in_team"
    assert "多福巷社区青年志愿者服务队" in err.value.message and "请先退出" in err.value.message
    # A street team is not a community team: it may be joined beside it.
    assert join(session, member, tree.team(session, tree.street)).created
    teams.quit_team(session, member.id, tree.team(session, tree.community).id)
    assert join(session, member, tree.team(session, tree.community2)).created
    with pytest.raises(NotFound):
        teams.quit_team(session, member.id, tree.team(session, tree.community).id)
    history = session.scalars(sa.select(TeamMembership).order_by(TeamMembership.id)).all()
    assert [m.left_at is None for m in history] == [False, True, True]


def test_only_volunteers_join_and_unknown_codes_are_404(session):
    tree = make_tree(session)
    member = make_member(session, volunteer=False)
    with pytest.raises(Invalid, match="注册成为志愿者"):
        join(session, member, tree.team(session, tree.community))
    with pytest.raises(NotFound, match="二维码"):
        teams.get_team_by_code(session, "NOSUCHCODE")
    team = tree.team(session, tree.village)
    assert teams.get_team_by_code(session, team.code.lower()).id == team.id


def test_joining_by_a_posters_code_reads_the_team_with_the_checks(session):
    tree = make_tree(session)
    member = make_member(session)
    team = tree.team(session, tree.community)
    first = joining.join_team_by_code(session, f" {team.code.lower()} ", member_id=member.id, source="scan")
    assert first.created and first.team.id == team.id and first.team.name == team.name
    assert first.team.is_community and first.team.contact_phone == team.contact_phone
    again = joining.join_team_by_code(session, team.code, member_id=member.id, source="scan")
    assert not again.created and again.membership_id == first.membership_id
    with pytest.raises(NotFound, match="二维码已失效"):
        joining.join_team_by_code(session, "NOSUCHCODE", member_id=member.id, source="scan")
    with pytest.raises(NotFound, match="实名注册"):
        joining.join_team_by_code(session, team.code, member_id=987654, source="scan")
    with pytest.raises(Conflict, match="请先退出"):
        joining.join_team_by_code(session, tree.team(session, tree.community2).code, member_id=member.id,
                                source="scan")
    assert session.scalar(sa.select(sa.func.count()).select_from(TeamMembership)) == 1
    # For the member bound to a WeChat openid (the bot's scan): None when nobody is bound to it.
    assert joining.join_team_by_code(session, team.code, openid="o_nobody", source="scan") is None
    wechat_users.bind(session, member.id, "o_bound")
    by_openid = joining.join_team_by_code(session, team.code, openid="o_bound", source="scan")
    assert not by_openid.created and by_openid.membership_id == first.membership_id
    with pytest.raises(NotFound, match="二维码已失效"):
        joining.join_team_by_code(session, "NOSUCHCODE", openid="o_nobody", source="scan")


def test_site_change_moves_the_long_term_project(session):
    tree = make_tree(session)
    team = tree.team(session, tree.community)
    teams.set_site(session, team.id, lat=39.92113, lng=116.40735, coord_system="gcj02", radius_m=300,
                   name="多福巷社区居委会")
    project = session.scalar(sa.select(Project).where(Project.team_id == team.id, Project.is_long_term))
    assert (project.site_lat, project.site_lng, project.site_radius_m) == (39.92113, 116.40735, 300)
    with pytest.raises(Invalid, match="半径"):
        teams.set_site(session, team.id, lat=39.9, lng=116.4, coord_system="gcj02", radius_m=0)
    with pytest.raises(Invalid, match="坐标"):
        teams.set_site(session, team.id, lat=99, lng=116.4, coord_system="gcj02", radius_m=100)


def test_department_team_counts_its_branch_members(session):
    tree = make_tree(session)
    student = make_member(session, branch=tree.branch)
    outsider = make_member(session, branch=tree.branch2)
    dept_team = tree.team(session, tree.dept)
    joined = make_member(session, branch=tree.branch)  # scanned the poster too: counted once
    join(session, joined, dept_team)
    ids = set(session.scalars(teams.team_member_ids(session, dept_team)))
    assert ids == {student.id, joined.id} and outsider.id not in ids


def test_concurrent_scans_make_one_membership(session, pg_only, run_threads):
    tree = make_tree(session)
    member = make_member(session)
    team_id, member_id = tree.team(session, tree.community).id, member.id
    results = run_threads(8, lambda own, i: joining.join_team(own, member_id, team_id, source="scan").created)
    assert sorted(results) == [False] * 7 + [True], results
    assert session.scalar(sa.select(sa.func.count()).select_from(TeamMembership)) == 1


def test_concurrent_scans_of_two_community_teams_keep_one(session, pg_only, run_threads):
    tree = make_tree(session)
    member = make_member(session)
    ids, member_id = [tree.team(session, tree.community).id, tree.team(session, tree.community2).id], member.id
    results = run_threads(6, lambda own, i: joining.join_team(own, member_id, ids[i % 2], source="scan").created)
    assert sum(r is True for r in results) == 1, results
    assert all(r is False or isinstance(r, Conflict) for r in results if r is not True)
    assert session.scalar(sa.select(sa.func.count()).select_from(TeamMembership)) == 1


def test_row14_a_departments_team_takes_only_the_departments_members(session):
    """Issue 38 row 14: a 高一 student (or another college's) scanning 计算机学院's poster is refused with
    the team they can join; the college's own members join, on PostgreSQL in the one-statement path."""
    from services.organisations import orgs

    tree = make_tree(session)
    computing = tree.team(session, tree.dept)
    own = make_member(session, branch=tree.branch)
    other_college_branch = orgs.create_organization(session, tree.dept2.id, "机电学院2024级1班团支部", "branch")
    other_college = make_member(session, branch=other_college_branch)
    school = orgs.create_organization(session, tree.district.id, "北京二中团委", "school")
    pupil = make_member(session, branch=orgs.create_organization(session, school.id, "高一（1）班团支部", "branch"))
    unplaced = make_member(session)

    assert joining.join_team_by_code(session, computing.code, member_id=own.id, source="scan").created
    with pytest.raises(Forbidden, match="只接受本组织的团员加入。你所在组织的服务队是「机电学院") as refused:
        joining.join_team_by_code(session, computing.code, member_id=other_college.id, source="scan")
    assert refused.value.status == 403
    for member in (pupil, unplaced):
        with pytest.raises(Forbidden, match="请扫描居住地社区（村）服务队的二维码报到"):
            joining.join_team(session, member.id, computing.id, source="page")
    assert session.scalar(sa.select(sa.func.count()).select_from(TeamMembership)) == 1
    # A community team is open to anyone (one at a time).
    assert joining.join_team(session, pupil.id, tree.team(session, tree.community).id, source="page").created


def test_row7_a_branch_a_school_and_a_university_found_their_own_teams(app, session):
    """Issue 38 row 7 (seed 003): a 团支部, a middle school or a university founds its own team beside the
    community teams; its members are the organisation's own (others refused), its projects go to them,
    and it is not 报到."""
    from services.organisations import belonging, founding, orgs
    from services.volunteering import projects
    from tests.factories import make_project_input

    tree = make_tree(session)
    school = orgs.create_organization(session, tree.district.id, "北京二中团委", "school")
    pupil = make_member(session, branch=orgs.create_organization(session, school.id, "高一（1）班团支部", "branch"))
    worker = make_member(session, branch=tree.branch2)
    branch_team = teams.found_own_team(session, tree.branch2.id)
    assert branch_team.name == "东城区机关志愿服务队" and not branch_team.is_community
    assert teams.found_own_team(session, school.id).name == "北京二中志愿服务总队"
    assert teams.found_own_team(session, tree.university.id).name == "北京理工大学青年志愿者协会"
    with pytest.raises(Conflict, match="已有志愿服务队"):
        teams.found_own_team(session, tree.branch2.id)
    with pytest.raises(Invalid, match="可以成立本组织"):
        teams.found_own_team(session, tree.street.id)   # a street has its team already, by kind

    assert teams.is_team_member(session, branch_team, worker) and not teams.is_team_member(session, branch_team, pupil)
    assert [(e.team.id, e.via) for e in belonging.service_teams(session, worker)] == [(branch_team.id, "own")]
    with pytest.raises(Forbidden, match="只接受本组织的团员加入"):
        joining.join_team(session, pupil.id, branch_team.id, source="page")
    project = projects.create_project(session, tree.branch2.id, branch_team.id, make_project_input(title="机关支部献血"))
    projects.publish_project(session, tree.branch2.id, project.id)
    assert "机关支部献血" in [p.title for p in projects.open_projects_for(session, worker.id)]
    assert projects.ineligibility(session, pupil, project) is not None
    assert belonging.reported_teams(session, worker) == []   # not 报到
    assert founding.CLOSED_KINDS >= set(founding.OWN_TEAM_KINDS)
