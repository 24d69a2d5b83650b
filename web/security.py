"""What a browser and a proxy need to be told: security headers, and which client address is real.

Headers come from flask-talisman (a kept library): a Content-Security-Policy that the console and
the phone pages satisfy (scripts from this site or nonce-bearing blocks only, no inline handlers, no
framing), nosniff, a strict referrer policy, and HSTS in production. TLS is nginx's, so Talisman
never redirects.

Behind nginx every request comes from nginx's address: Werkzeug's ProxyFix believes
``X-Forwarded-For`` only from ``TRUSTED_PROXIES`` hops (0 = talk to clients directly), so nobody can
choose their own address by sending the header, and the rate limits see the real client.
"""
from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable

from flask import Flask, g, redirect, request, session, url_for
from flask_talisman import Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

from models import SessionKind
from runtime.extensions import db
from services.people import auth_sessions, mp_sessions

talisman = Talisman()

#: The cookie keys holding a server-side login's token (console accounts; members' phone pages).
CONSOLE_COOKIE, PHONE_COOKIE = "console_sid", "m_sid"

CSP = {
    "default-src": "'self'",
    "script-src": "'self' https://res.wx.qq.com",  # WeChat's JS-SDK, for the wx-open-subscribe button
    "style-src": "'self' 'unsafe-inline'",   # style attributes; no script can run from a style
    "img-src": "'self' data: blob:",
    "connect-src": "'self'",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def init_app(app: Flask) -> None:
    production = app.config["APP_ENV"] == "production"
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0)
    talisman.init_app(
        app, force_https=False, strict_transport_security=production, strict_transport_security_max_age=31536000,
        session_cookie_secure=production, session_cookie_http_only=True, content_security_policy=CSP,
        content_security_policy_nonce_in=["script-src"], frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin", x_content_type_options=True)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:24]


def client_identity() -> str:
    """The rate limits' key: the login (bearer token or session cookie) where there is a live one, else
    the client's real address. A limit keyed on the address alone would, behind a campus NAT or a
    carrier's gateway, make thousands of members one client; a token is a key only once verified, or
    any made-up ``Authorization: Bearer x1``, ``x2``, … would be a fresh client each time."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() == "bearer" and token and live_bearer(token) is not None:
        return "tok:" + _digest(token)
    for key, kind in ((CONSOLE_COOKIE, SessionKind.console), (PHONE_COOKIE, SessionKind.phone)):
        if session.get(key) and live_login(key, kind) is not None:
            return "sid:" + _digest(session[key])
    return "ip:" + (request.remote_addr or "unknown")


def live_bearer(token: str | None):
    """The mini-program login this bearer token holds (``services.people.mp_sessions``), read once per
    request: the rate limits' key and the API's own login check both ask. Cached on the request itself,
    never longer: registering attaches the member to the same token for the next request."""
    if not token:
        return None
    cache = request.environ.setdefault("qingchun.live_bearers", {})
    if token not in cache:
        cache[token] = mp_sessions.read(db.session, token)
    return cache[token]


def live_login(cookie_key: str, kind):
    """The live server-side session whose token this request's cookie holds (``services.people.auth_sessions``
    decides: revoked, expired, idle), looked up once per request. Keyed by the token: an app context
    (and its ``g``) may outlive one request, e.g. in tests."""
    token = session.get(cookie_key)
    if not token:
        return None
    cache = g.setdefault("live_logins", {})
    if token not in cache:
        cache[token] = auth_sessions.read(db.session, token, kind)
    return cache[token]


def to_login(login_endpoint: str):
    """Off to log in, and back to this page afterwards."""
    return redirect(url_for(login_endpoint, next=request.full_path.rstrip("?")))


def login_gate(who: Callable[[], object | None], login_endpoint: str,
               then: Callable[[object], None] | None = None):
    """A view decorator for the web surfaces: without a login (``who()`` is None) the person is sent to
    ``login_endpoint`` and brought back afterwards; ``then`` sees the login first (e.g. for the logs)."""
    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            current = who()
            if current is None:
                return to_login(login_endpoint)
            if then is not None:
                then(current)
            return view(*args, **kwargs)
        return wrapped
    return decorator
