"""Mini-program login sessions.

The API hands out an opaque random token and keeps what it stands for (openid, unionid, the member,
and WeChat's session_key, which must never leave the server) in the shared store under a hash of
the token, with a TTL: a leaked store dump holds no usable tokens, and every app server sees the
same sessions. The member is found by unionid, which the official account and the mini-program share.
"""
from __future__ import annotations

import hashlib
import json
import logging
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from extensions import store
from models import Member

logger = logging.getLogger(__name__)

TTL = 7 * 24 * 3600


@dataclass(frozen=True)
class MpSession:
    openid: str
    unionid: str | None
    member_id: int | None
    account_id: int | None = None  # a coordinator signed in with the organisation account


def _key(token: str) -> str:
    return "mp:sess:" + hashlib.sha256(token.encode()).hexdigest()


def create(session: Session, *, openid: str, unionid: str | None, session_key: str | None = None,
           member_id: int | None = None) -> tuple[str, MpSession]:
    if member_id is None and unionid:
        member_id = session.scalar(sa.select(Member.id).where(Member.unionid == unionid))
    token = secrets.token_urlsafe(32)
    data = {"openid": openid, "unionid": unionid, "member_id": member_id, "session_key": session_key}
    store.set(_key(token), json.dumps(data), ttl=TTL)
    return token, MpSession(openid, unionid, member_id)


def read(token: str | None) -> MpSession | None:
    if not token:
        return None
    raw = store.get(_key(token))
    if raw is None:
        return None
    data = json.loads(raw)
    return MpSession(data["openid"], data.get("unionid"), data.get("member_id"), data.get("account_id"))


def _update(token: str, **changes) -> None:
    key = _key(token)
    raw = store.get(key)
    if raw is None:
        return
    store.set(key, json.dumps({**json.loads(raw), **changes}), ttl=max(60, int(store.ttl(key) or TTL)))


def attach_member(token: str, member_id: int) -> None:
    """After registration through the API the same token now stands for the member."""
    _update(token, member_id=member_id)


def attach_account(token: str, account_id: int) -> None:
    """A coordinator's organisation login, on top of the WeChat login."""
    _update(token, account_id=account_id)


def end(token: str) -> None:
    store.delete(_key(token))
