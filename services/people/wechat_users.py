"""Followers of the official account and their binding to members.

An openid is bound to a member through a signed bind link (the member proves who they are on the
page) or automatically by unionid when the mini-program already knows it. A team scan made before
binding waits on the follower and completes on binding, so 报到 never gets lost. Unsubscribing
unbinds the openid and forgets its location, as WeChat asks; the member's records stay.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import Member, WechatFollower, utcnow
from runtime.extensions import store
from runtime.sharedstore import StoreUnavailable
from services.kernel.errors import Conflict, Invalid
from services.kernel.uow import audit, unit_of_work
from services.organisations import joining

logger = logging.getLogger(__name__)

BIND_LINK_MAX_AGE = 24 * 3600
LOCATION_TTL = 300  # "the member's last LOCATION event if under 5 minutes old"


@dataclass(frozen=True)
class ReportedLocation:
    lat: float
    lng: float
    coord_system: str
    accuracy_m: float | None
    at: float  # epoch seconds


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="wechat-bind-v1")


def bind_token(openid: str) -> str:
    return _serializer().dumps({"openid": openid})


def read_bind_token(token: str) -> str:
    try:
        return _serializer().loads(token, max_age=BIND_LINK_MAX_AGE)["openid"]
    except SignatureExpired as exc:
        raise Invalid("bind_link_expired", "绑定链接已过期，请回到公众号重新获取") from exc
    except (BadSignature, KeyError, TypeError) as exc:
        raise Invalid("bind_link_invalid", "绑定链接无效") from exc


def bind_url(openid: str) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL']}/m/bind/{bind_token(openid)}"


def _follower(session: Session, openid: str) -> WechatFollower | None:
    return session.scalar(sa.select(WechatFollower).where(WechatFollower.openid == openid))


def follow(session: Session, openid: str, unionid: str | None = None) -> WechatFollower:
    try:
        with unit_of_work(session):
            follower = _follower(session, openid)
            if follower is None:
                follower = WechatFollower(openid=openid)
                session.add(follower)
            follower.subscribed, follower.subscribed_at, follower.unsubscribed_at = True, utcnow(), None
            follower.unionid = unionid or follower.unionid
            return follower
    except IntegrityError:
        return _follower(session, openid)  # a concurrent retry created it


def unfollow(session: Session, openid: str) -> None:
    """Only the follower is marked gone: the member stays bound, so an open sign-in can still be closed
    (on the phone pages) and following again needs no new binding. Pushes skip unsubscribed openids."""
    with unit_of_work(session):
        follower = _follower(session, openid)
        if follower is not None:
            follower.subscribed, follower.unsubscribed_at = False, utcnow()
            follower.pending_team_id = follower.pending_since = None
    forget_location(openid)


_MEMBER_ID_BY_OPENID = sa.select(Member.id).where(Member.openid == sa.bindparam("openid"))  # built once


def member_id_for(session: Session, openid: str) -> int | None:
    """The bound member's id, which is all most bot replies need: one indexed lookup of a plain column
    on the session's connection (no ORM result handling), asked hundreds of times a second on 报到 day."""
    member_id = session.connection().execute(_MEMBER_ID_BY_OPENID, {"openid": openid}).scalar()
    if member_id is not None:
        return member_id
    member = _bind_by_unionid(session, openid)
    return member.id if member is not None else None


def member_for(session: Session, openid: str) -> Member | None:
    """The bound member; binds by unionid on the way when the mini-program knows the same person."""
    member = session.scalar(sa.select(Member).where(Member.openid == openid))
    return member if member is not None else _bind_by_unionid(session, openid)


def _bind_by_unionid(session: Session, openid: str) -> Member | None:
    follower = _follower(session, openid)
    if follower is None or not follower.unionid:
        return None
    member = session.scalar(sa.select(Member).where(Member.unionid == follower.unionid))
    if member is None or member.openid is not None:
        return None
    bind(session, member.id, openid)
    return member


def set_pending_team(session: Session, openid: str, team_id: int) -> None:
    with unit_of_work(session):
        follower = _follower(session, openid)
        if follower is None:
            follower = WechatFollower(openid=openid, subscribed_at=utcnow())
            session.add(follower)
        follower.pending_team_id, follower.pending_since = team_id, utcnow()


def bind(session: Session, member_id: int, openid: str) -> joining.JoinResult | None:
    """Bind and complete a pending team scan. An openid bound to someone else is refused."""
    with unit_of_work(session):
        other = session.scalar(sa.select(Member).where(Member.openid == openid, Member.id != member_id))
        if other is not None:
            raise Conflict("openid_taken", "该微信已绑定其他账号")
        member = session.get(Member, member_id)
        member.openid = openid
        follower = _follower(session, openid)
        pending = follower.pending_team_id if follower else None
        if follower is not None:
            follower.pending_team_id = follower.pending_since = None
            if follower.unionid and not member.unionid:
                member.unionid = follower.unionid
        audit(session, ("member", member.id), "wechat.bind", ("member", member.id))
    if pending is None:
        return None
    return joining.join_team(session, member_id, pending, source="scan")


def remember_location(openid: str, lat: float, lng: float, coord_system: str, accuracy_m: float | None,
                      *, at: float) -> None:
    try:
        store.set(f"wx:loc:{openid}", json.dumps([lat, lng, coord_system, accuracy_m, at]), ttl=LOCATION_TTL)
    except StoreUnavailable:
        logger.info("last location not kept: the shared store is unavailable")


def last_location(openid: str, *, now: float) -> ReportedLocation | None:
    try:
        value = store.get(f"wx:loc:{openid}")
    except StoreUnavailable:
        return None  # the member is asked to send their location, as if none had been reported
    if value is None:
        return None
    lat, lng, coord_system, accuracy, at = json.loads(value)
    if now - at > LOCATION_TTL:
        return None
    return ReportedLocation(lat, lng, coord_system, accuracy, at)


def forget_location(openid: str) -> None:
    try:
        store.delete(f"wx:loc:{openid}")
    except StoreUnavailable:
        pass  # it expires by itself


def remember_intent(openid: str, intent: str) -> None:
    """What a member asked for before sending a location ("signin", "signout", "project:<code>")."""
    try:
        store.set(f"wx:intent:{openid}", intent, ttl=600)
    except StoreUnavailable:
        logger.info("intent not kept: the shared store is unavailable")


def pop_intent(openid: str) -> str | None:
    try:
        value = store.get(f"wx:intent:{openid}")
        if value is not None:
            store.delete(f"wx:intent:{openid}")
    except StoreUnavailable:
        return None
    return value
