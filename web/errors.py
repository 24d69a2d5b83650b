"""Error answers of every HTTP surface: a Chinese page for a person's browser, the JSON error for
programs (the mini-program, the phone pages' fetch calls), and never a 500 for a rule that said no."""
from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Flask, jsonify, render_template, render_template_string, request
from flask_wtf.csrf import CSRFError
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from runtime.sharedstore import StoreUnavailable
from services.kernel.errors import DomainError
from web.bodies import describe

logger = logging.getLogger(__name__)

FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


#: Paths only programs call: their errors are JSON whatever the Accept header says.
PROGRAMS = ("/api/", "/wechat", "/sandbox/", "/healthz", "/livez", "/readyz", "/metrics")
#: Form fields never written back into a page: what was typed there is typed again.
SECRET_FIELDS = {"password": "密码", "password2": "确认密码", "new_password": "新密码",
                 "current_password": "当前密码", "confirm_password": "确认密码", "sms_code": "短信验证码",
                 "code": "验证码"}


def wants_page() -> bool:
    """A person's browser gets a Chinese page: Chrome, Safari and WeChat's browsers ask for text/html
    first, though Chrome and WeChat's Android browser also list application/signed-exchange, which
    werkzeug's ``best`` took for their choice. Programs (JSON bodies, Accept: application/json, a bare
    */*) and the programs' own paths get the JSON error."""
    if request.is_json or request.path.startswith(PROGRAMS):
        return False
    return request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html"


#: An expired form's fields, sent again with a fresh token (the console's and the phone's error pages
#: both show them): what was typed, hidden, and the secrets to type again.
RESUBMIT_FIELDS = """<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
{% for name, value in resubmit.kept %}<input type="hidden" name="{{ name }}" value="{{ value }}">{% endfor %}
{% for name, label in resubmit.retype %}<p><label for="retype-{{ name }}">{{ label }}（请重新填写）</label>
<input id="retype-{{ name }}" type="password" name="{{ name }}" autocomplete="off"></p>{% endfor %}"""


def _resubmit_fields(resubmit: dict) -> str:
    """Rendered with autoescaping; the pages mark the result |safe."""
    return render_template_string(RESUBMIT_FIELDS, resubmit=resubmit)


def register_errors(app: Flask) -> None:
    app.jinja_env.globals["resubmit_fields"] = _resubmit_fields

    @app.before_request
    def refuse_nul_bytes():
        """No text with NUL bytes reaches a service (PostgreSQL refuses them): a clear 400 instead."""
        values = list(request.args.values()) + list(request.view_args.values() if request.view_args else [])
        if request.mimetype in FORMS:
            values += list(request.form.values())
        if any("\x00" in str(value) for value in values):
            return jsonify({"error": "invalid_characters", "message": "请求包含非法字符"}), 400

    @app.errorhandler(ValidationError)
    def validation_error(err: ValidationError):
        message, fields = describe(err)
        return jsonify({"error": "invalid_input", "message": message, "fields": fields}), 400

    def _page(status: int, message: str, title: str | None = None, **context):
        title = title or {403: "无权访问", 404: "页面不存在", 409: "无法完成", 413: "内容过大", 429: "操作过于频繁",
                          503: "服务暂时繁忙"}.get(status, "请求有误")
        template = "console/error.html" if request.path.startswith(("/console/", "/qr/")) else "mobile/message.html"
        return render_template(template, title=title, message=message, status=status, **context), status

    def page_or_json(status: int, code: str, message: str, title: str | None = None, **context):
        """People's pages (phone, console) get a Chinese page; API and fetch calls get the JSON error."""
        if not wants_page():
            return jsonify({"error": code, "message": message}), status
        return _page(status, message, title, **context)

    @app.errorhandler(DomainError)
    def domain_error(err: DomainError):
        """A rule said no: a Chinese page for a person's browser, the JSON body (with any detail) for programs."""
        if wants_page():
            return _page(err.status, err.message)
        return jsonify(err.to_dict()), err.status

    @app.errorhandler(CSRFError)
    def csrf_error(err: CSRFError):
        """An expired form (left open for hours, or opened before a restart) is not lost: the page
        offers what was typed, with a fresh token, to send again; secrets are typed again."""
        if wants_page() and request.method == "POST" and request.mimetype in FORMS:
            kept = [(name, value) for name, value in request.form.items(multi=True)
                    if name != "csrf_token" and name not in SECRET_FIELDS]
            retype = [(name, SECRET_FIELDS[name]) for name in dict.fromkeys(request.form) if name in SECRET_FIELDS]
            target = request.full_path.rstrip("?")
            return _page(400, "页面打开太久或服务刚更新过，填写的内容已保留：请核对后点「重新提交」。",
                         title="页面已过期", resubmit={"action": target, "kept": kept, "retype": retype})
        return page_or_json(400, "csrf", "页面已过期或来源不明，请刷新页面后重试")

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        messages = {400: "请求格式有误", 403: "没有权限", 404: "你打开的链接不存在或已失效，请检查地址，或返回首页",
                    405: "不支持该请求方法",
                    413: "请求内容过大", 429: "操作过于频繁，请稍后再试"}
        # abort(…, description="…") says why in Chinese; Flask-Limiter's 429 describes the limit ("30 per 1 minute").
        said = err.description if err.code != 429 and err.description != type(err).description else None
        return page_or_json(err.code, err.name.lower().replace(" ", "_"), said or messages.get(err.code, err.description))

    @app.errorhandler(StoreUnavailable)
    def store_unavailable(err: StoreUnavailable):
        """What needs the shared store and cannot do without it (SMS codes, the phone login's lockout)
        says so; everything else goes on without the store."""
        return page_or_json(503, "temporarily_unavailable", "服务暂时繁忙，请稍后再试")

    @app.errorhandler(sa.exc.OperationalError)
    @app.errorhandler(sa.exc.InterfaceError)
    @app.errorhandler(sa.exc.TimeoutError)
    def database_unreachable(err: Exception):
        """PostgreSQL restarting, unreachable or out of connections: nothing was written (the
        transaction went with the connection), so the person or WeChat may simply ask again. A 503 with
        Retry-After says so (nginx passes the callback to the other node; WeChat retries), not a 500."""
        logger.warning("database unreachable: %s", type(getattr(err, "orig", None) or err).__name__)
        # The console's page header looks the login up in the database: not on this page.
        answer = page_or_json(503, "temporarily_unavailable", "服务暂时繁忙，请稍后再试", console_account=None)
        response = app.make_response(answer)
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(Exception)
    def unexpected(err: Exception):
        if request.blueprint == "rq_dashboard" and _bad_dashboard_lookup(err):
            return page_or_json(404, "not_found", "找不到该任务、队列或登记表")  # rq-dashboard's own 500s
        logger.exception("unhandled error")
        # A page that needs nothing that may have failed (the console's header reads the login).
        return page_or_json(500, "internal_error", "服务器开小差了，请稍后再试", title="出错了", console_account=None)


def _bad_dashboard_lookup(err: Exception) -> bool:
    """rq-dashboard answers an unknown job, registry or instance with an exception of its own."""
    from rq.exceptions import InvalidJobOperation, NoSuchJobError

    return isinstance(err, NoSuchJobError | InvalidJobOperation | LookupError | ValueError)
