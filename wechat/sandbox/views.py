"""The sandbox's HTTP endpoints (paths as on api.weixin.qq.com)."""
from __future__ import annotations

import hashlib
import io
import secrets
import time
from html import escape
from urllib.parse import urlencode

import qrcode
from flask import Blueprint, Flask, Response, jsonify, request

from wechat.sandbox.state import SandboxState

ERRMSG = {
    40001: "invalid credential, access_token is invalid or not latest",
    40013: "invalid appid",
    40029: "invalid code",
    40037: "invalid template_id",
    40125: "invalid appsecret",
    40163: "code been used",
    42001: "access_token expired",
    43004: "require subscribe",
    44002: "empty post data",
    45009: "reach max api daily quota limit",
    47003: "argument invalid! data.keyword value exceeds limit",
    47001: "data format error",
    43101: "user refuse to accept the msg",
}

# The subscription-notification templates the sandbox offers (newtmpl): a project notice with the
# keywords PUSH_TEMPLATE_FIELDS maps by default; added to the account as "sandbox_subscribe_project".
PUBLIC_TEMPLATES = {
    "10001": {"title": "志愿项目通知", "type": 2, "keywords": [
        {"kid": 1, "name": "项目名称", "example": "社区垃圾分类宣传", "rule": "thing"},
        {"kid": 2, "name": "开始时间", "example": "2026年11月28日 09:00", "rule": "time"},
        {"kid": 3, "name": "服务地点", "example": "多福巷社区居委会", "rule": "thing"},
        {"kid": 4, "name": "服务队", "example": "多福巷社区青年志愿者服务队", "rule": "thing"},
        {"kid": 5, "name": "项目状态", "example": "报名中", "rule": "phrase"}]},
}


HANG = -2                  # an injected failure: stall past the client's timeout, send nothing
ACCEPT_THEN_500 = -500     # an injected failure: take the message, then answer HTTP 500 (ambiguous)
TEMPLATE_VALUE_LIMIT = 20  # since 2023 each template keyword value is cut at 20 characters


def _error(code: int):
    return jsonify({"errcode": code, "errmsg": ERRMSG.get(code, "error")})


def _png(text: str) -> bytes:
    buffer = io.BytesIO()
    qrcode.make(text).save(buffer, format="PNG")
    return buffer.getvalue()


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


def make_blueprint(state: SandboxState) -> Blueprint:
    bp = Blueprint("wechat_sandbox", __name__)

    def body() -> dict | None:
        return request.get_json(force=True, silent=True)

    def authorised(endpoint: str):
        """Common gate: record the call, check the token, then injected failures and quotas."""
        state.record(endpoint, request.args.to_dict(), body())
        if state.latency.get(endpoint):
            time.sleep(state.latency[endpoint])
        code = state.token_error(request.args.get("access_token"))
        if code:
            return _error(code)
        injected = state.take_failure(endpoint)
        if injected == HANG:  # past the client's timeout; nothing is sent
            time.sleep(state.hang_seconds)
            injected = -1
        if injected == ACCEPT_THEN_500:
            request.environ["sandbox.fail_after_accepting"] = True
            injected = None
        if injected is not None:
            return _error(injected) if injected > 0 else jsonify({"errcode": -1, "errmsg": "system error"})
        if not state.spend_quota(endpoint):
            return _error(45009)
        return None

    @bp.get("/cgi-bin/token")
    def token():
        state.record("cgi-bin/token", request.args.to_dict(), None)
        if request.args.get("appid") != state.appid:
            return _error(40013)
        if request.args.get("secret") != state.secret:
            return _error(40125)
        value, ttl = state.issue_token(force=True)
        return jsonify({"access_token": value, "expires_in": ttl})

    @bp.post("/cgi-bin/stable_token")
    def stable_token():
        data = body() or {}
        state.record("cgi-bin/stable_token", {}, {k: v for k, v in data.items() if k != "secret"})
        if data.get("appid") != state.appid:
            return _error(40013)
        if data.get("secret") != state.secret:
            return _error(40125)
        value, ttl = state.issue_token(force=bool(data.get("force_refresh")))
        return jsonify({"access_token": value, "expires_in": ttl})

    @bp.post("/cgi-bin/menu/create")
    def menu_create():
        if (denied := authorised("cgi-bin/menu/create")) is not None:
            return denied
        data = body()
        if not data or not isinstance(data.get("button"), list):
            return _error(47001)
        state.menu = data
        return jsonify({"errcode": 0, "errmsg": "ok"})

    @bp.get("/cgi-bin/menu/get")
    def menu_get():
        if (denied := authorised("cgi-bin/menu/get")) is not None:
            return denied
        if state.menu is None:
            return jsonify({"errcode": 46003, "errmsg": "menu no exist"})
        return jsonify({"menu": state.menu})

    @bp.post("/cgi-bin/qrcode/create")
    def qrcode_create():
        if (denied := authorised("cgi-bin/qrcode/create")) is not None:
            return denied
        data = body() or {}
        ticket = "sbx_ticket_" + hashlib.sha1(repr(sorted(data.items())).encode()).hexdigest()[:24]
        scene = data.get("action_info", {}).get("scene", {})
        url = "http://weixin.qq.com/q/sbx_" + str(scene.get("scene_str", scene.get("scene_id")))
        state.tickets[ticket] = {**data, "url": url}
        return jsonify({"ticket": ticket, "expire_seconds": data.get("expire_seconds"), "url": url})

    @bp.get("/cgi-bin/showqrcode")
    def showqrcode():
        data = state.tickets.get(request.args.get("ticket", ""))
        if data is None:
            return _error(40001)
        scene = data.get("action_info", {}).get("scene", {})
        return Response(_png("http://weixin.qq.com/q/sbx_" + str(scene.get("scene_str"))), mimetype="image/png")

    def _send(endpoint: str):
        if (denied := authorised(endpoint)) is not None:
            return denied
        data = body() or {}
        if data.get("touser") in state.unfollowed:
            return _error(43004)
        if endpoint.endswith("template/send"):
            if not data.get("template_id"):
                return _error(40037)
            values = [v.get("value", "") if isinstance(v, dict) else "" for v in (data.get("data") or {}).values()]
            if any(len(v) > TEMPLATE_VALUE_LIMIT or "\n" in v for v in values):
                return _error(47003)
        msgid = state.accept(endpoint, data.get("touser", ""), data)
        if request.environ.get("sandbox.fail_after_accepting"):
            return Response("<html><body>502 Bad Gateway</body></html>", status=502, mimetype="text/html")
        return jsonify({"errcode": 0, "errmsg": "ok", "msgid": msgid})

    @bp.post("/cgi-bin/message/template/send")
    def template_send():
        return _send("cgi-bin/message/template/send")

    @bp.post("/cgi-bin/message/custom/send")
    def custom_send():
        return _send("cgi-bin/message/custom/send")

    @bp.post("/cgi-bin/message/subscribe/send")
    def subscribe_send():
        return _send("cgi-bin/message/subscribe/send")

    @bp.post("/cgi-bin/message/subscribe/bizsend")
    def subscribe_bizsend():
        """订阅通知: only to a member who accepted the template; values within their type's limits."""
        endpoint = "cgi-bin/message/subscribe/bizsend"
        if (denied := authorised(endpoint)) is not None:
            return denied
        data = body() or {}
        touser, template = data.get("touser", ""), data.get("template_id", "")
        if touser in state.unfollowed:
            return _error(43004)
        if template not in state.subscribe_templates:
            return _error(40037)
        if (touser, template) in state.subscribe_refused:
            return _error(43101)
        for keyword, item in (data.get("data") or {}).items():
            value = item.get("value", "") if isinstance(item, dict) else ""
            kind = keyword.rstrip("0123456789")
            if (kind == "thing" and len(value) > 20) or (kind == "phrase" and len(value) > 5) or "\n" in value:
                return _error(47003)
        msgid = state.accept(endpoint, touser, data)
        return jsonify({"errcode": 0, "errmsg": "ok", "msgid": msgid})

    @bp.get("/wxaapi/newtmpl/getpubtemplatekeywords")
    def newtmpl_keywords():
        if (denied := authorised("wxaapi/newtmpl/getpubtemplatekeywords")) is not None:
            return denied
        found = PUBLIC_TEMPLATES.get(request.args.get("tid", ""))
        if found is None:
            return _error(40037)
        return jsonify({"errcode": 0, "errmsg": "ok", "count": len(found["keywords"]), "data": found["keywords"]})

    @bp.post("/wxaapi/newtmpl/addtemplate")
    def newtmpl_add():
        if (denied := authorised("wxaapi/newtmpl/addtemplate")) is not None:
            return denied
        data = body() or {}
        if str(data.get("tid")) not in PUBLIC_TEMPLATES or not data.get("kidList"):
            return _error(47001)
        template_id = "sandbox_tmpl_" + hashlib.sha1(repr(sorted(data.items())).encode()).hexdigest()[:16]
        state.subscribe_templates[template_id] = (str(data["tid"]), list(data["kidList"]))
        return jsonify({"errcode": 0, "errmsg": "ok", "priTmplId": template_id})

    @bp.get("/wxaapi/newtmpl/gettemplate")
    def newtmpl_list():
        if (denied := authorised("wxaapi/newtmpl/gettemplate")) is not None:
            return denied
        listed = []
        for template_id, (tid, kids) in state.subscribe_templates.items():
            public = PUBLIC_TEMPLATES[tid]
            chosen = [k for k in public["keywords"] if k["kid"] in kids]
            listed.append({"priTmplId": template_id, "title": public["title"], "type": public["type"],
                           "content": "\n".join(f"{k['name']}:{{{{{k['rule']}{i}.DATA}}}}"
                                                 for i, k in enumerate(chosen, 1)),
                           "example": "\n".join(f"{k['name']}：{k['example']}" for k in chosen)})
        return jsonify({"errcode": 0, "errmsg": "ok", "data": listed})

    @bp.get("/cgi-bin/ticket/getticket")
    def getticket():
        """The JS-SDK's jsapi_ticket (the page signature's secret), valid 7200 s like the access token."""
        if (denied := authorised("cgi-bin/ticket/getticket")) is not None:
            return denied
        if request.args.get("type") != "jsapi":
            return _error(47001)
        return jsonify({"errcode": 0, "errmsg": "ok", "ticket": state.jsapi_ticket, "expires_in": 7200})

    @bp.get("/cgi-bin/user/info")
    def user_info():
        if (denied := authorised("cgi-bin/user/info")) is not None:
            return denied
        openid = request.args.get("openid", "")
        if openid in state.unfollowed:
            return jsonify({"subscribe": 0, "openid": openid})
        return jsonify({"subscribe": 1, "openid": openid, "language": "zh_CN",
                        "subscribe_time": int(time.time()), "unionid": "u_" + openid[-20:]})

    @bp.get("/connect/oauth2/authorize")
    def oauth_authorize():
        """WeChat's web authorisation (snsapi_base is silent in WeChat). The sandbox cannot know who
        holds the phone, so it asks: a picker of openids, or ``openid=`` in the query."""
        args = request.args
        state.record("connect/oauth2/authorize", args.to_dict(), None)
        if args.get("appid") != state.appid:
            return _error(40013), 400
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
            return _error(40013)
        if args.get("secret") != state.secret:
            return _error(40125)
        result = state.redeem_oauth_code(args.get("code", ""))
        if isinstance(result, int):
            return _error(result)
        return jsonify({"access_token": "sbx_web_" + secrets.token_urlsafe(16), "expires_in": 7200,
                        "refresh_token": "sbx_refresh_" + secrets.token_urlsafe(16), "openid": result,
                        "scope": "snsapi_base", "unionid": "u_" + result[-20:]})

    @bp.get("/sns/jscode2session")
    def jscode2session():
        """``dev:<openid>`` codes log in as that openid; each code works once, like wx.login's."""
        args = request.args
        state.record("sns/jscode2session", {k: v for k, v in args.items() if k != "secret"}, None)
        if args.get("appid") not in (state.miniprogram_appid, state.appid):
            return _error(40013)
        code = args.get("js_code", "")
        if not code.startswith("dev:") or len(code) < 8:
            return _error(40029)
        with state.lock:
            if code in state.used_codes:
                return _error(40163)
            state.used_codes.add(code)
        openid = code[4:]
        return jsonify({"openid": openid, "session_key": secrets.token_urlsafe(16), "unionid": "u_" + openid[-20:]})

    @bp.post("/wxa/getwxacodeunlimit")
    def wxacode():
        if (denied := authorised("wxa/getwxacodeunlimit")) is not None:
            return denied
        data = body() or {}
        if not data.get("scene"):
            return _error(47001)
        return Response(_png(f"wxacode:{data.get('page', '')}?scene={data['scene']}"), mimetype="image/png")

    # Controls for the simulator and tests (not part of WeChat).
    @bp.post("/_control/<action>")
    def control(action: str):
        data = body() or {}
        if action == "unfollow":
            state.unfollowed.add(data["openid"])
        elif action == "follow":
            state.unfollowed.discard(data["openid"])
        elif action == "quota":
            state.quotas[data["endpoint"]] = int(data["remaining"])
        elif action == "fail":  # {"endpoint": …, "errcodes": [-1, 45009, -2 (hang), …]}
            with state.lock:
                state.failures.setdefault(data["endpoint"], []).extend(int(c) for c in data["errcodes"])
        elif action == "latency":
            state.latency[data["endpoint"]] = float(data["seconds"])
        elif action == "expire-tokens":
            state.expire_tokens()
        elif action == "reset":
            state.reset()
        else:
            return jsonify({"error": "unknown_action"}), 404
        return jsonify({"ok": True})

    @bp.post("/tencent-sms")
    def tencent_sms():
        """Tencent Cloud SMS's SendSms (API 2021-01-11) as its official SDK calls it: a TC3-signed JSON
        POST; the sandbox checks the action and the credential's SecretId, then keeps the message."""
        data = body() or {}
        auth = request.headers.get("Authorization", "")
        state.record("tencent-sms", {"action": request.headers.get("X-TC-Action", "")}, {
            k: v for k, v in data.items() if k != "PhoneNumberSet"})
        if request.headers.get("X-TC-Action") != "SendSms":
            return jsonify({"Response": {"Error": {"Code": "InvalidAction", "Message": "unknown action"},
                                         "RequestId": secrets.token_hex(8)}})
        if not auth.startswith("TC3-HMAC-SHA256 Credential=") or state.sms_secret_id not in auth:
            return jsonify({"Response": {"Error": {"Code": "AuthFailure.SecretIdNotFound",
                                                   "Message": "secret id not found"},
                                         "RequestId": secrets.token_hex(8)}})
        statuses = []
        for number in data.get("PhoneNumberSet") or []:
            state.sms.append({"phone": number, "template": data.get("TemplateId"),
                              "params": list(data.get("TemplateParamSet") or []), "sign": data.get("SignName")})
            statuses.append({"SerialNo": secrets.token_hex(8), "PhoneNumber": number, "Fee": 1, "Code": "Ok",
                             "Message": "send success", "IsoCode": "CN", "SessionContext": ""})
        return jsonify({"Response": {"SendStatusSet": statuses, "RequestId": secrets.token_hex(8)}})

    @bp.get("/_control/calls")
    def calls():
        return jsonify([{"path": c.path, "params": c.params, "body": c.body} for c in list(state.calls)[-200:]])

    return bp


def create_sandbox_app(state: SandboxState) -> Flask:
    """A standalone sandbox, served by tests and benchmarks on a loopback port."""
    app = Flask("wechat_sandbox")
    app.register_blueprint(make_blueprint(state))
    app.extensions["wechat_sandbox"] = state
    return app
