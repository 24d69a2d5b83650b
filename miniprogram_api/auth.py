"""POST /login with the code from wx.login; every other call sends ``Authorization: Bearer <token>``."""
from __future__ import annotations

import functools
import logging

import requests
from flask import g, jsonify, request
from wechatpy.exceptions import WeChatClientException

from miniprogram_api import bp
from miniprogram_api.openapi import documented
from miniprogram_api.responses import LoggedOutOut, LoginOut, OrgLoginOut
from models import OrgAccount
from runtime import logsetup
from runtime.extensions import db
from services.kernel.uow import act_as
from services.people import accounts, mp_sessions, staff
from web.bodies import LoginIn, OrgLoginIn
from web.guards import limiter
from web.security import live_bearer
from wechat.client import code_to_session

logger = logging.getLogger(__name__)

INVALID_CODES = (40029, 40163, 40226)


def _error(status: int, code: str, message: str):
    return jsonify({"error": code, "message": message}), status


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def login_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        current = live_bearer(bearer_token())  # read once a request (the rate limits' key read it first)
        if current is None:
            return _error(401, "unauthenticated", "登录已失效，请重新登录")
        g.mp_session = current
        logsetup.who(member_id=current.member_id)
        return view(*args, **kwargs)
    return wrapped


def member_required(view=None, *, consent_needed: bool = True):
    """A registered member who agreed to the privacy notice's current version (the calls for one's
    rights, and agreeing itself, need no agreement)."""
    if view is None:
        return functools.partial(member_required, consent_needed=consent_needed)

    @login_required
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if g.mp_session.member_id is None:
            return _error(403, "not_registered", "请先完成实名注册")
        if consent_needed and not g.mp_session.consented:
            return _error(403, "consent_required", "《个人信息保护说明》已更新，请阅读（GET /privacy）并同意"
                                                   "（POST /me/consent）后继续")
        return view(*args, **kwargs)
    return wrapped


def account_required(view):
    @login_required
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if g.mp_session.account_id is None:
            return _error(403, "not_coordinator", "请先用团组织账号登录")
        account = db.session.get(OrgAccount, g.mp_session.account_id)
        if account is None or account.disabled_at is not None:
            return _error(403, "not_coordinator", "请先用团组织账号登录")
        if request.method not in ("GET", "HEAD"):  # the same roles as the console's (services.people.staff)
            staff.require(account, API_ABILITY_OF.get(request.endpoint, "manage"))
        g.mp_account = account
        act_as(account.id)
        logsetup.who(org_id=account.org_id)
        return view(*args, **kwargs)
    return wrapped


#: The coordinator calls by what they need; the rest need "manage".
API_ABILITY_OF = {"mp_api.decide": "hours", "mp_api.edit_record": "hours",
                  "mp_api.decide_correction": "hours"}


def current_org_id() -> int:
    return g.mp_account.org_id


def current_member_id() -> int:
    return g.mp_session.member_id


@bp.post("/login")
@documented("用 wx.login 的 code 登录，得到会话令牌", body=LoginIn, public=True, response=LoginOut)
@limiter.limit("30 per minute")
def login():
    body = LoginIn.model_validate_json(request.get_data() or b"{}")
    try:
        result = code_to_session(body.code)
    except WeChatClientException as exc:
        if exc.errcode in INVALID_CODES:
            return _error(401, "invalid_code", "登录凭证无效或已使用，请重新登录")
        logger.warning("jscode2session failed: %s", exc.errcode)
        return _error(503, "wechat_unavailable", "微信登录服务暂不可用，请稍后重试")
    except requests.RequestException as exc:  # WeChat unreachable or timing out
        logger.warning("jscode2session unreachable: %s", type(exc).__name__)
        return _error(503, "wechat_unavailable", "微信登录服务暂不可用，请稍后重试")
    token, current = mp_sessions.create(db.session, openid=result["openid"], unionid=result.get("unionid"),
                                        session_key=result.get("session_key"))
    return jsonify({"token": token, "expires_in": mp_sessions.TTL, "registered": current.member_id is not None})


@bp.post("/org/login")
@documented("负责人用团组织账号登录（在微信登录之后）", body=OrgLoginIn, response=OrgLoginOut)
@limiter.limit("10 per minute")
@login_required
def org_login():
    """Coordinators sign in with their organisation account (same lockout as the console)."""
    body = OrgLoginIn.model_validate_json(request.get_data() or b"{}")
    account = accounts.authenticate(db.session, body.username, body.password)
    mp_sessions.attach_account(db.session, bearer_token(), account.id)
    return jsonify({"organisation": account.org.name, "kind": account.org.kind_label})


@bp.post("/logout")
@documented("退出登录（令牌在服务器端作废）", response=LoggedOutOut)
@login_required
def logout():
    mp_sessions.end(db.session, bearer_token())
    return jsonify({"logged_out": True})
