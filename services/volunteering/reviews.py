"""团员评议 results and 入团积极分子.

评议 (seed 000: 及时将评议工作开展情况录入; seed 001: 未注册为志愿者及未完成20小时志愿服务的团员，原则上评议结果
不能为优秀): the branch (or an organisation above it) records each member's result for a year; 优秀 is
refused, with the reason, for a member who is not a registered volunteer or has under 20 approved hours
in that Beijing year; once the branch closes the year its results stand.

入团积极分子 (seed 001: 所有入团积极分子应在教育培养考察阶段时100%成为注册志愿者; 参加志愿服务的情况应填写至
《入团志愿书》，需写明参加志愿服务的时长): a flag the branch sets, counted on the dashboard against a
100 % registration target, with a printable hours statement for the 入团志愿书.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import LeagueReview, Member, RecordStatus, ReviewResult, ReviewYear, ServiceRecord, utcnow
from services.kernel.beijing_time import BEIJING, beijing_today, day_start
from services.kernel.errors import Conflict, Forbidden, Invalid
from services.kernel.uow import audit, unit_of_work
from services.organisations import orgs
from services.people.members import get_member
from services.volunteering.hours import YEAR_TARGET_HOURS, hours_text, year_minutes


def _manageable(session: Session, member: Member, actor_org_id: int) -> int:
    if member.branch_id is None or not orgs.is_within(session, member.branch_id, actor_org_id):
        raise Forbidden("not_your_member", "只能评议本组织及下级组织的团员")
    return member.branch_id


def is_closed(session: Session, branch_id: int, year: int) -> bool:
    return session.get(ReviewYear, (branch_id, year)) is not None


def minutes_in_year(session: Session, member_id: int, year: int) -> int:
    sums = year_minutes(year, sa.select(sa.literal(member_id)))
    return int(session.scalar(sa.select(sums.c.minutes)) or 0)


def excellent_blockers(is_volunteer: bool, year_minutes: int) -> list[str]:
    """The rule, once: what keeps a member from 优秀 (the 评议 list shows it, ``record`` enforces it)."""
    return ([] if is_volunteer else ["未注册志愿者"]) + (
        [] if year_minutes >= YEAR_TARGET_HOURS * 60 else ["年度服务不满20小时"])


def excellent_refusal(session: Session, member: Member, year: int) -> str | None:
    """Why 优秀 is refused for this member and year, or None."""
    minutes = minutes_in_year(session, member.id, year)
    blockers = excellent_blockers(member.is_volunteer, minutes)
    return f"{'、'.join(blockers)}（{year}年认证 {hours_text(minutes)} 小时）" if blockers else None


def record(session: Session, actor_org_id: int, member_id: int, year: int, result: ReviewResult | str) -> LeagueReview:
    try:
        result = ReviewResult(result)
    except ValueError:
        raise Invalid("result", "评议结果应为优秀、合格、基本合格或不合格") from None
    if not 2000 <= year <= beijing_today().year:
        raise Invalid("year", "只能录入今年及以前的评议结果")
    with unit_of_work(session):
        member = get_member(session, member_id)
        branch_id = _manageable(session, member, actor_org_id)
        if is_closed(session, branch_id, year):
            raise Conflict("review_closed", f"{year}年度评议已结束，结果不能再修改")
        if result == ReviewResult.excellent:
            refusal = excellent_refusal(session, member, year)
            if refusal:
                raise Invalid("not_excellent", f"不能评为优秀：{refusal}（未注册为志愿者或未完成20小时志愿服务的团员，"
                                               "原则上评议结果不能为优秀）")
        row = session.scalar(sa.select(LeagueReview).where(LeagueReview.member_id == member.id,
                                                           LeagueReview.year == year).with_for_update())
        if row is None:
            row = LeagueReview(member_id=member.id, year=year, result=result, branch_id=branch_id, recorded_at=utcnow())
            session.add(row)
        else:
            row.result, row.branch_id, row.recorded_at = result, branch_id, utcnow()
        audit(session, ("org", actor_org_id), "review.record", ("member", member.id), year=year, result=result.value)
        return row


def close_year(session: Session, actor_org_id: int, year: int) -> ReviewYear:
    """The branch ends its 评议 of the year; its results can no longer change."""
    with unit_of_work(session):
        branch = orgs.get_org(session, actor_org_id)
        if branch.kind.value != "branch":
            raise Forbidden("branch_only", "评议由团支部录入并结束")
        if is_closed(session, branch.id, year):
            raise Conflict("review_closed", f"{year}年度评议已结束")
        closed = ReviewYear(branch_id=branch.id, year=year, closed_at=utcnow())
        session.add(closed)
        audit(session, ("org", branch.id), "review.close", ("org", branch.id), year=year)
        return closed


def results_column(year: int):
    """The member's recorded result of ``year`` as a column another member statement can carry."""
    return (sa.select(LeagueReview.result).where(LeagueReview.member_id == Member.id, LeagueReview.year == year)
            .scalar_subquery())


# 入团积极分子

def set_activist(session: Session, actor_org_id: int, member_id: int, activist: bool) -> Member:
    with unit_of_work(session):
        member = get_member(session, member_id)
        _manageable(session, member, actor_org_id)
        if activist and member.activist_since is None:
            member.activist_since = beijing_today()
        elif not activist:
            member.activist_since = None
        audit(session, ("org", actor_org_id), "member.activist", ("member", member.id), activist=activist)
        return member


@dataclass(frozen=True)
class StatementLine:
    date: dt.date
    project: str
    hours: str


@dataclass(frozen=True)
class HoursStatement:
    """参加志愿服务情况 for the 入团志愿书: every approved record since the member became an activist."""
    member: Member
    since: dt.date
    lines: list[StatementLine]
    total_hours: str
    issued: dt.date


def activist_statement(session: Session, actor_org_id: int, member_id: int) -> HoursStatement:
    from models import Project

    member = get_member(session, member_id)
    _manageable(session, member, actor_org_id)
    if member.activist_since is None:
        raise Invalid("not_activist", "该团员未被标记为入团积极分子")
    since = day_start(member.activist_since)
    rows = session.execute(sa.select(ServiceRecord.signin_at, Project.title, ServiceRecord.duration_minutes)
                           .join(Project, Project.id == ServiceRecord.project_id)
                           .where(ServiceRecord.member_id == member.id, ServiceRecord.status == RecordStatus.approved,
                                  ServiceRecord.signin_at >= since)
                           .order_by(ServiceRecord.signin_at)).all()
    lines = [StatementLine(at.astimezone(BEIJING).date(), title, hours_text(minutes)) for at, title, minutes in rows]
    total = sum(int(minutes or 0) for _, _, minutes in rows)
    return HoursStatement(member, member.activist_since, lines, hours_text(total), beijing_today())
