"""A paired department's members and their street (seed 000 附件4): the department's members belong to
its team, and once the department is paired they see the paired street's team with its contact on
every surface and count as reported (报到) in every rate; a lapsed or dissolved pairing undoes it."""
import re

import sqlalchemy as sa

from models import Project
from services.organisations import belonging, pairing, teams
from services.people import wechat_users
from services.reporting import rosters, stats
from services.volunteering import participation, projects
from tests.factories import join, make_member, make_project_input, make_tree, pair
from tests.web import mobile_login
from tests.wechat.helpers import post


def _paired_world(session):
    tree = make_tree(session)
    street_team = tree.team(session, tree.street)
    street_team.contact_name, street_team.contact_phone = "王建国", "010-65120000"
    session.commit()
    students = [make_member(session, branch=tree.branch) for _ in range(4)]
    return tree, street_team, students


def test_paired_members_see_the_street_team_and_count_as_reported(app, session, sandbox):
    tree, street_team, students = _paired_world(session)
    stats.refresh(session, tree.city)
    assert stats.dashboard(session, tree.university).total.counts.reported == 0
    made = pair(session, tree, tree.dept, tree.street)

    entries = belonging.service_teams(session, students[0])
    assert [(e.team.org_id, e.via) for e in entries] == [(tree.dept.id, "department"), (tree.street.id, "paired")]
    assert [t.team.id for t in belonging.reported_teams(session, students[0])] == [street_team.id]
    stats.refresh(session, tree.city)
    board = stats.dashboard(session, tree.university)
    assert board.total.counts.reported == 4 and board.total.counts.rate("reported") == 1.0
    roster = rosters.search(sa.true(), year=board.year, periods=participation.own_periods(session), filter_="not_reported")
    assert rosters.count_upto(session, roster) == (0, False)
    rows = rosters.page(session, rosters.search(sa.true(), year=board.year, periods=participation.own_periods(session)), limit=10)
    assert {row.team for row in rows} == {street_team.name}

    # The street's paired-only project is offered to them.
    only = projects.create_project(session, tree.street.id, street_team.id, make_project_input(
        title="结对院系专场", audience="paired"))
    projects.publish_project(session, tree.street.id, only.id)
    assert "结对院系专场" in [p.title for p in projects.open_projects_for(session, students[0].id)]

    # The bot's 社区服务, the phone page and the API say the same.
    wechat_users.bind(session, students[0].id, "o_student")
    reply = post(app, "click", "o_student", key="MY_TEAM")[1]
    assert street_team.name in reply and "王建国" in reply and "010-65120000" in reply and "还没有加入" not in reply
    phone = app.test_client()
    mobile_login(phone, "o_student", "/m/team")
    page = phone.get("/m/team").get_data(as_text=True)
    assert street_team.name in page and "010-65120000" in page and 'data-via="paired"' in page
    assert len(re.findall("退出服务队", page)) == 0  # nothing to quit: it is the department's pairing
    assert street_team.name in phone.get("/m/").get_data(as_text=True)

    # Dissolved: no longer reported, no longer shown.
    pairing.dissolve(session, tree.street.id, made.id, reason="学院调整")
    assert [e.via for e in belonging.service_teams(session, students[0])] == ["department"]
    stats.refresh(session, tree.city)
    assert stats.dashboard(session, tree.university).total.counts.reported == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(Project)) >= 1


def test_row12_the_paired_street_sees_its_departments_members_and_their_hours(app, session, sandbox):
    """Issue 38 row 12: once paired, the street's member list (服务队 scope), its export and the API's team
    members include the department's members with their year's hours; a lapsed pairing takes them away."""
    import datetime as dt

    from models import RecordStatus, ServiceRecord
    from services.people import mp_sessions
    from tests.factories import make_account
    from tests.web import console_login

    tree, street_team, students = _paired_world(session)
    make_account(session, tree.street, "donghuamen")
    project = projects.create_project(session, tree.street.id, street_team.id, make_project_input())
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    session.add(ServiceRecord(project_id=project.id, member_id=students[0].id, status=RecordStatus.approved,
                              signin_at=start, signout_at=start + dt.timedelta(hours=3), duration_minutes=180))
    session.commit()
    console = console_login(app, "donghuamen")
    before = console.get("/console/members", query_string={"scope": "team"}).get_data(as_text=True)
    assert "共 0 人" in before
    made = pair(session, tree, tree.dept, tree.street)
    page = console.get("/console/members", query_string={"scope": "team"}).get_data(as_text=True)
    assert "及结对院系团员" in page and "共 4 人" in page and "3.0 小时" in page
    assert teams.member_count(session, street_team) == 4
    token, _ = mp_sessions.create(session, openid="o_street_staff", unionid=None, member_id=None)
    api = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    assert api.post("/api/mp/v1/org/login", json={"username": "donghuamen", "password": "abc12345"},
                    headers=auth).status_code == 200
    listed = api.get(f"/api/mp/v1/org/teams/{street_team.code}/members", headers=auth).get_json()["members"]
    assert sorted(m["id"] for m in listed) == sorted(s.id for s in students)
    pairing.dissolve(session, tree.street.id, made.id, reason="学院调整")
    assert teams.member_count(session, street_team) == 0


def test_row15_both_teams_in_the_community_service_reply(app, session, sandbox):
    """Issue 38 row 15: a university member who also scanned a community team reads both teams — that one
    and the paired street's — each with its contact, in the 社区服务 reply, as the phone page shows them."""
    tree, street_team, students = _paired_world(session)
    pair(session, tree, tree.dept, tree.street)
    join(session, students[0], tree.team(session, tree.community2))
    wechat_users.bind(session, students[0].id, "o_student_both")
    reply = post(app, "click", "o_student_both", key="MY_TEAM")[1]
    assert f"我的服务队：{tree.team(session, tree.community2).name}" in reply
    assert f"院系结对街道（乡镇）服务队：{street_team.name}" in reply and "王建国" in reply
    phone = app.test_client()
    mobile_login(phone, "o_student_both", "/m/team")
    page = phone.get("/m/team").get_data(as_text=True)
    assert tree.team(session, tree.community2).name in page and street_team.name in page
