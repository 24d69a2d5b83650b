"""What an organisation is given when it is created: its volunteer team for the kinds that have one (every
community/village, street and department, DESIGN.md) and, for a community team, the long-term project
"××社区（村）团员志愿者服务项目" that records self-directed service (seed 000), whose site follows the team's.
Below orgs and teams alike: creating an organisation makes its team here, and a team's site change
reaches its long-term project from here."""
from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Audience, Organization, OrgKind, Project, ProjectStatus, Team, utcnow
from services.kernel.uow import new_code

TEAM_KINDS = {OrgKind.community, OrgKind.village, OrgKind.street, OrgKind.town, OrgKind.department}
COMMUNITY_KINDS = {OrgKind.community, OrgKind.village}
# Seed 003 (Tianjin): 鼓励以团支部为单位成立志愿服务队，高校要普遍建立青年志愿者协会，中学要成立服务总队 — a team
# the organisation founds when it wants one (issue 38 row 7), beside the community teams: not 报到.
OWN_TEAM_KINDS = {OrgKind.branch: "志愿服务队", OrgKind.school: "志愿服务总队", OrgKind.university: "青年志愿者协会"}
# Teams whose members are the organisation's own: joined by its members only, and every member of its
# sub-tree belongs — a department's (seed 001 (4) 2: 学院青年志愿者服务队…团员通过扫码加入) and those above.
CLOSED_KINDS = frozenset({OrgKind.department, *OWN_TEAM_KINDS})

_ORG_SUFFIX = re.compile(r"(（筹）|\(筹\))?$")
_LEAGUE_SUFFIX = re.compile(r"(团组织|团工委|团委|团总支|团支部)$")


def team_name_for(org: Organization) -> str:
    """"多福巷社区团组织（筹）" → "多福巷社区青年志愿者服务队", the name seed 004 prints on posters; a
    branch's, a school's or a university's own team by seed 003's words."""
    base = _LEAGUE_SUFFIX.sub("", _ORG_SUFFIX.sub("", org.name.strip())) or org.name
    return f"{base}{OWN_TEAM_KINDS.get(org.kind, '青年志愿者服务队')}"


def create_team_for_org(session: Session, org: Organization) -> Team:
    """Called inside the organisation's own transaction; a community team gets its long-term project."""
    team = Team(org=org, code=new_code(10), name=team_name_for(org), is_community=org.kind in COMMUNITY_KINDS,
                contact_name=org.contact_name, contact_phone=org.contact_phone)
    session.add(team)
    session.flush()
    if team.is_community:
        create_long_term_project(session, team)
    return team


def long_term_title(team: Team) -> str:
    # Seed 000: 发布一个"××社区（村）团员志愿者服务项目"的长期项目.
    return f"{team.org.name}团员志愿者服务项目"


def create_long_term_project(session: Session, team: Team) -> Project:
    project = Project(code=new_code(10), team_id=team.id, title=long_term_title(team), is_long_term=True,
                      description="团员自主到社区（村）开展的志愿服务，签到签退后由负责人确认时长。",
                      audience=Audience.team, status=ProjectStatus.published, published_at=utcnow())
    project.copy_site_from(team)
    session.add(project)
    return project


def follow_team_site(session: Session, team: Team) -> None:
    project = session.scalar(sa.select(Project).where(Project.team_id == team.id, Project.is_long_term))
    if project is not None:
        project.copy_site_from(team)
