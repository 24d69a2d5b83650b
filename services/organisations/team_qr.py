"""What a team's QR code says: WeChat's permanent parametric QR, or the signed join link (a service:
it reads and writes teams and asks WeChat, through the client its caller passes in; qr/ only draws).

WeChat allows 100,000 permanent QRs per account, so a team's is created once (scene
``team:<code>``) and its ticket and url are stored; the image is drawn locally from the url, never
downloaded. When WeChat is not configured (the offline demo) or refuses, the poster carries the
signed join link ``PUBLIC_BASE_URL/j/<token>`` instead, which leads to the same team.
"""
from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, Signer
from sqlalchemy.orm import Session
from wechatpy.exceptions import WeChatClientException

from models import Team
from services.kernel.errors import Invalid
from services.kernel.uow import unit_of_work
from services.organisations.teams import get_team_by_code

logger = logging.getLogger(__name__)

SCENE_PREFIX = "team:"


def _signer() -> Signer:
    # Not timed: a poster stays on the wall for years. The team code is the only thing signed.
    return Signer(current_app.config["SECRET_KEY"], salt="team-join-v1")


def join_token(team: Team) -> str:
    return _signer().sign(team.code).decode()


def team_from_join_token(session: Session, token: str) -> Team:
    try:
        code = _signer().unsign(token or "").decode()
    except BadSignature as exc:
        raise Invalid("join_link_invalid", "加入链接无效，请重新扫描服务队海报上的二维码") from exc
    return get_team_by_code(session, code)


def join_url(team: Team) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL']}/j/{join_token(team)}"


def wechat_enabled() -> bool:
    """TEAM_QR_MODE=link is for accounts that may not create parametric QRs (only verified service
    accounts may). In auto mode the sandbox mounted inside the dev app does not count, since no phone
    can scan into it; an explicitly configured API (the real one, or a test's sandbox) does."""
    config = current_app.config
    mode = config.get("TEAM_QR_MODE", "auto")
    if mode != "auto":
        return mode == "wechat"
    return bool(config.get("WECHAT_API_BASE_URL")) or config["APP_ENV"] == "production"


def scene_for(team: Team) -> str:
    return SCENE_PREFIX + team.code


def ensure_wechat_qr(session: Session, team: Team, client) -> str:
    """Create the team's permanent QR once; a concurrent creator's stored url wins (same scene)."""
    if team.wechat_qr_url:
        return team.wechat_qr_url
    result = client.qrcode.create({
        "action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": scene_for(team)}}})
    with unit_of_work(session):
        session.execute(sa.update(Team).where(Team.id == team.id, Team.wechat_qr_url.is_(None)).values(
            wechat_qr_ticket=result["ticket"], wechat_qr_url=result["url"]))
    session.refresh(team)
    logger.info("permanent WeChat QR created for team %s", team.code)
    return team.wechat_qr_url


def qr_content(session: Session, team: Team, make_client) -> str:
    """``make_client()`` gives the WeChat API client, asked for only when the poster carries WeChat's QR."""
    if not wechat_enabled():
        return join_url(team)
    try:
        return ensure_wechat_qr(session, team, make_client())
    except (WeChatClientException, OSError) as exc:  # requests' errors are OSErrors
        logger.warning("WeChat QR for team %s unavailable (%s); using the signed join link", team.code, exc)
        return join_url(team)


def team_from_payload(session: Session, payload: str) -> Team:
    """Whatever a member's scanner read off a team poster: the scene (``team:<code>``), the signed
    join link, or the WeChat QR's own url (the mini-program's scanner sees that one)."""
    text = (payload or "").strip()
    if text.startswith("qrscene_"):
        text = text[len("qrscene_"):]
    if text.startswith(SCENE_PREFIX):
        return get_team_by_code(session, text[len(SCENE_PREFIX):])
    if "/j/" in text:
        return team_from_join_token(session, text.rsplit("/j/", 1)[1].split("?")[0])
    team = session.scalar(sa.select(Team).where(Team.wechat_qr_url == text)) if text else None
    if team is None:
        raise Invalid("payload_unknown", "无法识别该二维码，请扫描服务队海报上的二维码")
    return team
