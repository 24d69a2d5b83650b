"""Mini-program login sessions (``Authorization: Bearer <token>``), kept with every other login in
``auth_sessions``: the token is random, only its hash is stored, WeChat's session_key is kept
encrypted and never leaves the server. The member is found by unionid, which the official account and
the mini-program share.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Member, SessionKind
from services.people import auth_sessions

logger = logging.getLogger(__name__)

TTL = int(auth_sessions.LIFETIMES[SessionKind.mp][0].total_seconds())


@dataclass(frozen=True)
class MpSession:
    openid: str
    unionid: str | None
    member_id: int | None
    account_id: int | None = None  # a coordinator signed in with the organisation account
    consented: bool = False  # the member agreed to the current privacy notice


def create(session: Session, *, openid: str, unionid: str | None, session_key: str | None = None,
           member_id: int | None = None) -> tuple[str, MpSession]:
    if member_id is None and unionid:
        member_id = session.scalar(sa.select(Member.id).where(Member.unionid == unionid))
    token = auth_sessions.start(session, SessionKind.mp, openid=openid, unionid=unionid, member_id=member_id,
                                session_key=session_key)
    return token, MpSession(openid, unionid, member_id)


def read(session: Session, token: str | None) -> MpSession | None:
    current = auth_sessions.read(session, token, SessionKind.mp, with_consent=True)
    if current is None:
        return None
    return MpSession(current.openid or "", current.unionid, current.member_id, current.account_id,
                     bool(current.consented))


def attach_member(session: Session, token: str, member_id: int) -> None:
    """After registration through the API the same token now stands for the member."""
    auth_sessions.update(session, token, member_id=member_id)


def attach_account(session: Session, token: str, account_id: int) -> None:
    """A coordinator's organisation login, on top of the WeChat login."""
    auth_sessions.update(session, token, account_id=account_id)


def end(session: Session, token: str) -> None:
    auth_sessions.revoke(session, token)
