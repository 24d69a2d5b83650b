"""Who is holding the phone: WeChat's web authorisation (OAuth, for the phone pages) and the
mini-program's jscode2session; in development a picker stands in for WeChat knowing the user."""
from __future__ import annotations

import secrets
from html import escape
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, request

from wechat.sandbox.gate import error
from wechat.sandbox.state import SandboxState


def _picker_page(args) -> str:
    """The dev stand-in for "who is holding this phone": pick a demo follower or type an openid."""
    hidden = "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
                     for k, v in args.items() if k != "openid")
    choices = "".join(
        f'<li><a href="?{escape(urlencode({**args.to_dict(), "openid": openid}))}">{openid}</a></li>'
        for openid in ("o_demo_1", "o_demo_2", "o_demo_3", "o_new_visitor"))
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><title>微信授权（沙箱）</title></head>'
        '<body style="font-family:sans-serif;max-width:30em;margin:auto;padding:1em">'
        '<h1>微信网页授权（本地沙箱）</h1><p>开发环境没有真实微信，请选择以哪个微信用户（openid）进入：</p>'
        f'<ul>{choices}</ul><form method="get">{hidden}'
        '<label>其他 openid <input name="openid" required></label> <button>进入</button></form></body></html>')


def add_routes(bp: Blueprint, state: SandboxState) -> None:
    @bp.get("/connect/oauth2/authorize")
    def oauth_authorize():
        """WeChat's web authorisation (snsapi_base is silent in WeChat). The sandbox cannot know who
        holds the phone, so it asks: a picker of openids, or ``openid=`` in the query."""
        args = request.args
        state.record("connect/oauth2/authorize", args.to_dict(), None)
        if args.get("appid") != state.appid:
            return error(40013), 400
        redirect_uri = args.get("redirect_uri", "")
        if not redirect_uri.startswith(("http://", "https://")):
            return jsonify({"errcode": 10003, "errmsg": "redirect_uri domain mismatch"}), 400
        openid = args.get("openid", "").strip()
        if not openid:
            return Response(_picker_page(args), mimetype="text/html")
        code = state.issue_oauth_code(openid)
        separator = "&" if "?" in redirect_uri else "?"
        location = f"{redirect_uri}{separator}{urlencode({'code': code, 'state': args.get('state', '')})}"
        return Response(status=302, headers={"Location": location})

    @bp.get("/sns/oauth2/access_token")
    def oauth_access_token():
        args = request.args
        state.record("sns/oauth2/access_token", {k: v for k, v in args.items() if k != "secret"}, None)
        if args.get("appid") != state.appid:
            return error(40013)
        if args.get("secret") != state.secret:
            return error(40125)
        result = state.redeem_oauth_code(args.get("code", ""))
        if isinstance(result, int):
            return error(result)
        return jsonify({"access_token": "sbx_web_" + secrets.token_urlsafe(16), "expires_in": 7200,
                        "refresh_token": "sbx_refresh_" + secrets.token_urlsafe(16), "openid": result,
                        "scope": "snsapi_base", "unionid": "u_" + result[-20:]})

    @bp.get("/sns/jscode2session")
    def jscode2session():
        """``dev:<openid>`` codes log in as that openid; each code works once, like wx.login's."""
        args = request.args
        state.record("sns/jscode2session", {k: v for k, v in args.items() if k != "secret"}, None)
        if args.get("appid") not in (state.miniprogram_appid, state.appid):
            return error(40013)
        code = args.get("js_code", "")
        if not code.startswith("dev:") or len(code) < 8:
            return error(40029)
        with state.lock:
            if code in state.used_codes:
                return error(40163)
            state.used_codes.add(code)
        openid = code[4:]
        return jsonify({"openid": openid, "session_key": secrets.token_urlsafe(16), "unionid": "u_" + openid[-20:]})
