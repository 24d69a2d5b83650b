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
from sqlalchemy.orm import Session, aliased

from models import CalendarPeriod, Member, Organization, OrgKind, PeriodKind, RecordStatus, ServiceRecord
from models.calendar import PERIOD_LABELS
from services.kernel.beijing_time import beijing_today, days_bounds
from services.kernel.errors import Forbidden, Invalid
from services.kernel.uow import audit, unit_of_work
from services.organisations import orgs

QUARTER, SEMESTER, HOLIDAY = "quarter", "semester", "holiday"
RULE_LABELS = {QUARTER: "每季度至少参加1次", SEMESTER: "每学期至少参加1次", HOLIDAY: "寒、暑假各至少参加1次"}
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
    if member.branch_id is None:
        return QUARTER
    branch = session.get(Organization, member.branch_id)
    ancestors = [int(part) for part in branch.path.strip("/").split("/")]
    kinds = set(session.scalars(sa.select(Organization.kind).where(Organization.id.in_(ancestors))))
    if kinds & {OrgKind.university, OrgKind.department}:
        return SEMESTER
    if OrgKind.school in kinds:
        return HOLIDAY
    return QUARTER


def under_rule(rule: str) -> sa.ColumnElement[bool]:
    """``rule_for`` as a condition on the member's row, for work over many members at once (reminders):
    a branch under a university or a department follows semesters, under a middle school holidays."""
    branch, above = aliased(Organization), aliased(Organization)

    def under(*kinds: OrgKind) -> sa.ColumnElement[bool]:
        return Member.branch_id.in_(sa.select(branch.id).join(above, branch.path.startswith(above.path))
                                    .where(above.kind.in_(kinds)))
    semester, holiday = under(OrgKind.university, OrgKind.department), under(OrgKind.school)
    if rule == SEMESTER:
        return semester
    if rule == HOLIDAY:
        return sa.and_(holiday, sa.not_(semester))
    return sa.or_(Member.branch_id.is_(None), sa.and_(sa.not_(semester), sa.not_(holiday)))


def took_part(period: Period, member_id=ServiceRecord.member_id) -> sa.ColumnElement[bool]:
    """An approved record of ``member_id`` (a column or a value) signed in within ``period``.

    A probe for one such record, not EXISTS: PostgreSQL turns NOT EXISTS into an anti-join, and its
    estimate (one member left) picked a plan that took four minutes for a city's 本季度未参加; a probe is
    asked member by member, from the index alone (bench/README)."""
    start, stop = period.bounds()
    return (sa.select(sa.literal(1)).where(ServiceRecord.member_id == member_id,
                                           ServiceRecord.status == RecordStatus.approved,
                                           ServiceRecord.signin_at >= start, ServiceRecord.signin_at < stop)
            .correlate_except(ServiceRecord).limit(1).scalar_subquery().is_not(None))


@dataclass(frozen=True)
class OwnPeriods:
    """Each rule's period today, so that a list of many members judges each by their own rule as the
    member's own page does (``standing``): one rule per member on every surface (issue 38.1)."""
    periods: dict[str, Period]

    def done(self, member_id=Member.id) -> sa.ColumnElement[bool]:
        """An approved record of ``member_id`` (a column or a value) in the period of the member's rule;
        the rule read from the row's ``Member.branch_id``."""
        return sa.or_(*(sa.and_(under_rule(rule), took_part(period, member_id)) for rule, period in self.periods.items()))

    def record_counts(self) -> sa.ColumnElement[bool]:
        """A ServiceRecord row (joined to its Member) approved within its member's own period."""
        cases = []
        for rule, period in self.periods.items():
            start, stop = period.bounds()
            cases.append(sa.and_(under_rule(rule), ServiceRecord.signin_at >= start, ServiceRecord.signin_at < stop))
        return sa.and_(ServiceRecord.status == RecordStatus.approved, sa.or_(*cases))

    def rule(self) -> sa.ColumnElement[str]:
        """The member's rule as a column: quarter, semester or holiday."""
        return sa.case((under_rule(SEMESTER), SEMESTER), (under_rule(HOLIDAY), HOLIDAY), else_=QUARTER)


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
