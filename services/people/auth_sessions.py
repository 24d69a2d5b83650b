"""Login sessions held on the server, for every surface (console cookie, phone-page cookie, mini-program
bearer token).

A signed cookie alone cannot be taken back: saved before logout it kept working for 31 days. So the
cookie or token carries only a random token, and the session row decides: logout revokes it, a password
change revokes all of the person's, console sessions end after 2 hours idle or 12 hours in all. The rows
live in the database (the truth), so a Redis restart logs nobody out.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import AuthSession, SessionKind, utcnow
from runtime.extensions import protector
from services.kernel.uow import unit_of_work
from services.people import consent

#: kind → (absolute lifetime, idle limit or None)
LIFETIMES: dict[SessionKind, tuple[dt.timedelta, dt.timedelta | None]] = {
    SessionKind.console: (dt.timedelta(hours=12), dt.timedelta(hours=2)),
    SessionKind.phone: (dt.timedelta(days=31), None),
    SessionKind.mp: (dt.timedelta(days=7), None),
}
#: last_seen_at is written at most this often (an idle limit of hours needs no finer clock)
TOUCH_EVERY = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class Current:
    id: int
    kind: SessionKind
    account_id: int | None
    member_id: int | None
    openid: str | None
    unionid: str | None
    consented: bool | None = None  # read with the session when asked: agreed to the current privacy notice


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(session: Session, kind: SessionKind, *, account_id: int | None = None, member_id: int | None = None,
          openid: str | None = None, unionid: str | None = None, session_key: str | None = None,
          now: dt.datetime | None = None) -> str:
    now = now or utcnow()
    lifetime, idle = LIFETIMES[kind]
    token = secrets.token_urlsafe(32)
    with unit_of_work(session):
        session.add(AuthSession(
            token_hash=token_hash(token), kind=kind, account_id=account_id, member_id=member_id, openid=openid,
            unionid=unionid, session_key_enc=protector.encrypt(session_key) if session_key else None,
            last_seen_at=now, expires_at=now + lifetime,
            idle_seconds=int(idle.total_seconds()) if idle else None))
    return token


_COLUMNS = (AuthSession.id, AuthSession.kind, AuthSession.account_id, AuthSession.member_id, AuthSession.openid,
            AuthSession.unionid, AuthSession.last_seen_at, AuthSession.idle_seconds)
_LIVE = (AuthSession.token_hash == sa.bindparam("token_hash"), AuthSession.kind == sa.bindparam("kind"),
         AuthSession.revoked_at.is_(None), AuthSession.expires_at > sa.bindparam("now"))
# Built once, read on every API call and console page (building a statement costs more than running it).
_READ = {False: sa.select(*_COLUMNS).where(*_LIVE),
         True: sa.select(*_COLUMNS, consent.agreed(AuthSession.member_id).label("consented")).where(*_LIVE)}


def read(session: Session, token: str | None, kind: SessionKind, *, now: dt.datetime | None = None,
         with_consent: bool = False) -> Current | None:
    """The live session for this token, or None (unknown, revoked, expired, idle too long).
    ``with_consent``: whether its member agreed to the current privacy notice, in the same round trip."""
    if not token:
        return None
    now = now or utcnow()
    row = session.execute(_READ[with_consent], {"token_hash": token_hash(token), "kind": kind, "now": now}).first()
    if row is None:
        return None
    if row.idle_seconds is not None and now - row.last_seen_at > dt.timedelta(seconds=row.idle_seconds):
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        with unit_of_work(session):
            session.execute(sa.update(AuthSession).where(AuthSession.id == row.id).values(last_seen_at=now))
    return Current(row.id, row.kind, row.account_id, row.member_id, row.openid, row.unionid,
                   bool(row.consented) if with_consent else None)


def update(session: Session, token: str, **changes) -> None:
    """A login that grows: the mini-program token becomes the member's after registration, a coordinator's
    after the organisation login."""
    with unit_of_work(session):
        session.execute(sa.update(AuthSession).where(AuthSession.token_hash == token_hash(token)).values(**changes))


def revoke(session: Session, token: str | None, *, now: dt.datetime | None = None) -> None:
    if not token:
        return
    with unit_of_work(session):
        session.execute(sa.update(AuthSession).where(AuthSession.token_hash == token_hash(token),
                                                     AuthSession.revoked_at.is_(None))
                        .values(revoked_at=now or utcnow()))


def revoke_all(session: Session, *, member_id: int | None = None, account_id: int | None = None,
               openid: str | None = None, keep_token: str | None = None, now: dt.datetime | None = None) -> int:
    """Every live session of the person (a password change, a reset, a closed account); ``keep_token``
    spares the one making the change."""
    who = [c == v for c, v in ((AuthSession.member_id, member_id), (AuthSession.account_id, account_id),
                               (AuthSession.openid, openid)) if v is not None]
    if not who:
        raise ValueError("whose sessions?")
    query = sa.update(AuthSession).where(sa.or_(*who), AuthSession.revoked_at.is_(None))
    if keep_token:
        query = query.where(AuthSession.token_hash != token_hash(keep_token))
    with unit_of_work(session):
        return session.execute(query.values(revoked_at=now or utcnow())).rowcount


def purge_expired(session: Session, *, now: dt.datetime | None = None) -> int:
    """Rows past their end or revoked a day ago hold nothing anyone may use (retention)."""
    now = now or utcnow()
    with unit_of_work(session):
        return session.execute(sa.delete(AuthSession).where(sa.or_(
            AuthSession.expires_at <= now, AuthSession.revoked_at <= now - dt.timedelta(days=1)))).rowcount
