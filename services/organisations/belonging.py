"""Where a member serves (社区服务): the teams they joined by scanning (报到), and for a university member
the department's team and, once the department is paired, the paired street's team.

Seed 000 附件4: 该院系全体团员即加入该院系青年志愿者服务队 and the 社区服务 page 即显示所在高校院系所结对的
街道（乡镇）青年志愿者服务队名称、联系人和电话. So a paired department's members have reported (报到) without
scanning anything, and every rate counts them so (``paired_branches`` is the one statement of that rule
the dashboards, the member lists and the pages all use).
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from models import Member, Organization, OrgKind, Pairing, PairingStatus, Team, TeamMembership
from services.organisations.founding import OWN_TEAM_KINDS

JOINED, DEPARTMENT, OWN, PAIRED = "joined", "department", "own", "paired"
VIA_LABELS = {DEPARTMENT: "本院系服务队", OWN: "本组织服务队", PAIRED: "院系结对街道（乡镇）服务队"}


@dataclass(frozen=True)
class ServiceTeam:
    team: Team
    via: str  # JOINED (may quit), DEPARTMENT, OWN or PAIRED (by the member's branch: nothing to quit)

    @property
    def via_label(self) -> str | None:
        return VIA_LABELS.get(self.via)


def paired_branches() -> sa.Subquery:
    """(branch_id, team_id, team_name): every organisation under a department paired with a street, and
    that street's team. A department has one street, so a branch has at most one row."""
    branch, department, street_team = aliased(Organization), aliased(Organization), aliased(Team)
    return (sa.select(branch.id.label("branch_id"), street_team.id.label("team_id"),
                      street_team.name.label("team_name"))
            .join(department, branch.path.startswith(department.path))
            .join(Pairing, sa.and_(Pairing.department_id == department.id, Pairing.status == PairingStatus.accepted))
            .join(street_team, street_team.org_id == Pairing.street_id)
            .where(department.kind == OrgKind.department)
            .subquery("paired_branches"))


def community_membership(member_id=Member.id) -> sa.ColumnElement[bool]:
    """A membership row that is ``member_id``'s (a column or a value) active community team: 报到 by
    scanning."""
    return sa.and_(TeamMembership.member_id == member_id, TeamMembership.is_community.is_(True),
                   TeamMembership.left_at.is_(None))


def has_reported() -> sa.ColumnElement[bool]:
    """报到, as a condition on the member's row: an active community team joined by scanning, or a branch
    under a paired department. Probes asked member by member (see ``participation.took_part``): as outer
    joins, a city's 未到社区报到 joined 700,000 memberships to find its first page."""
    scanned = (sa.select(sa.literal(1)).where(community_membership())
               .correlate_except(TeamMembership).limit(1).scalar_subquery())
    paired = paired_branches()
    return sa.or_(scanned.is_not(None),
                  sa.and_(Member.branch_id.is_not(None), Member.branch_id.in_(sa.select(paired.c.branch_id))))


def _ancestor_ids(session: Session, member: Member) -> list[int]:
    """The member's branch and every organisation above it."""
    if member.branch_id is None:
        return []
    branch = session.get(Organization, member.branch_id)
    return [int(part) for part in branch.path.strip("/").split("/")]


def department_ids(session: Session, member: Member) -> list[int]:
    """The departments above the member's branch (usually one)."""
    ancestors = _ancestor_ids(session, member)
    return list(session.scalars(sa.select(Organization.id).where(
        Organization.id.in_(ancestors), Organization.kind == OrgKind.department))) if ancestors else []


def service_teams(session: Session, member: Member) -> list[ServiceTeam]:
    """What 社区服务 shows: joined teams first, then the department's and the paired street's."""
    joined = list(session.scalars(sa.select(Team).join(TeamMembership, TeamMembership.team_id == Team.id).where(
        TeamMembership.member_id == member.id, TeamMembership.left_at.is_(None)).order_by(Team.name)))
    found = [ServiceTeam(team, JOINED) for team in joined]
    seen = {team.id for team in joined}
    for team in session.scalars(sa.select(Team).join(Organization, Organization.id == Team.org_id).where(
            Organization.id.in_(_ancestor_ids(session, member)), Organization.kind.in_(sorted(OWN_TEAM_KINDS)))
            .order_by(Organization.path)):  # a branch's, a school's, a university's own team (issue 38 row 7)
        if team.id not in seen:
            found.append(ServiceTeam(team, OWN))
            seen.add(team.id)
    departments = department_ids(session, member)
    if departments:
        streets = sa.select(Pairing.street_id).where(Pairing.department_id.in_(departments),
                                                     Pairing.status == PairingStatus.accepted)
        for team in session.scalars(sa.select(Team).where(sa.or_(Team.org_id.in_(departments),
                                                                 Team.org_id.in_(streets)))):
            if team.id not in seen:
                found.append(ServiceTeam(team, DEPARTMENT if team.org_id in departments else PAIRED))
                seen.add(team.id)
    return found


def reported_teams(session: Session, member: Member) -> list[ServiceTeam]:
    """The teams the member reported to: their community team and their department's paired street."""
    teams = service_teams(session, member)
    return [t for t in teams if t.via == JOINED and t.team.is_community] + [t for t in teams if t.via == PAIRED]

