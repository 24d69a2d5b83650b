"""Activities organised by others (issue 38 row 11): a company's branch proposes an activity on a
community's ground; it waits as 待审核 until the community publishes it (or sends it back with a reason
the organiser sees); members enrol and sign in at the community's site; the organiser may approve the
hours, which count as any approved hours. SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from models import Project, ProjectStatus
from services.kernel.beijing_time import BEIJING
from services.kernel.errors import Conflict, Invalid
from services.organisations import orgs, teams
from services.volunteering import approval, enrolment, proposals
from tests.factories import join, make_account, make_member, make_project_input, make_tree
from tests.web import console_login, csrf_token, mobile_login


def test_row11_a_company_runs_an_activity_on_a_communitys_ground(app, session, sandbox):
    tree = make_tree(session)
    company = orgs.create_organization(session, tree.district.id, "某银行东城支行团支部", "branch")
    make_account(session, company, "bank")
    make_account(session, tree.community, "duofu")
    team = tree.team(session, tree.community)
    teams.set_site(session, team.id, lat=39.92113, lng=116.40735, coord_system="gcj02", radius_m=300,
                   name="多福巷社区居委会")
    start = dt.datetime.combine(dt.datetime.now(BEIJING).date() + dt.timedelta(days=5), dt.time(9))

    bank = console_login(app, "bank")
    page = bank.get("/console/proposals", query_string={"q": "多福巷"})
    assert team.name in page.get_data(as_text=True)
    sent = bank.post("/console/proposals", data={
        "csrf_token": csrf_token(page), "q": "多福巷", "team": team.id, "title": "金融知识进社区",
        "description": "防诈骗讲座", "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"), "capacity": "20"})
    assert sent.status_code == 302
    project = session.scalar(sa.select(Project).where(Project.title == "金融知识进社区"))
    assert (project.status, project.organiser, project.team_id) == (ProjectStatus.draft, "某银行东城支行团支部", team.id)
    assert project.site_name == "多福巷社区居委会" and "待审核" in bank.get("/console/proposals").get_data(as_text=True)

    community = console_login(app, "duofu")
    waiting = community.get("/console/proposals")
    assert "金融知识进社区" in waiting.get_data(as_text=True)
    community.post(f"/console/projects/{project.id}/publish", data={"csrf_token": csrf_token(waiting)})
    session.expire_all()
    assert session.get(Project, project.id).status == ProjectStatus.published
    assert "已发布" in bank.get("/console/proposals").get_data(as_text=True)

    member = make_member(session, branch=tree.branch2)
    join(session, member, team)
    member.openid = "o_bank_volunteer"
    session.commit()
    assert enrolment.enrol(session, member.id, project.id).created
    phone = app.test_client()
    mobile_login(phone, member.openid, f"/m/projects/{project.code}")
    assert "主办单位：某银行东城支行团支部" in phone.get(f"/m/projects/{project.code}").get_data(as_text=True)
    assert approval.can_approve(session, company.id, session.get(Project, project.id))  # the organiser approves hours
    assert project.id in set(session.scalars(approval.approvable_project_ids(session, company.id)))
    assert not approval.can_approve(session, tree.branch.id, session.get(Project, project.id))


def test_row11_refusals_and_sending_back(app, session):
    tree = make_tree(session)
    company = orgs.create_organization(session, tree.district.id, "某公司团支部", "branch")
    team = tree.team(session, tree.community)
    with pytest.raises(Conflict, match="直接在“志愿项目”中新建"):
        proposals.propose(session, tree.street.id, team.id, make_project_input())   # it manages the team
    with pytest.raises(Invalid, match="只能申请在社区"):
        proposals.propose(session, company.id, tree.team(session, tree.street).id, make_project_input())
    project = proposals.propose(session, company.id, team.id, make_project_input(title="企业开放日"))
    with pytest.raises(Invalid, match="退回须填写原因"):
        proposals.send_back(session, tree.community.id, project.id, "")
    proposals.send_back(session, tree.community.id, project.id, "时间与社区活动冲突")
    mine = proposals.made_by(session, company)
    assert [(m.state_label, m.project.review_note) for m in mine] == [("未通过", "时间与社区活动冲突")]
    with pytest.raises(Conflict):
        proposals.send_back(session, tree.community.id, project.id, "再退一次")
