"""Who is due which reminder now (issue 36.7), planned over many members at once: each kind inserts
the rows of everyone due with INSERT … SELECT … ON CONFLICT DO NOTHING on (kind, member, subject), so
planning every round adds nobody twice, and a row once there is never planned again — whatever became
of it, a member hears of the same thing once.

- 活动前一天: the Beijing day before a dated project the member is enrolled in (not on the waitlist);
- 周期结束前: the last REMINDER_PERIOD_DAYS of the member's period (quarter, semester or holiday, by where
  their branch sits: services.volunteering.participation) without an approved record in it;
- 年度时长: in November, under the year's 20 h.

Only members the account can reach are planned: bound to an openid that still follows, account open,
the kind not switched off. Whether it is still due is asked again when its turn to be sent comes.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models import (
    Enrolment,
    EnrolmentStatus,
    Member,
    Project,
    ProjectStatus,
    Reminder,
    ReminderKind,
    ReminderOptOut,
    ReminderStatus,
    WechatFollower,
    utcnow,
)
from services.kernel.beijing_time import BEIJING, day_start
from services.kernel.uow import unit_of_work
from services.volunteering import participation
from services.volunteering.hours import YEAR_TARGET_HOURS, beijing_year_bounds, year_minutes_of

YEAR_HOURS_MONTH = 11  # 11月: time is left to reach the year's 20 h


def reachable(kind: ReminderKind) -> sa.ColumnElement[bool]:
    """A member the account can remind of ``kind``: bound, following, open, not switched off."""
    unfollowed = sa.select(WechatFollower.openid).where(WechatFollower.subscribed.is_(False))
    switched_off = sa.select(ReminderOptOut.member_id).where(ReminderOptOut.kind == kind)
    return sa.and_(Member.openid.is_not(None), Member.openid.not_in(unfollowed), Member.closed_at.is_(None),
                   Member.id.not_in(switched_off))


def in_hours(now: dt.datetime) -> bool:
    """Reminders go in the day (REMINDER_HOURS, Beijing), never at night."""
    start, end = current_app.config["REMINDER_HOURS"]
    return start <= now.astimezone(BEIJING).hour < end


def _due(kind: ReminderKind, subject: sa.ColumnElement, project_id: sa.ColumnElement,
         valid_until: sa.ColumnElement) -> sa.Select:
    """The rows to insert for everyone the caller's WHERE lets through."""
    return sa.select(sa.literal(kind.value), Member.id, subject, project_id, valid_until,
                     sa.literal(ReminderStatus.pending.value), sa.literal(0),
                     sa.literal(utcnow(), Reminder.created_at.type)).where(reachable(kind))


def _insert(session: Session, chosen: sa.Select) -> int:
    insert = (postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert)(Reminder)
    statement = insert.from_select(["kind", "member_id", "subject", "project_id", "valid_until", "status",
                                    "attempts", "created_at"], chosen)
    return session.execute(statement.on_conflict_do_nothing(index_elements=["kind", "member_id", "subject"])).rowcount


def project_eve(session: Session, today: dt.date) -> int:
    """Members enrolled in a dated, published project that starts tomorrow (Beijing)."""
    tomorrow = day_start(today + dt.timedelta(days=1))
    chosen = (_due(ReminderKind.project_eve, sa.cast(Project.id, sa.String), Project.id, Project.starts_at)
              .join(Enrolment, Enrolment.member_id == Member.id).join(Project, Project.id == Enrolment.project_id)
              .where(Enrolment.status == EnrolmentStatus.enrolled, Project.status == ProjectStatus.published,
                     Project.is_long_term.is_(False), Project.starts_at >= tomorrow,
                     Project.starts_at < tomorrow + dt.timedelta(days=1)))
    return _insert(session, chosen)


def periods_ending(session: Session, today: dt.date) -> list[tuple[str, participation.Period]]:
    """(rule, period) of each rule whose period under way ends within REMINDER_PERIOD_DAYS."""
    window = current_app.config["REMINDER_PERIOD_DAYS"]
    ending = []
    for rule in participation.RULE_LABELS:
        period = participation.period_for(session, rule, today)
        if period.starts_on <= today <= period.ends_on and (period.ends_on - today).days < window:
            ending.append((rule, period))
    return ending


def period_end(session: Session, today: dt.date) -> int:
    """Members whose period ends soon and who have no approved record in it."""
    planned = 0
    for rule, period in periods_ending(session, today):
        chosen = _due(ReminderKind.period_end, sa.literal(period.label), sa.null(),
                      sa.literal(period.bounds()[1], Reminder.valid_until.type)).where(
            participation.rule_of_branch() == rule, sa.not_(participation.took_part(period, Member.id)))
        planned += _insert(session, chosen)
    return planned


def year_hours(session: Session, today: dt.date) -> int:
    """In November: members under the year's 20 h."""
    if today.month != YEAR_HOURS_MONTH:
        return 0
    chosen = _due(ReminderKind.year_hours, sa.literal(str(today.year)), sa.null(),
                  sa.literal(beijing_year_bounds(today.year)[1], Reminder.valid_until.type)).where(
        year_minutes_of(today.year, Member.id) < YEAR_TARGET_HOURS * 60)
    return _insert(session, chosen)


PLANNERS = {ReminderKind.project_eve: project_eve, ReminderKind.period_end: period_end,
            ReminderKind.year_hours: year_hours}


def plan(session: Session, now: dt.datetime) -> dict[ReminderKind, int]:
    """Every kind's new rows (each in its own transaction: one kind failing leaves the others planned)."""
    today = now.astimezone(BEIJING).date()
    planned = {}
    for kind, planner in PLANNERS.items():
        with unit_of_work(session):
            planned[kind] = planner(session, today)
    return planned
