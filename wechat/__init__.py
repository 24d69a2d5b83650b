"""The WeChat official account: callback endpoint, crypto, API client, menu, sandbox, simulator."""
from __future__ import annotations

from flask import Flask

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
