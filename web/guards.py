"""The guards every HTTP surface shares, unbound until ``create_app`` binds them: CSRF tokens on forms
and per-client rate limits (Redis when REDIS_URL is set)."""
from __future__ import annotations

from flask import Flask, request
from flask_limiter import Limiter
from flask_wtf.csrf import CSRFProtect

from runtime.sharedstore import fail_fast
from services.kernel.uow import act_as
from web import security
from web.security import client_identity

csrf = CSRFProtect()
# Per-client limits on login, code sending and registration; storage is Redis when REDIS_URL is set.
# Keyed on the login where there is one, else the real client address (web.security.client_identity).
limiter = Limiter(key_func=client_identity, default_limits=[], headers_enabled=True)


@limiter.request_filter
def _wechat_callback() -> bool:
    """WeChat's callback is never limited per address: every message comes from a handful of WeChat
    server addresses, so a limit would throttle the whole programme on 报到 day; its signature
    authenticates it instead. A filter, not ``exempt``: it is checked before any limit is resolved."""
    return request.blueprint == "wechat"


def init_app(app: Flask) -> None:
    security.init_app(app)
    csrf.init_app(app)
    # Whoever a login gate names as the acting person is forgotten when the request ends: gunicorn's
    # threads serve one request after another.
    app.before_request(lambda: act_as(None))
    app.teardown_request(lambda _exc: act_as(None))
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "qc-limit")
    if app.config.get("REDIS_URL"):
        # Redis down or hung must not stop the requests the limits guard: short timeouts, no retries,
        # and this process's own counters until Redis answers again (Flask-Limiter's fallback).
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", fail_fast())
        app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
        app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    limiter.init_app(app)
