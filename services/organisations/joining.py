"""报到: joining a team by scanning its poster, following its signed link or tapping 加入.

The rule (DESIGN.md): a volunteer not yet in the team may join it, and a community (village) team only
when in no other community team (quit first); scanning again changes nothing. On 报到 day a join runs
hundreds of times a second, so its checks and writes are statements built once, one round trip on
PostgreSQL.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from models import AuditEntry, Member, Organization, Team, TeamMembership, utcnow
from services.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from services.kernel.prepared import Prepared
from services.kernel.uow import audit_now, normalise_code, unit_of_work
from services.organisations.founding import CLOSED_KINDS
from services.organisations.teams import get_team


@dataclass(frozen=True)
class TeamInfo:
    """What a join answers with about the team (read with the join's checks, not as an entity)."""
    id: int
    name: str
    contact_name: str | None
    contact_phone: str | None
    is_community: bool


@dataclass(frozen=True)
class JoinResult:
    membership_id: int
    team: TeamInfo
    created: bool


class _Checks:
    """What a join decides on, by name: the team, the member (NULL: nobody), whether they are a
    volunteer, their active membership of this team, their active community team, and whether the team
    is a department's the member's branch is not under (``outsider``)."""

    @staticmethod
    def query(which_team: sa.ColumnElement[bool], which_member: sa.ColumnElement[bool]) -> sa.Subquery:
        active = sa.and_(TeamMembership.member_id == Member.id, TeamMembership.left_at.is_(None))
        here = sa.select(TeamMembership.id).where(active, TeamMembership.team_id == Team.id).limit(1)
        community = sa.select(TeamMembership.team_id).where(active, TeamMembership.is_community.is_(True)).limit(1)
        team_org, branch = aliased(Organization), aliased(Organization)
        closed = sa.or_(*(team_org.kind == kind for kind in sorted(CLOSED_KINDS)))  # no IN: a prepared statement's list
        department = sa.select(team_org.path).where(team_org.id == Team.org_id, closed).scalar_subquery()
        own = sa.select(branch.path).where(branch.id == Member.branch_id).scalar_subquery()
        outsider = sa.case((department.is_(None), False), (own.is_(None), True),
                           else_=sa.not_(own.startswith(department)))
        return (sa.select(Team.id.label("team_id"), Team.name, Team.contact_name, Team.contact_phone,
                          Team.is_community, Member.id.label("member_id"), Member.is_volunteer.label("volunteer"),
                          here.scalar_subquery().label("here"),
                          community.scalar_subquery().label("community_team_id"), outsider.label("outsider"))
                .select_from(Team).outerjoin(Member, which_member).where(which_team).subquery("checks"))

    @staticmethod
    def may_join(checks) -> sa.ColumnElement[bool]:
        """The rule, in one place for both ways of joining below: a volunteer not yet in the team, for a
        community team in no other community team (DESIGN.md: quit first), for a department's team one
        of the department's own members (issue 38.14)."""
        return sa.and_(checks.c.volunteer.is_(True), checks.c.here.is_(None), checks.c.outsider.is_(False),
                       sa.or_(checks.c.is_community.is_(False), checks.c.community_team_id.is_(None)))


_MEMBERSHIPS, _AUDIT = TeamMembership.__table__, AuditEntry.__table__
_NOW = sa.bindparam("now", type_=_MEMBERSHIPS.c.joined_at.type)
_SOURCE = sa.bindparam("source", type_=_MEMBERSHIPS.c.source.type)


@dataclass(frozen=True)
class _JoinStatements:
    """A join's statements for one way of naming the team and the member, built once (building a
    statement costs more than running it; on 报到 day a join runs hundreds of times a second).

    ``checks``: the team with everything the join decides on and the rule's verdict, one round trip.
    ``in_one`` (PostgreSQL): the same checks, the membership when the rule allows it and its audit row,
    in one statement (data-modifying CTEs), prepared and run in autocommit: one round trip; SQLite has
    no data-modifying CTEs and runs the checks, then two plain INSERTs.
    """
    checks: Prepared
    in_one: Prepared

    @classmethod
    def build(cls, which_team: sa.ColumnElement[bool], which_member: sa.ColumnElement[bool]) -> _JoinStatements:
        checks = _Checks.query(which_team, which_member)
        verdict = _Checks.may_join(checks).label("may_join")
        state = sa.select(checks, verdict).cte("state")
        joined = (sa.insert(_MEMBERSHIPS)
                  .from_select(["team_id", "member_id", "is_community", "source", "joined_at", "created_at"],
                               sa.select(state.c.team_id, state.c.member_id, state.c.is_community, _SOURCE, _NOW,
                                         _NOW).where(state.c.may_join))
                  .returning(_MEMBERSHIPS.c.id, _MEMBERSHIPS.c.member_id, _MEMBERSHIPS.c.team_id).cte("joined"))
        audited = sa.insert(_AUDIT).from_select(
            ["actor_kind", "actor_id", "action", "target_kind", "target_id", "detail", "created_at"],
            sa.select(sa.literal("member"), joined.c.member_id, sa.literal("team.join"), sa.literal("team"),
                      joined.c.team_id, sa.bindparam("detail", type_=_AUDIT.c.detail.type), _NOW)).cte("audited")
        in_one = (sa.select(state, joined.c.id.label("joined_id"))
                  .select_from(state.outerjoin(joined, sa.true())).add_cte(audited))
        return cls(checks=Prepared(sa.select(checks, verdict)), in_one=Prepared(in_one))


_BY_ID, _BY_CODE = Team.id == sa.bindparam("team_id"), Team.code == sa.bindparam("code")
# By the member's id, or by the WeChat openid bound to them: the bot's scan needs no lookup before the join.
_GIVEN, _BOUND = Member.id == sa.bindparam("member_id"), Member.openid == sa.bindparam("openid")
_JOIN_BY_ID = _JoinStatements.build(_BY_ID, _GIVEN)
_JOIN_BY_CODE = _JoinStatements.build(_BY_CODE, _GIVEN)
_JOIN_BY_CODE_FOR_OPENID = _JoinStatements.build(_BY_CODE, _BOUND)
_INSERT_MEMBERSHIP = sa.insert(_MEMBERSHIPS).returning(_MEMBERSHIPS.c.id)


def _existing_or_refuse(session: Session, row: sa.Row) -> int:
    """Why a member may not join (the rule said no): their active membership of the team when they are
    already in it; otherwise refused as not registered, not a volunteer, or active in another community
    team."""
    if row.volunteer is None:
        raise NotFound("member_not_found", "请先完成实名注册")
    if row.here is not None:
        return row.here
    if row.outsider:
        raise Forbidden("not_this_department", f"「{row.name}」只接受本组织的团员加入。{_own_team_hint(session, row.member_id)}",
                        team=row.name)
    if not row.volunteer:
        raise Invalid("not_volunteer", "请先注册成为志愿者，再加入服务队")
    if row.is_community and row.community_team_id is not None:
        current = get_team(session, row.community_team_id)
        raise Conflict("already_in_team",
                       f"你已加入「{current.name}」。如需更换社区（村），请先退出该服务队，再扫码加入新的服务队。",
                       team=current.name)
    # Only after a join lost a race whose winner has left again since: nothing to explain, try again.
    raise Conflict("join_retry", "报到未完成，请重新扫码")


def _own_team_hint(session: Session, member_id: int) -> str:
    """Where a member refused by a department's team belongs: their own department's team, or a community."""
    member = session.get(Member, member_id)
    branch = session.get(Organization, member.branch_id) if member.branch_id else None
    if branch is not None:
        above = [int(part) for part in branch.path.strip("/").split("/")]
        own = session.scalar(sa.select(Team.name).join(Organization, Organization.id == Team.org_id).where(
            Organization.id.in_(above), Organization.kind.in_(sorted(CLOSED_KINDS))).order_by(Organization.path.desc()).limit(1))
        if own is not None:
            return f"你所在组织的服务队是「{own}」，请扫描它的二维码。"
    return "请扫描居住地社区（村）服务队的二维码报到。"


def join_team(session: Session, member_id: int, team_id: int, *, source: str) -> JoinResult:
    """Idempotent: the same member joining the same team again returns the existing membership.

    Concurrent joins (a WeChat retry racing its original) are settled by the partial unique indexes;
    the loser re-reads and answers like a repeated scan. The membership and its audit row are written
    together or not at all, by plain statements (no ORM flush): this is the 报到-day hot path.
    """
    return _join(session, _JOIN_BY_ID, {"team_id": team_id, "member_id": member_id}, "服务队不存在", source)


def join_team_by_code(session: Session, code: str, *, source: str, member_id: int | None = None,
                      openid: str | None = None) -> JoinResult | None:
    """The same by the code a scanned poster carries, for a member or for the member bound to a WeChat
    openid (None when no member is bound to it): the team and the member are read with the checks."""
    which = {"code": normalise_code(code)}
    statements = _JOIN_BY_CODE if openid is None else _JOIN_BY_CODE_FOR_OPENID
    which.update({"member_id": member_id} if openid is None else {"openid": openid})
    return _join(session, statements, which, "服务队不存在或二维码已失效", source, unbound_is_none=openid is not None)


def _join(session: Session, statements: _JoinStatements, which: dict, unknown: str, source: str, *,
          unbound_is_none: bool = False) -> JoinResult | None:
    try:
        row, joined_id = _checked_insert(session, statements, which, source)
    except IntegrityError:  # a concurrent join of the same member got there first: answer from what is there
        row, joined_id = statements.checks.one_or_none(session, which), None
    if row is None:
        raise NotFound("team_not_found", unknown)
    team = TeamInfo(row.team_id, row.name, row.contact_name, row.contact_phone, row.is_community)
    if row.member_id is None and unbound_is_none:
        return None
    if joined_id is not None:
        return JoinResult(joined_id, team, created=True)
    return JoinResult(_existing_or_refuse(session, row), team, created=False)


def _checked_insert(session: Session, statements: _JoinStatements, which: dict,
                    source: str) -> tuple[sa.Row | None, int | None]:
    now = utcnow()
    if session.get_bind().dialect.name == "postgresql":
        row = statements.in_one.one_or_none(session, {**which, "source": source, "now": now,
                                                      "detail": {"source": source}}, writes=True)
        return row, row.joined_id if row is not None else None
    with unit_of_work(session):
        connection = session.connection()
        row = connection.execute(statements.checks.statement, which).one_or_none()
        if row is None or not row.may_join:
            return row, None
        joined_id = connection.execute(_INSERT_MEMBERSHIP, {
            "team_id": row.team_id, "member_id": row.member_id, "is_community": row.is_community, "source": source,
            "joined_at": now, "created_at": now}).scalar_one()
        audit_now(connection, ("member", row.member_id), "team.join", ("team", row.team_id), source=source)
        return row, joined_id
