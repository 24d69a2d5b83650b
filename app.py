"""Application factory and entry point.

``gunicorn 'app:create_app()'`` serves production; ``flask --app app ...`` runs the CLI. Nothing is
built, opened or configured at import time.
"""
from __future__ import annotations

import logging
import os

from flask import Flask, jsonify, render_template, render_template_string, request
from flask_wtf.csrf import CSRFError
from pydantic import ValidationError
from sqlalchemy import event
from werkzeug.exceptions import HTTPException

from runtime import logsetup, smsgateway
from runtime.config import ENV_VARS, load_config
from runtime.dbping import ping_when_idle
from runtime.dbretry import retry_after_reconnect
from runtime.extensions import db, migrate, protector, store
from runtime.privacy import MaskingFilter
from runtime.sharedstore import StoreUnavailable, fail_fast
from services.kernel.beijing_time import to_local_input
from services.kernel.errors import DomainError
from services.volunteering.hours import hours_text
from web import security
from web.guards import csrf, limiter
from web.requestargs import BoundedIntConverter

logger = logging.getLogger(__name__)


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.url_map.converters["int"] = BoundedIntConverter  # before any route: ids stay in the column's range
    config = config or {}
    # Settings named like environment variables may come in ``config`` too (tests, scripts), so that a
    # given DATA_KEY or SECRET_KEY is used instead of generating the development one.
    given = {k: v for k, v in config.items() if k in ENV_VARS and isinstance(v, str)}
    app.config.update(load_config({**os.environ, **given}))
    app.config.update(config)
    app.json.ensure_ascii = False  # Chinese messages readable in JSON bodies (Flask 3 has no JSON_AS_ASCII)
    app.add_template_filter(hours_text, "hours")  # minutes → "19.9": one rule for every page
    app.add_template_filter(to_local_input, "local_input")  # a datetime-local field's value, Beijing time
    register_logging(app)
    register_extensions(app)
    register_errors(app)
    register_blueprints(app)
    retry_after_reconnect(app, db)
    register_cli(app)
    return app


def register_logging(app: Flask) -> None:
    """One stdout handler on the root logger: JSON lines with the request id (LOG_FORMAT=json, the
    production default) or readable text, personal data masked in every record (runtime/logsetup.py)."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_qingchun", False)]:
        root.removeHandler(old)
    root.addHandler(logsetup.make_handler(app.config["LOG_FORMAT"]))
    root.setLevel(logging.INFO if app.config["APP_ENV"] == "production" else logging.DEBUG
                  if app.debug else logging.INFO)
    logging.getLogger("werkzeug").addFilter(MaskingFilter())
    logging.getLogger("fontTools").setLevel(logging.WARNING)  # a dozen lines per certificate's font subset
    logsetup.register_request_ids(app)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    protector.init_app(app)
    store.init_app(app)
    smsgateway.init_app(app)
    security.init_app(app)
    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "qc-limit")
    if app.config.get("REDIS_URL"):
        # Redis down or hung must not stop the requests the limits guard: short timeouts, no retries,
        # and this process's own counters until Redis answers again (Flask-Limiter's fallback).
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", fail_fast())
        app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
        app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    limiter.init_app(app)
    from jobs import push as push_jobs

    push_jobs.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas)
        else:
            ping_when_idle(db.engine)


#: Paths people open in a browser: their errors are Chinese pages, not JSON.
PEOPLES_PAGES = ("/m/", "/j/", "/verify/", "/console/", "/qr/")


def register_errors(app: Flask) -> None:
    @app.before_request
    def refuse_nul_bytes():
        """No text with NUL bytes reaches a service (PostgreSQL refuses them): a clear 400 instead."""
        values = list(request.args.values()) + list(request.view_args.values() if request.view_args else [])
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            values += list(request.form.values())
        if any("\x00" in str(value) for value in values):
            return jsonify({"error": "invalid_characters", "message": "请求包含非法字符"}), 400

    @app.errorhandler(ValidationError)
    def validation_error(err: ValidationError):
        from web.bodies import describe

        message, fields = describe(err)
        return jsonify({"error": "invalid_input", "message": message, "fields": fields}), 400

    def _wants_page() -> bool:
        return (request.path.startswith(PEOPLES_PAGES) and not request.is_json
                and request.accept_mimetypes.best == "text/html")

    def _page(status: int, message: str):
        title = {403: "无权访问", 404: "页面不存在", 409: "无法完成", 413: "内容过大", 429: "操作过于频繁",
                 503: "服务暂时繁忙"}.get(status, "请求有误")
        template = "console/error.html" if request.path.startswith(("/console/", "/qr/")) else "mobile/message.html"
        return render_template(template, title=title, message=message, status=status), status

    def page_or_json(status: int, code: str, message: str):
        """People's pages (phone, console) get a Chinese page; API and fetch calls get the JSON error."""
        if not _wants_page():
            return jsonify({"error": code, "message": message}), status
        return _page(status, message)

    @app.errorhandler(DomainError)
    def domain_error(err: DomainError):
        """A rule said no: a Chinese page for a person's browser, the JSON body (with any detail) for programs."""
        if _wants_page():
            return _page(err.status, err.message)
        return jsonify(err.to_dict()), err.status

    @app.errorhandler(CSRFError)
    def csrf_error(err: CSRFError):
        return page_or_json(400, "csrf", "页面已过期或来源不明，请刷新页面后重试")

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        messages = {400: "请求格式有误", 403: "没有权限", 404: "页面不存在", 405: "不支持该请求方法",
                    413: "请求内容过大", 429: "操作过于频繁，请稍后再试"}
        return page_or_json(err.code, err.name.lower().replace(" ", "_"), messages.get(err.code, err.description))

    @app.errorhandler(StoreUnavailable)
    def store_unavailable(err: StoreUnavailable):
        """What needs the shared store and cannot do without it (SMS codes, the phone login's lockout)
        says so; everything else goes on without the store."""
        return page_or_json(503, "temporarily_unavailable", "服务暂时繁忙，请稍后再试")

    @app.errorhandler(Exception)
    def unexpected(err: Exception):
        if request.blueprint == "rq_dashboard" and _bad_dashboard_lookup(err):
            return page_or_json(404, "not_found", "找不到该任务、队列或登记表")  # rq-dashboard's own 500s
        logger.exception("unhandled error")
        return jsonify({"error": "internal_error", "message": "服务器开小差了，请稍后再试"}), 500


def _bad_dashboard_lookup(err: Exception) -> bool:
    """rq-dashboard answers an unknown job, registry or instance with an exception of its own."""
    from rq.exceptions import InvalidJobOperation, NoSuchJobError

    return isinstance(err, NoSuchJobError | InvalidJobOperation | LookupError | ValueError)


_INDEX = """<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>青春志愿</title>
<body style="font-family:sans-serif;max-width:40em;margin:2em auto">
<h1>青春志愿</h1><p>团员志愿者回社区报到、志愿项目签到签退与时长管理。</p>
<ul><li><a href="/console/login">/console/</a> 管理后台（团组织、服务队负责人）</li>
<li><a href="/m/">/m/</a> 团员手机页面（在微信中打开；开发环境经沙箱选择微信用户）</li>
<li><a href="/healthz">/healthz</a> 服务状态</li></ul></body></html>"""


def register_blueprints(app: Flask) -> None:
    from console import register_console
    from console.posters import bp as qr_bp
    from console.rq_dashboard import register_rq_dashboard
    from miniprogram_api import register_api
    from mobile import register_mobile
    from wechat import register_wechat

    register_wechat(app)
    register_mobile(app)
    register_console(app)
    register_rq_dashboard(app)
    register_api(app)
    app.register_blueprint(qr_bp)
    # WeChat's callback and the API sandbox are signed by WeChat's own scheme, not by a form token.
    for name in ("wechat", "wechat_sandbox"):
        if name in app.blueprints:
            csrf.exempt(app.blueprints[name])

    @app.get("/")
    def index():
        return render_template_string(_INDEX)

    from runtime.health import bp as health_bp
    from runtime.metrics import register_metrics

    app.register_blueprint(health_bp)
    register_metrics(app)


def register_cli(app: Flask) -> None:
    from console.poster_cli import qr_cli
    from demo.cli import register_commands as register_demo
    from jobs.cli import jobs_cli, push_cli
    from jobs.maintenance import register_commands as register_maintenance
    from wechat.cli import wechat_cli

    register_demo(app)
    register_maintenance(app)
    app.cli.add_command(wechat_cli)
    app.cli.add_command(qr_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(push_cli)
