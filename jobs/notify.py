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
