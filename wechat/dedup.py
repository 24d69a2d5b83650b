"""Exactly-once handling of WeChat deliveries.

WeChat retries an unanswered message three times within 15 s, sometimes while the first is still
running. The first delivery claims the key in the shared store; a retry waits briefly for that
reply and answers with it. The database keeps the key and reply too (handled_messages), so a retry
after the store lost its keys still gets the first reply and runs nothing again; and the effects
themselves are idempotent (join_team, sign-in keyed by the message).
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from extensions import store
from models import HandledMessage

logger = logging.getLogger(__name__)

TTL = 300
WAIT_FOR_FIRST = 4.0
_BUSY = "\x00busy"


def _stored_reply(session: Session, key: str) -> HandledMessage | None:
    return session.scalar(sa.select(HandledMessage).where(HandledMessage.key == key))


def handle_once(session: Session, key: str, handler: Callable[[], str | None]) -> str | None:
    slot = "wxmsg:" + key
    if not store.add(slot, _BUSY, ttl=TTL):
        deadline = time.monotonic() + WAIT_FOR_FIRST
        while time.monotonic() < deadline:
            value = store.get(slot)
            if value is None or value != _BUSY:
                return value or None
            time.sleep(0.05)
        return None  # the first delivery is still working; WeChat keeps its answer
    try:
        done = _stored_reply(session, key)
        if done is not None:
            reply = done.reply
        else:
            reply = handler()
            try:
                session.add(HandledMessage(key=key, reply=reply))
                session.commit()
            except IntegrityError:
                session.rollback()
                reply = _stored_reply(session, key).reply
    except BaseException:
        session.rollback()
        store.delete(slot)
        raise
    store.set(slot, reply or "", ttl=TTL)
    return reply
