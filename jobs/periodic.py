"""Work that runs on a clock, registered with RQ's own cron scheduler (``flask --app app jobs
scheduler``): nothing is left to a crontab or to a person typing a command."""
from __future__ import annotations

import dataclasses
import logging

from flask import current_app

from jobs.queue import in_app_context

logger = logging.getLogger(__name__)


def recover_pushes() -> list[int]:
    """Runs a killed worker left (heartbeat older than PUSH_CLAIM_LEASE), runs whose job was lost with
    Redis, and runs paused for the quota whose day is over: queued again. And RQ's registries cleaned: a
    job whose worker died stops beating and goes from "started" to failed here (a worker cleans them
    itself only between jobs, after a dequeue that waits minutes on an idle queue)."""
    return in_app_context(_recover_pushes)


def _recover_pushes() -> list[int]:
    from rq.registry import clean_registries

    from jobs.queue import queue
    from runtime.extensions import db
    from services.push import runs

    if current_app.config.get("REDIS_URL"):
        clean_registries(queue())
    ids = runs.recover(db.session)
    if ids:
        logger.info("push runs taken up again: %s", ids)
    return ids


def mark_missing_signouts() -> int:
    """Records never signed out, 12 h after their project's end, become "missing sign-out"."""
    return in_app_context(_mark_missing)


def _mark_missing() -> int:
    from runtime.extensions import db
    from services.volunteering.records import mark_missing_signouts as mark

    return mark(db.session)


def purge_sessions() -> int:
    """Login sessions past their end (or revoked a day ago) are deleted."""
    return in_app_context(_purge_sessions)


def _purge_sessions() -> int:
    from runtime.extensions import db
    from services.people import auth_sessions

    return auth_sessions.purge_expired(db.session)


def delete_appeal_photos() -> int:
    """Identity-appeal photos are deleted APPEAL_PHOTO_RETENTION_DAYS after the decision."""
    return in_app_context(_delete_appeal_photos)


def _delete_appeal_photos() -> int:
    from pathlib import Path

    from runtime.extensions import db
    from services.people import appeals, keys

    keys.forget_leftovers(Path(current_app.config["APPEAL_PHOTO_DIR"]))  # what a killed `keys rotate` left
    return appeals.delete_decided_photos(db.session, older_than_days=current_app.config["APPEAL_PHOTO_RETENTION_DAYS"])


def hand_over_appeals() -> int:
    """Accepted identity appeals whose 3-day waiting period passed without the holder objecting are
    carried out; the appellant and the previous holder are told."""
    return in_app_context(_hand_over_appeals)


def _hand_over_appeals() -> int:
    from jobs import notify
    from runtime.extensions import db
    from services.people import appeal_review, appeals

    done = appeal_review.hand_over_due(db.session)
    for handover in done:
        if handover.appeal.openid:
            notify.tell_openid(handover.appeal.openid, appeals.appellant_notice(handover.appeal))
        if handover.previous_openid:
            notify.tell_openid(handover.previous_openid, appeals.PREVIOUS_HOLDER_NOTICE)
    return len(done)


def lapse_pairings() -> int:
    """Pairings whose offline confirmation is three days overdue lapse and free their street's place."""
    return in_app_context(_lapse_pairings)


def _lapse_pairings() -> int:
    from runtime.extensions import db
    from services.organisations import pairing

    return pairing.lapse_overdue(db.session)


def forget_positions() -> int:
    """Sign-in/out coordinates are deleted LOCATION_RETENTION_DAYS after the record's decision."""
    return in_app_context(_forget_positions)


def _forget_positions() -> int:
    from runtime.extensions import db
    from services.people import my_data

    return my_data.forget_old_positions(db.session, older_than_days=current_app.config["LOCATION_RETENTION_DAYS"])


def refresh_dashboards() -> int:
    """Every top organisation's sub-tree recounted when its snapshot is stale, so the first look at a
    dashboard in the morning (and after Beijing midnight, when league ages change) is already fresh."""
    return in_app_context(_refresh_dashboards)


def _refresh_dashboards() -> int:
    import sqlalchemy as sa

    from models import Organization
    from runtime.extensions import db
    from services.reporting import stats

    written = 0
    for root in db.session.scalars(sa.select(Organization).where(Organization.parent_id.is_(None))).all():
        if stats.is_stale(db.session, root, current_app.config["STATS_MAX_AGE_SECONDS"]):
            written += stats.refresh(db.session, root)
    return written


def send_reminders() -> dict:
    """Members reminded of what they asked for (a project tomorrow, a period ending, the year's 20 h):
    planned and sent in the day, Beijing time, each once (services.push.reminders)."""
    return in_app_context(_send_reminders)


def _send_reminders() -> dict:
    from jobs.push import client
    from runtime.extensions import db
    from services.push import reminders

    done = reminders.run_round(db.session, client=client())
    if done.sent or done.skipped or done.failed or done.stopped not in (None, "night"):
        logger.info("reminders: planned %s, sent %s, skipped %s, failed %s, unknown %s, stopped %s",
                    done.planned, done.sent, done.skipped, done.failed, done.unknown, done.stopped)
    return dataclasses.asdict(done)


def schedule() -> list[tuple[object, int]]:
    """(job, seconds between runs), read from the configuration when the scheduler starts; an interval
    of 0 turns a job off (STATS_MAX_AGE_SECONDS=0: dashboards recounted only when looked at)."""
    config = current_app.config
    return [(job, seconds) for job, seconds in _all(config) if seconds > 0]


def _all(config) -> list[tuple[object, int]]:
    return [(recover_pushes, config["PUSH_RECOVERY_INTERVAL"]), (mark_missing_signouts, 3600),
            (purge_sessions, 3600), (delete_appeal_photos, 3600), (lapse_pairings, 600), (hand_over_appeals, 600),
            (forget_positions, 3600), (refresh_dashboards, config["STATS_MAX_AGE_SECONDS"]),
            (send_reminders, config["REMINDER_INTERVAL"])]
