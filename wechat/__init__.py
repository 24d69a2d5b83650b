"""The WeChat official account: callback endpoint, crypto, API client, menu, sandbox, simulator."""
from __future__ import annotations

from flask import Flask, abort, current_app, request

from runtime.netaddr import is_loopback
from wechat import client


def register_wechat(app: Flask) -> None:
    from wechat.views import bp

    app.register_blueprint(bp)
    client.init_app(app)
    if app.config["APP_ENV"] != "production" and not app.config.get("WECHAT_API_BASE_URL"):
        # Development: the app serves its own WeChat API sandbox, so nothing needs the internet.
        from wechat.sandbox import SandboxState, make_blueprint

        state = SandboxState(appid=app.config["WECHAT_APP_ID"], secret=app.config["WECHAT_APP_SECRET"],
                             miniprogram_appid=app.config.get("WECHAT_MINIPROGRAM_APP_ID"))
        app.extensions["wechat_sandbox"] = state
        app.register_blueprint(make_blueprint(state), url_prefix="/sandbox")
        app.before_request(_sandbox_for_this_machine)


def _sandbox_for_this_machine():
    """The sandbox shows SMS codes (``/sandbox/_control/calls``) and lets anyone pick a WeChat user:
    with ``make run HOST=0.0.0.0`` it must not be the LAN's. Loopback callers only, unless SANDBOX_NETWORK=1."""
    if request.blueprint != "wechat_sandbox" or current_app.config.get("SANDBOX_NETWORK"):
        return None
    if is_loopback(request.remote_addr):
        return None
    abort(403, description="开发沙箱只对本机开放（局域网调试请设置 SANDBOX_NETWORK=1）")
