"""How often members take part (seed 000 二（二）and 三: 每季度至少参加1次; 大学生每学期至少参加1次; 中学生寒、
暑假分别…至少参加1次; 各社区（村）团组织每季度至少组织2次志愿服务活动).

Taking part is an approved service record whose sign-in falls in the period, in Beijing dates. Which
rule a member follows comes from where their branch sits: under a university, per semester; under a
middle school, per winter and summer holiday; elsewhere (机关、企业、社区…) per quarter. Semesters and
holidays are date ranges per year that the city sets (``calendar_periods``); a year without them uses
the usual Beijing school calendar below, labelled as such.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import (
    CalendarPeriod,
    Member,
    Organization,
    OrgKind,
    Pairing,
    PairingStatus,
    PeriodKind,
    Project,
    RecordStatus,
    ServiceRecord,
    TeamMembership,
)
from models.calendar import PERIOD_LABELS
from services.kernel.beijing_time import beijing_today, days_bounds
from services.kernel.errors import Forbidden, Invalid
from services.kernel.uow import audit, unit_of_work
from services.organisations import orgs
from services.organisations.belonging import department_ids

QUARTER, SEMESTER, HOLIDAY = "quarter", "semester", "holiday"
RULE_LABELS = {QUARTER: "每季度至少到所选社区（村）参加1次", SEMESTER: "每学期至少到结对街道（乡镇）参加1次",
               HOLIDAY: "寒、暑假各至少到所选社区（村）参加1次"}
COMMUNITY_ACTIVITIES_PER_QUARTER = 2


def _usual(year: int, kind: PeriodKind) -> tuple[dt.date, dt.date]:
    """The usual calendar when the city has set none: 寒假 mid-January to February, 春季学期 March to
    mid-July, 暑假 mid-July to August, 秋季学期 September to mid-January."""
    return {PeriodKind.winter_holiday: (dt.date(year, 1, 16), dt.date(year, 3, 1) - dt.timedelta(days=1)),
            PeriodKind.spring_semester: (dt.date(year, 3, 1), dt.date(year, 7, 10)),
            PeriodKind.summer_holiday: (dt.date(year, 7, 11), dt.date(year, 8, 31)),
            PeriodKind.autumn_semester: (dt.date(year, 9, 1), dt.date(year + 1, 1, 15))}[kind]


@dataclass(frozen=True)
class Period:
    label: str
    starts_on: dt.date
    ends_on: dt.date           # inclusive
    configured: bool = True    # False: the usual calendar, not one the city set

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        return days_bounds(self.starts_on, self.ends_on)


def quarter_of(day: dt.date) -> Period:
    first_month = (day.month - 1) // 3 * 3 + 1
    start = dt.date(day.year, first_month, 1)
    following = dt.date(day.year + 1, 1, 1) if first_month == 10 else dt.date(day.year, first_month + 3, 1)
    end = following - dt.timedelta(days=1)
    return Period(f"{day.year}年第{(first_month - 1) // 3 + 1}季度", start, end)


def calendar(session: Session, year: int) -> dict[PeriodKind, Period]:
    rows = {row.kind: row for row in session.scalars(sa.select(CalendarPeriod).where(CalendarPeriod.year == year))}
    found = {}
    for kind in PeriodKind:
        row = rows.get(kind)
        start, end = (row.starts_on, row.ends_on) if row else _usual(year, kind)
        found[kind] = Period(f"{year}年{PERIOD_LABELS[kind]}", start, end, configured=row is not None)
    return found


def period_for(session: Session, rule: str, today: dt.date) -> Period:
    """The period a member is judged on today: the quarter; the semester under way (in a holiday, the
    one just ended); the holiday under way (in term, the one just ended)."""
    if rule == QUARTER:
        return quarter_of(today)
    kinds = ((PeriodKind.spring_semester, PeriodKind.autumn_semester) if rule == SEMESTER
             else (PeriodKind.winter_holiday, PeriodKind.summer_holiday))
    candidates = [p for year in (today.year - 1, today.year) for kind, p in calendar(session, year).items()
                  if kind in kinds and p.starts_on <= today]
    return max(candidates, key=lambda p: p.starts_on)


def rule_for(session: Session, member: Member) -> str:
    """The member's rule: their branch's (``Organization.participation_rule``), quarter without a branch."""
    return session.scalar(sa.select(rule_of_branch(sa.literal(member.branch_id)))) if member.branch_id else QUARTER


def at_own_place(session: Session, member: Member, project: Project) -> bool:
    """Whether service at ``project`` counts for the member's period (issue 38 row 13; seed 000: 每季度至少到
    所选的社区（村）参加1次; 大学生每学期至少参加1次对接的街道（乡镇）或其下属社区（村）的志愿服务活动): at a
    community team they joined; for a university member at the paired street, its communities, or their own
    department's team."""
    team = project.team
    if rule_for(session, member) != SEMESTER:
        return session.scalar(sa.select(TeamMembership.id).where(
            TeamMembership.member_id == member.id, TeamMembership.team_id == team.id,
            TeamMembership.is_community.is_(True)).limit(1)) is not None
    departments = department_ids(session, member)
    if team.org_id in departments:
        return True
    streets = session.scalars(sa.select(Organization.path).join(Pairing, Pairing.street_id == Organization.id).where(
        Pairing.department_id.in_(departments), Pairing.status == PairingStatus.accepted)).all() if departments else []
    return any(team.org.path.startswith(path) for path in streets)


def took_part(period: Period, member_id=ServiceRecord.member_id) -> sa.ColumnElement[bool]:
    """An approved record of ``member_id`` (a column or a value) signed in within ``period``.

    A probe for one such record, not EXISTS: PostgreSQL turns NOT EXISTS into an anti-join, and its
    estimate (one member left) picked a plan that took four minutes for a city's 本季度未参加; a probe is
    asked member by member, from the index alone (bench/README)."""
    start, stop = period.bounds()
    return (sa.select(sa.literal(1)).where(ServiceRecord.member_id == member_id,
                                           ServiceRecord.status == RecordStatus.approved,
                                           ServiceRecord.signin_at >= start, ServiceRecord.signin_at < stop,
                                           ServiceRecord.at_own_place.is_(True))
            .correlate_except(ServiceRecord).limit(1).scalar_subquery().is_not(None))


def rule_of_branch(branch_id=Member.branch_id) -> sa.ColumnElement[str]:
    """The rule of the member whose ``branch_id`` this is (a column or a value): the organisation's own
    ``participation_rule`` (set where it sits, when it is created), quarter without one."""
    return sa.func.coalesce(sa.select(Organization.participation_rule).where(Organization.id == branch_id)
                            .scalar_subquery(), QUARTER)


@dataclass(frozen=True)
class OwnPeriods:
    """Each rule's period today, so that a list of many members judges each by their own rule as the
    member's own page does (``standing``): one rule per member on every surface (issue 38 row 1). The
    rule is read from the branch's row (one index lookup a member): worked out from the tree's paths on
    every list, it cost a city's member list a quarter of a second (bench/README)."""
    periods: dict[str, Period]

    def done(self, member_id=Member.id, branch_id=Member.branch_id) -> sa.ColumnElement[bool]:
        """An approved record of ``member_id`` in the period of the member's rule."""
        rule = rule_of_branch(branch_id)
        return sa.case((rule == SEMESTER, took_part(self.periods[SEMESTER], member_id)),
                       (rule == HOLIDAY, took_part(self.periods[HOLIDAY], member_id)),
                       else_=took_part(self.periods[QUARTER], member_id))

    def record_counts(self, rule: sa.ColumnElement[str]) -> sa.ColumnElement[bool]:
        """A ServiceRecord row approved within the period of ``rule`` (its member's, joined by the caller)."""
        cases, bounds = [], [period.bounds() for period in self.periods.values()]
        for name, (start, stop) in zip(self.periods, bounds, strict=True):
            cases.append(sa.and_(rule == name, ServiceRecord.signin_at >= start, ServiceRecord.signin_at < stop))
        # The span of all three as one range too, so the index on signin_at bounds the scan.
        return sa.and_(ServiceRecord.status == RecordStatus.approved, ServiceRecord.at_own_place.is_(True),
                       ServiceRecord.signin_at >= min(start for start, _ in bounds),
                       ServiceRecord.signin_at < max(stop for _, stop in bounds), sa.or_(*cases))

    def rule(self, branch_id=Member.branch_id) -> sa.ColumnElement[str]:
        """The member's rule as a column: quarter, semester or holiday."""
        return rule_of_branch(branch_id)


PERIOD_WORDS = {QUARTER: "本季度", SEMESTER: "本学期", HOLIDAY: "本假期"}
OWN_PERIOD_NOTE = "每季度至少参加1次；大学生按学期、中学生按寒暑假"


def own_periods(session: Session, today: dt.date | None = None) -> OwnPeriods:
    today = today or beijing_today()
    return OwnPeriods({rule: period_for(session, rule, today) for rule in RULE_LABELS})


@dataclass(frozen=True)
class Standing:
    rule: str
    period: Period
    done: bool

    @property
    def rule_label(self) -> str:
        return RULE_LABELS[self.rule]


def standing(session: Session, member: Member, today: dt.date | None = None) -> Standing:
    """This period done or not, for the member's own pages."""
    rule = rule_for(session, member)
    period = period_for(session, rule, today or beijing_today())
    return Standing(rule, period, bool(session.scalar(sa.select(took_part(period, member.id)))))


def set_period(session: Session, actor_org_id: int, year: int, kind: PeriodKind | str, starts_on: dt.date,
               ends_on: dt.date) -> CalendarPeriod:
    try:
        kind = PeriodKind(kind)
    except ValueError:
        raise Invalid("kind", "请选择学期或假期") from None
    if ends_on < starts_on or (ends_on - starts_on).days > 200:
        raise Invalid("period", "结束日期应不早于开始日期，且不超过200天")
    if starts_on.year != year:
        raise Invalid("year", "开始日期应在所选年度内（秋季学期可延续到次年）")
    with unit_of_work(session):
        if orgs.get_org(session, actor_org_id).kind != OrgKind.city:
            raise Forbidden("city_only", "学期与假期由团市委设置")
        row = session.get(CalendarPeriod, (year, kind))
        if row is None:
            row = CalendarPeriod(year=year, kind=kind, starts_on=starts_on, ends_on=ends_on)
            session.add(row)
        else:
            row.starts_on, row.ends_on = starts_on, ends_on
        audit(session, ("org", actor_org_id), "calendar.set", ("org", actor_org_id), year=year, kind=kind.value,
              starts_on=starts_on.isoformat(), ends_on=ends_on.isoformat())
        return row
