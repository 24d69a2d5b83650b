"""Coordinators change a member's 报到 (seed 000: 可查看、修改本社区（村）青年志愿者服务队团员报到加入状态):
remove a member from a team, or move them to another team of the coordinator's sub-tree. A reason is
required, the change is audited and the member is told; the history stays (the old membership is
ended, never deleted), so the member's approved hours and records are untouched.

Only memberships made by joining can be changed: a university member belongs to the department's team
(and its paired street) by their branch, which the branch transfer changes, not this.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Member, Organization, Team, TeamMembership, utcnow
from services.kernel.errors import Conflict, Invalid, NotFound
from services.kernel.uow import audit, unit_of_work
from services.organisations import orgs
from services.organisations.belonging import community_membership
from services.organisations.teams import get_team


@dataclass(frozen=True)
class Change:
    member_id: int
    old: Team
    new: Team | None
    reason: str

    @property
    def notice(self) -> str:
        if self.new is None:
            return (f"你已被「{self.old.name}」负责人移出服务队，原因：{self.reason}。"
                    "你的志愿服务时长不受影响；如有疑问请联系服务队负责人。")
        return (f"你的报到服务队已由「{self.old.name}」调整为「{self.new.name}」，原因：{self.reason}。"
                f"联系人：{self.new.contact_name or '—'} {self.new.contact_phone or ''}".rstrip())


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("reason", "请填写原因")
    if len(reason) > 200:
        raise Invalid("reason", "原因不能超过200字")
    return reason


def _membership(session: Session, team: Team, member_id: int) -> TeamMembership:
    membership = session.scalar(sa.select(TeamMembership).where(
        TeamMembership.team_id == team.id, TeamMembership.member_id == member_id,
        TeamMembership.left_at.is_(None)).with_for_update())
    if membership is None:
        raise NotFound("not_in_team", "该团员没有扫码加入本服务队（院系团员随所在院系报到，请通过团支部转接调整）")
    return membership


def remove(session: Session, actor_org_id: int, team_id: int, member_id: int, reason: str | None) -> Change:
    reason = _reason(reason)
    with unit_of_work(session):
        team = get_team(session, team_id)
        orgs.require_within(session, team.org_id, actor_org_id)
        _membership(session, team, member_id).left_at = utcnow()
        audit(session, ("org", actor_org_id), "team.remove_member", ("member", member_id), team=team.id, reason=reason)
        return Change(member_id, team, None, reason)


def move(session: Session, actor_org_id: int, team_id: int, member_id: int, to_team_id: int,
         reason: str | None) -> Change:
    """Both teams in the actor's sub-tree. A member may be in one community team only: moving into one
    while in another community team (not the one moved from) is refused."""
    reason = _reason(reason)
    with unit_of_work(session):
        session.scalar(sa.select(Member.id).where(Member.id == member_id).with_for_update())  # one change at a time
        team, target = get_team(session, team_id), get_team(session, to_team_id)
        orgs.require_within(session, team.org_id, actor_org_id)
        orgs.require_within(session, target.org_id, actor_org_id)
        if target.id == team.id:
            raise Invalid("same_team", "请选择另一个服务队")
        membership = _membership(session, team, member_id)
        if session.scalar(sa.select(TeamMembership.id).where(
                TeamMembership.team_id == target.id, TeamMembership.member_id == member_id,
                TeamMembership.left_at.is_(None))) is not None:
            raise Conflict("already_in_team", f"该团员已在「{target.name}」中")
        if target.is_community and not team.is_community and session.scalar(
                sa.select(TeamMembership.id).where(community_membership(member_id))) is not None:
            raise Conflict("already_in_community", "该团员已加入其他社区（村）服务队，请先由该服务队调整")
        now = utcnow()
        membership.left_at = now
        session.flush()  # the old community membership ends before the new one starts (partial unique index)
        session.add(TeamMembership(team_id=target.id, member_id=member_id, is_community=target.is_community,
                                   source="console", joined_at=now))
        audit(session, ("org", actor_org_id), "team.move_member", ("member", member_id), team=team.id,
              to_team=target.id, reason=reason)
        return Change(member_id, team, target, reason)


def joined_members(session: Session, team: Team, *, limit: int = 50, offset: int = 0) -> list[tuple[Member, TeamMembership]]:
    """Members who joined this team (the ones a coordinator can change), newest first."""
    return list(session.execute(sa.select(Member, TeamMembership).join(
        TeamMembership, TeamMembership.member_id == Member.id).where(
        TeamMembership.team_id == team.id, TeamMembership.left_at.is_(None))
        .order_by(TeamMembership.joined_at.desc(), Member.id).limit(limit).offset(offset)).tuples())


def movable_teams(session: Session, actor_org_id: int, limit: int = 500) -> list[Team]:
    """The teams of the actor's sub-tree, for choosing where to move a member."""
    actor = orgs.get_org(session, actor_org_id)
    return list(session.scalars(sa.select(Team).join(Organization, Team.org_id == Organization.id)
                                .where(orgs.subtree_filter(actor)).order_by(Organization.path).limit(limit)))
