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
    return MpSession(data["openid"], data.get("unionid"), data.get("member_id"))


def attach_member(token: str, member_id: int) -> None:
    """After registration through the API the same token now stands for the member."""
    key = _key(token)
    raw = store.get(key)
    if raw is None:
        return
    data = json.loads(raw)
    data["member_id"] = member_id
    store.set(key, json.dumps(data), ttl=max(60, int(store.ttl(key) or TTL)))


def end(token: str) -> None:
    store.delete(_key(token))
