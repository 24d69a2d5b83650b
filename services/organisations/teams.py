"""Volunteer teams: one for every community/village, street and department (DESIGN.md), their codes,
sites and who is in them, and leaving one. Joining (报到) is services/organisations/joining.py.
"""
from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import CoordSystem, Member, Organization, Team, TeamMembership, utcnow
from services.kernel.errors import Conflict, Invalid, NotFound
from services.kernel.uow import audit, normalise_code, unit_of_work
from services.organisations import founding
from services.organisations.belonging import community_membership, paired_branches
from services.organisations.orgs import STREET_KINDS, is_within

logger = logging.getLogger(__name__)

def team_of_org(session: Session, org_id: int) -> Team | None:
    """The organisation's own team (None for kinds that have none, such as a city or a branch)."""
    return session.scalar(sa.select(Team).where(Team.org_id == org_id))


def member_count(session: Session, team: Team) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(serving_member_ids(session, team).subquery()))


def members_page(session: Session, team: Team, page: int, size: int) -> list[Member]:
    """One page of the people serving with the team, by id (the API's coordinator list)."""
    return list(session.scalars(sa.select(Member).where(serving_with(session, team))
                                .order_by(Member.id).limit(size).offset((page - 1) * size)))


def get_team(session: Session, team_id: int) -> Team:
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound("team_not_found", "服务队不存在")
    return team


_TEAM_BY_CODE = sa.select(Team).where(Team.code == sa.bindparam("code"))  # built once


def get_team_by_code(session: Session, code: str) -> Team:
    team = session.scalar(_TEAM_BY_CODE, {"code": normalise_code(code)})
    if team is None:
        raise NotFound("team_not_found", "服务队不存在或二维码已失效")
    return team


def active_community_membership(session: Session, member_id: int) -> TeamMembership | None:
    return session.scalar(sa.select(TeamMembership).where(community_membership(member_id)))


def _active(session: Session, member_id: int, team_id: int) -> TeamMembership | None:
    return session.scalar(sa.select(TeamMembership).where(
        TeamMembership.member_id == member_id, TeamMembership.team_id == team_id, TeamMembership.left_at.is_(None)))


def quit_team(session: Session, member_id: int, team_id: int) -> TeamMembership:
    with unit_of_work(session):
        membership = _active(session, member_id, team_id)
        if membership is None:
            raise NotFound("not_in_team", "你不在该服务队中")
        membership.left_at = utcnow()
        audit(session, ("member", member_id), "team.quit", ("team", team_id))
        return membership


def set_site(session: Session, team_id: int, *, lat: float, lng: float, coord_system: CoordSystem | str,
             radius_m: int, name: str | None = None, address: str | None = None) -> Team:
    """The team's service site; its long-term project follows, since self-directed service happens there."""
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise Invalid("coordinates", "坐标超出范围")
    if not 10 <= radius_m <= 5000:
        raise Invalid("radius", "签到半径应在10至5000米之间")
    with unit_of_work(session):
        team = get_team(session, team_id)
        team.site_lat, team.site_lng = lat, lng
        team.site_coord_system = CoordSystem(coord_system)
        team.site_radius_m = radius_m
        team.site_name, team.site_address = name or team.site_name, address or team.site_address
        founding.follow_team_site(session, team)
        return team


def joined_teams(session: Session, member_id: int) -> list[Team]:
    """The teams a member has joined and not quit (my team, on every surface)."""
    return list(session.scalars(sa.select(Team).join(TeamMembership, TeamMembership.team_id == Team.id).where(
        TeamMembership.member_id == member_id, TeamMembership.left_at.is_(None)).order_by(Team.name)))


def search_teams(session: Session, q: str, limit: int = 20) -> list[Team]:
    """By community (village) or street name, as members look for where they live; communities first."""
    parent = sa.orm.aliased(Organization)
    return list(session.scalars(
        sa.select(Team).join(Organization, Team.org_id == Organization.id)
        .outerjoin(parent, Organization.parent_id == parent.id)
        .where(sa.or_(Team.name.contains(q, autoescape=True), parent.name.contains(q, autoescape=True)))
        .order_by(Team.is_community.desc(), Team.name).limit(limit)))


def found_own_team(session: Session, actor_org_id: int) -> Team:
    """A branch, a middle school or a university founds its own volunteer team (issue 38 row 7, seed
    003), beside the community teams; its members are the organisation's, and joining it is not 报到."""
    with unit_of_work(session):
        org = session.get(Organization, actor_org_id)
        if org is None or org.kind not in founding.OWN_TEAM_KINDS:
            raise Invalid("kind", "团支部、中学团委和高校团委可以成立本组织的志愿服务队")
        if team_of_org(session, org.id) is not None:
            raise Conflict("team_exists", "本组织已有志愿服务队")
        team = founding.create_team_for_org(session, org)
        audit(session, ("org", actor_org_id), "team.found", ("team", team.id))
        return team


def in_team(session: Session, team: Team) -> sa.ColumnElement[bool]:
    """A member of ``team`` (``team_member_ids``), as a condition on the member's row."""
    return Member.id.in_(team_member_ids(session, team))


def team_member_ids(session: Session, team: Team) -> sa.Select:
    """Members of a team: those who joined it, plus for an organisation's own team (a department's, a
    branch's, a school's, a university's: ``founding.CLOSED_KINDS``) every member of its sub-tree
    (DESIGN.md: when a department pairs with a street, all of its members count as its team's members)."""
    joined = sa.select(TeamMembership.member_id).where(TeamMembership.team_id == team.id,
                                                       TeamMembership.left_at.is_(None))
    if team.org.kind not in founding.CLOSED_KINDS:
        return joined
    branches = sa.select(Organization.id).where(Organization.path.startswith(team.org.path, autoescape=True))
    return sa.union(joined, sa.select(Member.id).where(Member.branch_id.in_(branches)))


def serving_member_ids(session: Session, team: Team) -> sa.Select:
    """Whom a team's coordinators organise: its members and, for a street's team, every member of the
    departments paired with the street — they reported to it without scanning (``belonging``; issue 38
    row 12: the street's list showed none of them)."""
    own = team_member_ids(session, team)
    if team.org.kind not in STREET_KINDS:
        return own
    paired = paired_branches()
    return sa.union(own, sa.select(Member.id).where(Member.branch_id.in_(
        sa.select(paired.c.branch_id).where(paired.c.team_id == team.id))))


def serving_with(session: Session, team: Team) -> sa.ColumnElement[bool]:
    """``serving_member_ids`` as a condition on the member's row (the member list, the API)."""
    return Member.id.in_(serving_member_ids(session, team))


def is_team_member(session: Session, team: Team, member: Member) -> bool:
    if _active(session, member.id, team.id) is not None:
        return True
    if team.org.kind not in founding.CLOSED_KINDS or member.branch_id is None:
        return False
    return is_within(session, member.branch_id, team.org_id)


def candidate_team_ids(session: Session, member: Member) -> list[int]:
    """Teams whose projects this member might see: joined teams, their department's team, and the
    teams of streets paired with that department."""
    from services.organisations.belonging import service_teams

    return sorted(entry.team.id for entry in service_teams(session, member))
