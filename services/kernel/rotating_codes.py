"""Codes shown on a coordinator's screen that change every 30 seconds: an HMAC of what they open and the
current window, so a photo forwarded to someone away from the place stops working within a minute.
The previous window is accepted too, for the seconds between the screen changing and the scan. Used
for on-site sign-in at a project and on-site 报到 at a community team."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac

from flask import current_app

from models import utcnow
from services.kernel.uow import normalise_code

STEP_SECONDS = 30


def _window(now: dt.datetime) -> int:
    return int(now.timestamp()) // STEP_SECONDS


def _token(purpose: str, code: str, window: int) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(secret, f"{purpose}:{code}:{window}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest)[:10].decode()


def current(purpose: str, code: str, *, now: dt.datetime | None = None) -> tuple[str, dt.datetime]:
    """The token to show now and when the screen must change it."""
    now = now or utcnow()
    window = _window(now)
    return _token(purpose, code, window), dt.datetime.fromtimestamp((window + 1) * STEP_SECONDS, tz=dt.UTC)


def verify(purpose: str, code: str, token: str, *, now: dt.datetime | None = None) -> bool:
    window = _window(now or utcnow())
    given = normalise_code(token)
    return any(hmac.compare_digest(given, _token(purpose, code, w)) for w in (window, window - 1))
