"""The sandbox's HTTP endpoints (paths as on api.weixin.qq.com): tokens, menu, QR codes, messages and
the controls tests use; subscription notices, web authorisation and SMS live in their own modules."""
from __future__ import annotations

import hashlib
import time

from flask import Blueprint, Flask, Response, jsonify, request

from wechat.sandbox import baidu_map, subscriptions, tencent_sms, web_auth
from wechat.sandbox.gate import authorised, body, error, png
from wechat.sandbox.state import SandboxState

TEMPLATE_VALUE_LIMIT = 20  # since 2023 each template keyword value is cut at 20 characters


def make_blueprint(state: SandboxState) -> Blueprint:
    bp = Blueprint("wechat_sandbox", __name__)

    @bp.get("/cgi-bin/token")
    def token():
        state.record("cgi-bin/token", request.args.to_dict(), None)
        if request.args.get("appid") != state.appid:
            return error(40013)
        if request.args.get("secret") != state.secret:
            return error(40125)
        value, ttl = state.issue_token(force=True)
        return jsonify({"access_token": value, "expires_in": ttl})

    @bp.post("/cgi-bin/stable_token")
    def stable_token():
        data = body() or {}
        state.record("cgi-bin/stable_token", {}, {k: v for k, v in data.items() if k != "secret"})
        if data.get("appid") != state.appid:
            return error(40013)
        if data.get("secret") != state.secret:
            return error(40125)
        value, ttl = state.issue_token(force=bool(data.get("force_refresh")))
        return jsonify({"access_token": value, "expires_in": ttl})

    @bp.post("/cgi-bin/menu/create")
    def menu_create():
        if (denied := authorised(state, "cgi-bin/menu/create")) is not None:
            return denied
        data = body()
        if not data or not isinstance(data.get("button"), list):
            return error(47001)
        state.menu = data
        return jsonify({"errcode": 0, "errmsg": "ok"})

    @bp.get("/cgi-bin/menu/get")
    def menu_get():
        if (denied := authorised(state, "cgi-bin/menu/get")) is not None:
            return denied
        if state.menu is None:
            return jsonify({"errcode": 46003, "errmsg": "menu no exist"})
        return jsonify({"menu": state.menu})

    @bp.post("/cgi-bin/qrcode/create")
    def qrcode_create():
        if (denied := authorised(state, "cgi-bin/qrcode/create")) is not None:
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
            return error(40001)
        scene = data.get("action_info", {}).get("scene", {})
        return Response(png("http://weixin.qq.com/q/sbx_" + str(scene.get("scene_str"))), mimetype="image/png")

    def _send(endpoint: str):
        if (denied := authorised(state, endpoint)) is not None:
            return denied
        data = body() or {}
        if data.get("touser") in state.unfollowed:
            return error(43004)
        if endpoint.endswith("template/send"):
            if not data.get("template_id"):
                return error(40037)
            values = [v.get("value", "") if isinstance(v, dict) else "" for v in (data.get("data") or {}).values()]
            if any(len(v) > TEMPLATE_VALUE_LIMIT or "\n" in v for v in values):
                return error(47003)
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

    @bp.get("/cgi-bin/ticket/getticket")
    def getticket():
        """The JS-SDK's jsapi_ticket (the page signature's secret), valid 7200 s like the access token."""
        if (denied := authorised(state, "cgi-bin/ticket/getticket")) is not None:
            return denied
        if request.args.get("type") != "jsapi":
            return error(47001)
        return jsonify({"errcode": 0, "errmsg": "ok", "ticket": state.jsapi_ticket, "expires_in": 7200})

    @bp.get("/cgi-bin/user/info")
    def user_info():
        if (denied := authorised(state, "cgi-bin/user/info")) is not None:
            return denied
        openid = request.args.get("openid", "")
        if openid in state.unfollowed:
            return jsonify({"subscribe": 0, "openid": openid})
        return jsonify({"subscribe": 1, "openid": openid, "language": "zh_CN",
                        "subscribe_time": int(time.time()), "unionid": "u_" + openid[-20:]})

    @bp.post("/wxa/getwxacodeunlimit")
    def wxacode():
        if (denied := authorised(state, "wxa/getwxacodeunlimit")) is not None:
            return denied
        data = body() or {}
        if not data.get("scene"):
            return error(47001)
        return Response(png(f"wxacode:{data.get('page', '')}?scene={data['scene']}"), mimetype="image/png")

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

    @bp.get("/_control/calls")
    def calls():
        return jsonify([{"path": c.path, "params": c.params, "body": c.body} for c in list(state.calls)[-200:]])

    subscriptions.add_routes(bp, state)
    web_auth.add_routes(bp, state)
    tencent_sms.add_routes(bp, state)
    baidu_map.add_routes(bp, state)
    return bp


def create_sandbox_app(state: SandboxState) -> Flask:
    """A standalone sandbox, served by tests and benchmarks on a loopback port."""
    app = Flask("wechat_sandbox")
    app.register_blueprint(make_blueprint(state))
    app.extensions["wechat_sandbox"] = state
    return app
