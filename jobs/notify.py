"""Telling a member something through the official account (a customer-service text message), in the
background: a correction decided, a place on a waitlist, a change to their team. WeChat refusing it
(the member has not talked to the account within 48 hours, or has unfollowed) is logged, never an error
for the person who made the decision."""
from __future__ import annotations

import logging

import requests
from wechatpy.exceptions import WeChatClientException

from jobs.queue import enqueue, in_app_context

logger = logging.getLogger(__name__)


def notify_member(member_id: int, text: str) -> bool:
    """RQ entry point."""
    return in_app_context(_notify, member_id, text)


def _notify(member_id: int, text: str) -> bool:
    from models import Member
    from runtime.extensions import db

    return _send(db.session.scalar(db.select(Member.openid).where(Member.id == member_id)), text)


def notify_openid(openid: str, text: str) -> bool:
    """RQ entry point: someone known by their openid only (an appellant, an account's previous holder)."""
    return in_app_context(_send, openid, text)


def _send(openid: str | None, text: str) -> bool:
    from wechat.client import get_client

    if not openid:
        return False
    try:
        get_client().message.send_text(openid, text)
    except (WeChatClientException, requests.RequestException) as exc:
        logger.info("not told (%s): %s", type(exc).__name__, getattr(exc, "errcode", ""))
        return False
    return True


def tell(member_id: int, text: str) -> None:
    enqueue(notify_member, member_id, text, description=f"notify member {member_id}")


def tell_openid(openid: str, text: str) -> None:
    enqueue(notify_openid, openid, text, description="notify an openid")


def warn_holder(appeal_id: int) -> bool:
    """RQ entry point: the account's holder is told, by WeChat and SMS, that an accepted identity appeal
    will hand their account over, and where to object. Takes the appeal's id: the phone is looked up
    when the job runs, never carried in the queue."""
    return in_app_context(_warn_holder, appeal_id)


def _warn_holder(appeal_id: int) -> bool:
    from flask import current_app

    from models import IdentityAppeal
    from runtime.extensions import db, protector
    from services.kernel.beijing_time import month_day_time
    from services.people import appeal_review

    appeal = db.session.get(IdentityAppeal, appeal_id)
    holder = appeal_review.holder(db.session, appeal) if appeal is not None else None
    if holder is None or appeal.handover_at is None:
        return False
    link = current_app.config["PUBLIC_BASE_URL"] + "/m/appeal/objection"
    told = _send(holder.openid, appeal_review.holder_notice(appeal, link))
    try:
        current_app.extensions["sms_notice"](protector.decrypt(holder.phone_enc), month_day_time(appeal.handover_at))
    except Exception as exc:  # noqa: BLE001 - the WeChat notice stands; the reviewers see the objection window
        logger.warning("handover notice not sent by SMS: %s", type(exc).__name__)
        return told
    return True


def tell_holder(appeal_id: int) -> None:
    enqueue(warn_holder, appeal_id, description=f"warn the holder of appeal {appeal_id}", retry=True)
