"""The push job: plan the deliveries, then claim → send → settle row by row, paced across workers,
paused by the daily quota (services/push/runs.py says what exactly-once rests on; this is the part that
runs on a worker). ``jobs.push`` puts :func:`run` on RQ and hands it the WeChat client.
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
import time
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from models import DeliveryStatus, Member, Project, PushDelivery, PushRun, PushState, utcnow
from runtime.metrics import PUSH_DELIVERIES
from services.kernel.beijing_time import BEIJING
from services.kernel.uow import unit_of_work
from services.push import channels, subscriptions
from services.push.runs import message_for, queue_run, recipient_filter
from services.push.sending import INTERRUPTED_UNKNOWN, REASONS, Outcome, send_one

logger = logging.getLogger(__name__)

BATCH = 200
HEARTBEAT_SECONDS = 2.0


class Pacer:
    """At most PUSH_RATE_PER_SECOND sends a second across every worker (Redis-backed when configured),
    with the ``limits`` library's fixed windows. Permits are taken a few at a time (a tenth of a
    second's worth, at most 10: one Redis round trip per block instead of per message); a worker that
    stops mid-block leaves the rest of its block unused, never more than the rate."""

    def __init__(self) -> None:
        from limits import RateLimitItemPerSecond
        from limits.storage import storage_from_string
        from limits.strategies import FixedWindowRateLimiter

        app = current_app
        key = "push_rate_storage"
        if key not in app.extensions:
            app.extensions[key] = storage_from_string(app.config.get("REDIS_URL") or "memory://")
        self.limiter = FixedWindowRateLimiter(app.extensions[key])
        rate = app.config["PUSH_RATE_PER_SECOND"]
        self.item = RateLimitItemPerSecond(rate)
        self.scope = app.config["WECHAT_APP_ID"]
        self.block, self.left = max(1, min(10, rate // 10)), 0

    def wait(self) -> None:
        if self.left:
            self.left -= 1
            return
        while not self.limiter.hit(self.item, "wechat-template", self.scope, cost=self.block):
            reset, _ = self.limiter.get_window_stats(self.item, "wechat-template", self.scope)
            time.sleep(min(1.0, max(0.005, reset - time.time())))
        self.left = self.block - 1

    def give_back(self) -> None:
        """A permit taken for a row another job claimed serves the next row."""
        self.left += 1


def plan(session: Session, project: Project) -> int:
    """Create the missing delivery rows (one per reachable recipient); the total number of rows."""
    from sqlalchemy.dialects import postgresql, sqlite

    insert = (postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert)(PushDelivery)
    now = utcnow()
    chosen = sa.select(sa.literal(project.id), Member.id, Member.openid, sa.literal(DeliveryStatus.pending.value),
                       sa.literal(0), sa.literal(now, PushDelivery.created_at.type)).where(
        recipient_filter(session, project))
    channel = channels.current()
    with unit_of_work(session):
        session.execute(insert.from_select(
            ["project_id", "member_id", "openid", "status", "attempts", "created_at"], chosen)
            .on_conflict_do_nothing(index_elements=["project_id", "member_id"]))
        if channel.name == channels.SUBSCRIBE:  # not asked of WeChat: reported as not subscribed
            session.execute(sa.update(PushDelivery).where(
                PushDelivery.project_id == project.id, PushDelivery.status == DeliveryStatus.pending,
                PushDelivery.openid.not_in(subscriptions.accepted(channel.template_id)))
                .values(status=DeliveryStatus.failed, errcode=subscriptions.NOT_SUBSCRIBED,
                        errmsg=subscriptions.NOT_SUBSCRIBED_TEXT, updated_at=now)
                .execution_options(synchronize_session=False))
    return session.scalar(sa.select(sa.func.count()).where(PushDelivery.project_id == project.id))


def release_interrupted(session: Session, project_id: int, *, silent_for: dt.timedelta | None = None,
                        now: dt.datetime | None = None) -> int:
    """Rows a dead job left in ``sending`` (claimed longer ago than ``silent_for``, by default the lease):
    they may have reached WeChat, so they become ``unknown``."""
    now = now or utcnow()
    stale = now - (silent_for or dt.timedelta(seconds=current_app.config["PUSH_CLAIM_LEASE"]))
    with unit_of_work(session):
        return session.execute(sa.update(PushDelivery).where(
            PushDelivery.project_id == project_id, PushDelivery.status == DeliveryStatus.sending,
            PushDelivery.claimed_at < stale).values(
            status=DeliveryStatus.unknown, errmsg=INTERRUPTED_UNKNOWN, updated_at=now)).rowcount


def claim_silence() -> dt.timedelta:
    """How long a live job's claim can go unrenewed: one request's timeout and the longest pause between
    tries (``touch`` renews the claim before each try), with a margin. Older is a dead job's."""
    config = current_app.config
    longest_pause = config["PUSH_RETRY_BACKOFF"] * 2 ** max(0, config["PUSH_MAX_ATTEMPTS"] - 2)
    return dt.timedelta(seconds=config["PUSH_HTTP_TIMEOUT"] + longest_pause + 2)


def settle_leftovers(session: Session, project_id: int) -> int:
    """Before a run says "done": rows still ``sending`` belong to a job that is sending them now (wait
    for it) or to a killed one (its claim falls silent: ``unknown``, never resent by itself). A killed
    inline push used to leave such a row behind a rerun reported done. The number made unknown."""
    deadline = time.monotonic() + current_app.config["PUSH_CLAIM_LEASE"]
    silence, released = claim_silence(), 0
    while True:
        released += release_interrupted(session, project_id, silent_for=silence)
        in_flight = session.scalar(sa.select(sa.func.count()).where(
            PushDelivery.project_id == project_id, PushDelivery.status == DeliveryStatus.sending))
        session.rollback()
        if not in_flight or time.monotonic() > deadline:
            return released
        time.sleep(0.5)


def row_statements(table: sa.Table) -> tuple[sa.Update, sa.Update]:
    """(settle, claim) for a table of messages sent one by one (push deliveries, reminders): settle
    writes a message's outcome to a row still ``sending`` (or made ``unknown`` meanwhile), claim moves a
    row pending → sending. Built once per table: building an UPDATE costs more than running it, and a
    push runs these twice a message."""
    settle = table.update().where(
        table.c.id == sa.bindparam("settle_id"), table.c.status.in_(["sending", "unknown"])).values(
        status=sa.bindparam("outcome", type_=table.c.status.type), msgid=sa.bindparam("outcome_msgid"),
        errcode=sa.bindparam("outcome_errcode"), errmsg=sa.bindparam("outcome_errmsg"),
        updated_at=sa.bindparam("now", type_=table.c.updated_at.type))
    claim = table.update().where(table.c.id == sa.bindparam("claim_id"), table.c.status == "pending").values(
        status="sending", claimed_at=sa.bindparam("now", type_=table.c.claimed_at.type),
        attempts=table.c.attempts + 1)
    return settle, claim


_DELIVERY_STATEMENTS = row_statements(PushDelivery.__table__)


def settle_and_claim(session: Session, settle: tuple[int, Outcome] | None, claim_id: int | None,
                     statements: tuple[sa.Update, sa.Update] = _DELIVERY_STATEMENTS) -> bool:
    """One commit writes the previous message's outcome and claims the next one (pending → sending,
    durable before its request leaves): one commit per message instead of two, and a job dying still
    leaves at most one row in ``sending``. A row a stale-claim sweep marked ``unknown`` meanwhile
    still gets the truth. True when the claim was won."""
    now = utcnow()
    settle_statement, claim_statement = statements
    with session.get_bind().begin() as connection:  # no ORM state involved: a pooled connection of its own
        if settle is not None:
            row_id, outcome = settle
            connection.execute(settle_statement, {"settle_id": row_id, "outcome": outcome.status.value, "now": now,
                                                  "outcome_msgid": outcome.msgid, "outcome_errcode": outcome.errcode,
                                                  "outcome_errmsg": outcome.errmsg})
        if claim_id is None:
            return False
        return connection.execute(claim_statement, {"claim_id": claim_id, "now": now}).rowcount == 1


def _touch(session: Session, delivery_id: int) -> None:
    with unit_of_work(session):
        session.execute(sa.update(PushDelivery).where(PushDelivery.id == delivery_id)
                        .values(claimed_at=utcnow()))


def next_quota_day(now: dt.datetime) -> dt.datetime:
    """WeChat's daily quotas reset at midnight, Beijing time; resume a few minutes after."""
    local = now.astimezone(BEIJING)
    tomorrow = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(0, 5), tzinfo=BEIJING)
    return tomorrow.astimezone(dt.UTC)


def _set_run(session: Session, run_id: int, **values) -> None:
    with unit_of_work(session):
        session.execute(sa.update(PushRun).where(PushRun.id == run_id).values(**values))


@dataclass
class RunReport:
    sent: int = 0
    failed: int = 0
    unknown: int = 0
    state: PushState = PushState.done


def run(session: Session, run_id: int, *, client, on_progress=None) -> RunReport | None:
    """The push job: plan, sweep stale claims, then claim → send → settle row by row. ``client`` is the
    WeChat API client the caller (the job, the CLI) made: a service does not reach for a transport."""
    push_run = session.get(PushRun, run_id)
    if push_run is None:
        logger.warning("push run %s does not exist", run_id)
        return None
    project = session.get(Project, push_run.project_id)
    project_id, now = project.id, utcnow()
    _set_run(session, run_id, state=PushState.running, heartbeat_at=now, resume_after=None, last_error=None,
             started_at=push_run.started_at or now)
    total = plan(session, project)
    _set_run(session, run_id, recipients=total)
    release_interrupted(session, project_id)
    channel = channels.current()
    message = message_for(project, channel)
    pacer, report, beat = Pacer(), RunReport(), time.monotonic()
    while True:
        batch = session.execute(sa.select(PushDelivery.id, PushDelivery.openid).where(
            PushDelivery.project_id == project_id, PushDelivery.status == DeliveryStatus.pending)
            .order_by(PushDelivery.id).limit(BATCH)).all()
        session.rollback()
        if not batch:
            break
        done: tuple[int, Outcome] | None = None
        for delivery_id, openid in batch:
            try:  # the permit before the claim: a pacer that fails (Redis down) leaves this row pending
                pacer.wait()
            except BaseException:
                settle_and_claim(session, done, None)  # what was sent before stays recorded as sent
                raise
            claimed, done = settle_and_claim(session, done, delivery_id), None
            if not claimed:
                pacer.give_back()
                continue  # another job has it
            outcome = send_one(client, openid, message, touch=functools.partial(_touch, session, delivery_id),
                               channel=channel)
            if outcome.stop:
                settle_and_claim(session, (delivery_id, Outcome(DeliveryStatus.pending)), None)
                return _stop(session, run_id, outcome, report)
            done = (delivery_id, outcome)
            PUSH_DELIVERIES.labels(channel.name, outcome.status.value).inc()
            if outcome.status == DeliveryStatus.sent:
                report.sent += 1
            elif outcome.status == DeliveryStatus.unknown:
                report.unknown += 1
            else:
                report.failed += 1
            if on_progress is not None:
                on_progress(total)
            if time.monotonic() - beat > HEARTBEAT_SECONDS:
                _set_run(session, run_id, heartbeat_at=utcnow())
                beat = time.monotonic()
        settle_and_claim(session, done, None)
    report.unknown += settle_leftovers(session, project_id)
    _set_run(session, run_id, state=PushState.done, finished_at=utcnow(), heartbeat_at=utcnow())
    logger.info("push run %s for project %s done: %s sent, %s failed, %s unknown", run_id, project_id,
                report.sent, report.failed, report.unknown)
    return report


def _stop(session: Session, run_id: int, outcome: Outcome, report: RunReport) -> RunReport:
    if outcome.stop == "quota":
        resume = next_quota_day(utcnow())
        _set_run(session, run_id, state=PushState.paused, resume_after=resume, heartbeat_at=utcnow(),
                 last_error=REASONS[45009] + "，将于北京时间次日 0:05 后继续")
        queue_run(run_id, at=resume)
        report.state = PushState.paused
    else:
        _set_run(session, run_id, state=PushState.failed, finished_at=utcnow(),
                 last_error=f"access_token 刷新后仍被拒绝（{outcome.errcode}），请检查 AppID/AppSecret")
        report.state = PushState.failed
    logger.warning("push run %s stopped: %s", run_id, outcome.stop)
    return report


