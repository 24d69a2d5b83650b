"""Reminders members want (issue 36.7): each kind switchable by the member, sent exactly once through
the channel the member can hear on (订阅通知 when they accepted the reminder template, a template
message otherwise), and counted for the console's push history.

Who is due is ``reminder_plans``; sending follows the push's exactly-once rules (services/push/runs.py)
on its own table: a row is claimed pending → sending (durable before the request leaves), a request
that may have reached WeChat becomes ``unknown`` and is never resent, a claim a dead job left becomes
``unknown`` after PUSH_CLAIM_LEASE, the day's quota or a refused token ends the round with the rest
still pending for the next one. Before its turn a row is asked again whether it is still due (the
member withdrew, took part, reached 20 h, switched the kind off, closed the account, or the moment
passed): if not it is ``skipped`` with the reason, never sent late.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from models import (
    REMINDER_LABELS,
    Enrolment,
    EnrolmentStatus,
    Member,
    Organization,
    Project,
    ProjectStatus,
    Reminder,
    ReminderKind,
    ReminderOptOut,
    ReminderStatus,
    Subscription,
    Team,
    WechatFollower,
    utcnow,
)
from services.kernel.beijing_time import BEIJING
from services.kernel.errors import Invalid
from services.kernel.uow import audit, unit_of_work
from services.organisations import orgs
from services.push import channels, reminder_plans
from services.push.execution import Pacer, row_statements, settle_and_claim
from services.push.runs import keyword_value, project_link
from services.push.sending import INTERRUPTED_UNKNOWN, Outcome, apply_final_word, send_one
from services.volunteering import participation
from services.volunteering.hours import YEAR_TARGET_HOURS, hours_of
from services.volunteering.reviews import minutes_in_year

logger = logging.getLogger(__name__)

BATCH = 200
_STATEMENTS = row_statements(Reminder.__table__)

#: What each kind is for, in the member's words (the settings page and the API).
KIND_HINTS = {ReminderKind.project_eve: "报名的项目开始前一天提醒你按时参加",
              ReminderKind.period_end: "本季度（学生为本学期、本假期）快结束还没参加志愿服务时提醒你",
              ReminderKind.year_hours: "每年11月，年度服务时长不足20小时时提醒你"}

NO_LONGER = {"withdrawn": "已取消报名或项目已变更，无需提醒", "done": "已参加，无需提醒", "reached": "已满20小时，无需提醒",
             "off": "团员已关闭此类提醒", "late": "已过提醒时间，未发送", "gone": "团员已解绑或注销",
             "changed": "团员的参加周期已变化，无需提醒",
             "unfollowed": "对方未关注公众号（或已取消关注）", "no_channel": "未配置提醒模板，且对方未订阅提醒"}


# ---- the member's switches ----------------------------------------------------------------------

def switches(session: Session, member_id: int) -> dict[ReminderKind, bool]:
    off = set(session.scalars(sa.select(ReminderOptOut.kind).where(ReminderOptOut.member_id == member_id)))
    return {kind: kind not in off for kind in ReminderKind}


def set_switches(session: Session, member_id: int, wanted: dict[str, bool]) -> dict[ReminderKind, bool]:
    """``wanted``: kind → on, for the kinds the member sent (the others stay as they are)."""
    try:
        wanted = {ReminderKind(kind): bool(on) for kind, on in wanted.items()}
    except ValueError:
        raise Invalid("kind", "提醒类型只能是 " + "、".join(k.value for k in ReminderKind)) from None
    with unit_of_work(session):
        before = switches(session, member_id)
        changed = {kind: on for kind, on in wanted.items() if before[kind] != on}
        for kind, on in changed.items():
            if on:
                session.execute(sa.delete(ReminderOptOut).where(ReminderOptOut.member_id == member_id,
                                                                ReminderOptOut.kind == kind))
            else:
                session.add(ReminderOptOut(member_id=member_id, kind=kind, created_at=utcnow()))
        if changed:
            audit(session, ("member", member_id), "member.reminders", ("member", member_id),
                  **{kind.value: on for kind, on in changed.items()})
    return {**before, **wanted}


def as_dict(state: dict[ReminderKind, bool]) -> list[dict]:
    return [{"kind": kind.value, "label": REMINDER_LABELS[kind], "hint": KIND_HINTS[kind], "on": on}
            for kind, on in state.items()]


# ---- what a reminder says -------------------------------------------------------------------------

@dataclass(frozen=True)
class Text:
    title: str
    time: str
    note: str
    link: str


def _day(value: dt.date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def _still_due(session: Session, reminder: Reminder, member: Member, now: dt.datetime) -> Text | str:
    """The reminder's text, or the NO_LONGER key saying why it is no longer due."""
    base = current_app.config["PUBLIC_BASE_URL"]
    if reminder.valid_until <= now:
        return "late"
    if reminder.kind == ReminderKind.project_eve:
        project = session.get(Project, reminder.project_id)
        enrolled = session.scalar(sa.select(Enrolment.status).where(
            Enrolment.project_id == reminder.project_id, Enrolment.member_id == member.id))
        if (project is None or project.status != ProjectStatus.published or enrolled != EnrolmentStatus.enrolled
                or project.starts_at is None or project.starts_at <= now):
            return "withdrawn"
        start = project.starts_at.astimezone(BEIJING)
        return Text(project.title, start.strftime("%Y年%m月%d日 %H:%M"), "明天开始，请按时到场签到", project_link(project))
    if reminder.kind == ReminderKind.period_end:
        standing = participation.standing(session, member, now.astimezone(BEIJING).date())
        if standing.period.label != reminder.subject:
            return "changed"
        if standing.done:
            return "done"
        words = participation.PERIOD_WORDS[standing.rule]
        return Text(f"{standing.period.label}志愿服务", _day(standing.period.ends_on),
                    f"{words}尚未参加志愿服务，去看看项目", f"{base}/m/projects")
    year = int(reminder.subject)
    minutes = minutes_in_year(session, member.id, year)
    if minutes >= YEAR_TARGET_HOURS * 60:
        return "reached"
    short = (YEAR_TARGET_HOURS * 60 - minutes)
    return Text(f"{year}年志愿服务时长", _day(dt.date(year, 12, 31)),
                f"已服务{hours_of(minutes):g}小时，还差{hours_left(short):g}小时", f"{base}/m/hours")


def hours_left(minutes: int) -> float:
    """What is left, rounded up to a tenth: "还差0.1小时" rather than "还差0小时" for the last minutes."""
    return -(-minutes * 10 // 60) / 10


def channel_for(session: Session, openid: str) -> channels.Channel | None:
    """订阅通知 when the member accepted the reminder template, a template message otherwise."""
    config = current_app.config
    subscribe_id = config.get("REMINDER_SUBSCRIBE_TEMPLATE_ID")
    if subscribe_id:
        answer = session.get(Subscription, (openid, subscribe_id))
        if answer is not None and answer.status == "accept":
            return channels.Channel(channels.SUBSCRIBE, subscribe_id)
    if config.get("REMINDER_TEMPLATE_ID"):
        return channels.Channel(channels.TEMPLATE, config["REMINDER_TEMPLATE_ID"])
    return None


def message(channel: channels.Channel, text: Text) -> dict:
    sources = {"title": text.title, "time": text.time, "note": text.note}
    values = {keyword: keyword_value(sources[source])
              for keyword, source in current_app.config["REMINDER_TEMPLATE_FIELDS"].items()}
    return channels.build(channel, values, text.link, None)


# ---- a round --------------------------------------------------------------------------------------

@dataclass
class Round:
    planned: dict[str, int] = dataclasses.field(default_factory=dict)
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    unknown: int = 0
    stopped: str | None = None  # "quota", "token", or "night" (outside REMINDER_HOURS)


def _skip(session: Session, ids: list[int], reason: str, now: dt.datetime) -> None:
    with unit_of_work(session):
        session.execute(sa.update(Reminder).where(Reminder.id.in_(ids), Reminder.status.in_(
            [ReminderStatus.pending, ReminderStatus.sending])).values(
            status=ReminderStatus.skipped, errmsg=NO_LONGER[reason], updated_at=now))


def _release_interrupted(session: Session, now: dt.datetime) -> int:
    stale = now - dt.timedelta(seconds=current_app.config["PUSH_CLAIM_LEASE"])
    with unit_of_work(session):
        return session.execute(sa.update(Reminder).where(
            Reminder.status == ReminderStatus.sending, Reminder.claimed_at < stale).values(
            status=ReminderStatus.unknown, errmsg=INTERRUPTED_UNKNOWN, updated_at=now)).rowcount


def _touch(session: Session, reminder_id: int) -> None:
    with unit_of_work(session):
        session.execute(sa.update(Reminder).where(Reminder.id == reminder_id).values(claimed_at=utcnow()))


def run_round(session: Session, *, client, now: dt.datetime | None = None) -> Round:
    """Plan what is due, then claim → check → send → settle row by row, paced with the pushes."""
    now = now or utcnow()
    report = Round()
    if not reminder_plans.in_hours(now):
        report.stopped = "night"
        return report
    report.planned = {kind.value: n for kind, n in reminder_plans.plan(session, now).items()}
    report.unknown += _release_interrupted(session, now)
    pacer = Pacer()
    while True:
        batch = list(session.scalars(sa.select(Reminder.id).where(Reminder.status == ReminderStatus.pending)
                                     .order_by(Reminder.id).limit(BATCH)))
        session.rollback()
        if not batch:
            return report
        for reminder_id in batch:
            pacer.wait()  # the permit before the claim: a pacer that fails (Redis down) leaves the row pending
            if not settle_and_claim(session, None, reminder_id, _STATEMENTS):
                pacer.give_back()
                continue  # another round has it
            outcome = _send(session, reminder_id, client, now)
            if outcome is None:
                report.skipped += 1
                continue
            if outcome.stop:
                settle_and_claim(session, (reminder_id, Outcome(ReminderStatus.pending)), None, _STATEMENTS)
                report.stopped = outcome.stop
                logger.warning("reminder round stopped: %s", outcome.stop)
                return report
            settle_and_claim(session, (reminder_id, outcome), None, _STATEMENTS)
            if outcome.status == ReminderStatus.sent:
                report.sent += 1
            elif outcome.status == ReminderStatus.unknown:
                report.unknown += 1
            else:
                report.failed += 1


def _send(session: Session, reminder_id: int, client, now: dt.datetime) -> Outcome | None:
    """One claimed reminder: None when it was skipped (no longer due, or no way to reach the member)."""
    reminder = session.get(Reminder, reminder_id)
    member = session.get(Member, reminder.member_id)
    switched_off = session.get(ReminderOptOut, (member.id, reminder.kind)) is not None
    unfollowed = member.openid is not None and session.scalar(sa.select(WechatFollower.subscribed).where(
        WechatFollower.openid == member.openid)) is False
    text = ("gone" if member.openid is None or member.closed_at is not None else "unfollowed" if unfollowed
            else "off" if switched_off else _still_due(session, reminder, member, now))
    channel = channel_for(session, member.openid) if isinstance(text, Text) else None
    if isinstance(text, Text) and channel is None:
        text = "no_channel"
    if not isinstance(text, Text):
        session.rollback()
        _skip(session, [reminder_id], text, now)
        return None
    openid = member.openid
    with unit_of_work(session):
        reminder.channel, reminder.openid = channel.name, openid
    try:
        prepared = message(channel, text)
    except Invalid as exc:
        return Outcome(ReminderStatus.failed, errmsg=exc.message[:200])
    outcome = send_one(client, openid, prepared, touch=functools.partial(_touch, session, reminder_id),
                       channel=channel)
    return dataclasses.replace(outcome, status=ReminderStatus(outcome.status.value))


def record_result(session: Session, msgid: str, status: str) -> Reminder | None:
    """WeChat's final word on a sent reminder (TEMPLATESENDJOBFINISH, subscribe_msg_sent_event)."""
    with unit_of_work(session):
        reminder = session.scalar(sa.select(Reminder).where(Reminder.msgid == msgid)) if msgid else None
        if reminder is None:
            return None
        apply_final_word(reminder, status)
        return reminder


# ---- the console's push history ---------------------------------------------------------------------

@dataclass(frozen=True)
class HistoryRow:
    first: dt.datetime          # when the first of them was planned
    kind: ReminderKind
    subject: str                # the project's title, the period, the year
    counts: dict[str, int]      # status → how many

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def label(self) -> str:
        return REMINDER_LABELS[self.kind]


def history(session: Session, org: Organization, *, days: int = 120) -> list[HistoryRow]:
    """Reminders of the last ``days`` to the members of ``org``'s sub-tree and of its teams' projects, by
    occasion (kind and subject), with how many are in each state: counts only, who got what is each
    member's own business. Newest occasion first."""
    since = utcnow() - dt.timedelta(days=days)
    own_projects = sa.select(Project.id).join(Team, Team.id == Project.team_id).where(
        Team.org_id.in_(sa.select(Organization.id).where(orgs.subtree_filter(org))))
    found = session.execute(
        sa.select(Reminder.kind, Reminder.subject, Reminder.project_id, Reminder.status,
                  sa.func.min(Reminder.created_at), sa.func.count())
        .where(Reminder.created_at >= since, sa.or_(
            Reminder.member_id.in_(orgs.subtree_member_ids(org)), Reminder.project_id.in_(own_projects)))
        .group_by(Reminder.kind, Reminder.subject, Reminder.project_id, Reminder.status)).all()
    titles = dict(session.execute(sa.select(Project.id, Project.title).where(
        Project.id.in_({row.project_id for row in found if row.project_id}))).all())
    grouped: dict[tuple, tuple[dt.datetime, dict[str, int]]] = {}
    for kind, subject, project_id, status, first, count in found:
        key = (kind, titles.get(project_id, subject) if project_id else subject)
        earliest, counts = grouped.get(key, (first, {}))
        counts[status.value] = counts.get(status.value, 0) + count
        grouped[key] = (min(earliest, first), counts)
    rows = [HistoryRow(first, kind, subject, counts) for (kind, subject), (first, counts) in grouped.items()]
    return sorted(rows, key=lambda row: row.first, reverse=True)
