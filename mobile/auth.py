"""Who is holding the phone: WeChat web authorisation (snsapi_base: silent inside WeChat, gives the
openid), then the member bound to that openid. Outside WeChat the pages cannot know who you are,
so they say to open them in WeChat; in development the sandbox's openid picker stands in."""
from __future__ import annotations

import functools
import logging
import secrets
from urllib.parse import quote

from flask import current_app, jsonify, redirect, render_template, request, session, url_for
from wechatpy.exceptions import WeChatOAuthException

from mobile import bp
from mobile.result import result_page
from models import Member, SessionKind
from runtime import logsetup
from runtime.extensions import db
from services.kernel.errors import DomainError
from services.people import auth_sessions, consent, wechat_users
from web.security import PHONE_COOKIE, live_login, login_gate
from wechat.client import oauth_client

logger = logging.getLogger(__name__)

SESSION_KEY, STATE_KEY = PHONE_COOKIE, "m_oauth_state"


def in_wechat() -> bool:
    return "micromessenger" in request.headers.get("User-Agent", "").lower()


def _safe_next(target: str | None) -> str:
    if target and target.startswith(("/m/", "/j/")) and not target.startswith("//"):
        return target
    return url_for("mobile.home")


def current_openid() -> str | None:
    """The openid of a live server-side session (logout revokes it); the cookie holds its token only."""
    current = live_login(SESSION_KEY, SessionKind.phone)
    return current.openid if current else None


def current_member() -> Member | None:
    openid = current_openid()
    if not openid:
        return None
    # Looked up each request (cheap, indexed): binding happens on other pages and in the bot.
    return wechat_users.member_for(db.session, openid)


def need_binding_page(then: str = ""):
    openid = current_openid()
    return render_template("mobile/need_binding.html", then=then, bind_url=wechat_users.bind_url(openid),
                           register_url="/m/register?bind=" + wechat_users.bind_token(openid))


def member_required(view=None, *, consent_needed: bool = True):
    """A page for a member: log in through WeChat first, then bind or register if not yet done, then
    agree to the privacy notice's current version (the pages for one's rights need no agreement)."""
    if view is None:
        return functools.partial(member_required, consent_needed=consent_needed)

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        here = request.full_path.rstrip("?")
        if current_openid() is None:
            return redirect(url_for("mobile.login", next=here))
        member = current_member()
        if member is None:
            return need_binding_page()
        logsetup.who(member_id=member.id)
        if consent_needed and not consent.is_current(db.session, member.id):
            return redirect(url_for("mobile.privacy", next=here))
        return view(*args, **kwargs)
    return wrapped


openid_required = login_gate(lambda: current_openid(), "mobile.login")


@bp.get("/login")
def login():
    target = _safe_next(request.args.get("next"))
    if not in_wechat() and current_app.config["APP_ENV"] == "production":
        return result_page("请在微信中打开",
                               "本页面需要在微信中打开：请关注“青春北京”公众号，从菜单进入。")
    state = secrets.token_urlsafe(16)
    session[STATE_KEY] = state
    redirect_uri = f"{current_app.config['PUBLIC_BASE_URL']}/m/oauth?next={quote(target, safe='')}"
    return redirect(oauth_client(redirect_uri, state).authorize_url)


@bp.get("/oauth")
def oauth_return():
    expected = session.pop(STATE_KEY, None)
    if not expected or not secrets.compare_digest(expected, request.args.get("state", "")):
        return result_page("授权已失效",
                               "授权链接已过期或不是从本站发起，请重新打开页面。", status=400)
    code = request.args.get("code", "")
    if not code:
        return result_page("未授权", "需要微信授权才能继续。", status=401)
    try:
        openid = oauth_client("", "").fetch_access_token(code)["openid"]
    except WeChatOAuthException as exc:
        logger.info("web authorisation code refused: %s", exc.errcode)
        return result_page("授权失败",
                               "微信授权失败或已过期，请返回重新打开页面。", status=401)
    except OSError:  # requests' connection errors
        logger.warning("web authorisation: WeChat unreachable", exc_info=True)
        return result_page("微信服务暂不可用",
                               "暂时无法连接微信，请稍后重试。", status=503)
    session.clear()
    session[SESSION_KEY] = auth_sessions.start(db.session, SessionKind.phone, openid=openid)
    session.permanent = True
    wechat_users.member_for(db.session, openid)  # binds by unionid when the mini-program knows the person
    return redirect(_safe_next(request.args.get("next")))


@bp.post("/logout")
def logout():
    auth_sessions.revoke(db.session, session.pop(SESSION_KEY, None))
    return redirect(url_for("mobile.home"))


@bp.errorhandler(DomainError)
def domain_error(err: DomainError):
    """Pages answer with a Chinese page; the pages' own fetch calls (JSON) get the JSON error."""
    if request.is_json or request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json":
        return jsonify(err.to_dict()), err.status
    title = {403: "无权访问", 404: "未找到", 409: "无法完成"}.get(err.status, "请求有误")
    return result_page(title, err.message, status=err.status)
