"""Phone verification codes for registration, password reset, identity appeals and closure.

One code per phone and purpose, 6 digits, valid 10 minutes, good for one attempt, 5 wrong tries and it
is gone; a new code at most every 60 s and 10 a day per phone (SMS costs money and is a harassment tool). Everything is
keyed by the phone's lookup hash, so the shared store never holds a phone number. The backend is
pluggable; the development one writes the code to the log (the phone masked by the log filter).
"""
from __future__ import annotations

import hmac
import logging
import secrets

from flask import current_app

from runtime.extensions import protector, store
from services.kernel.beijing_time import beijing_today
from services.kernel.errors import Invalid, TooMany, Unavailable
from services.people.members import normalise_phone

logger = logging.getLogger(__name__)

RESEND_SECONDS = 60
DAILY_CAP = 10
CODE_TTL = 600
MAX_TRIES = 5
PURPOSES = {"register": "注册", "reset": "重置密码", "close": "注销账号", "staff": "加入管理后台",
            "staff_reset": "重置管理后台密码", "claim": "认领团支部登记的账号"}


def send_code(phone: str, purpose: str = "register", *, deliver: bool = True) -> int:
    """Send a code; returns the seconds before another may be sent. ``deliver`` False: every wait and
    cap as if it were sent, and nothing sent (a reset asked for a phone nobody registered)."""
    if purpose not in PURPOSES:
        raise Invalid("sms_purpose", "验证码用途不正确")
    phone = normalise_phone(phone)
    ident = protector.lookup_hash("phone", phone)
    if not store.add(f"sms:wait:{ident}", "1", ttl=RESEND_SECONDS):
        wait = max(1, int(store.ttl(f"sms:wait:{ident}") or RESEND_SECONDS))
        raise TooMany("sms_too_soon", f"验证码已发送，请{wait}秒后再试", retry_after=wait)
    sent_today = store.incr(f"sms:day:{ident}:{beijing_today().isoformat()}", ttl=86400)
    if sent_today > DAILY_CAP:
        raise TooMany("sms_daily_cap", "今天获取验证码次数过多，请明天再试")
    if not deliver:
        return RESEND_SECONDS
    code = f"{secrets.randbelow(10**6):06d}"
    store.set(f"sms:code:{purpose}:{ident}", code, ttl=CODE_TTL)
    store.delete(f"sms:code:{purpose}:{ident}:tries")
    try:
        current_app.extensions["sms_sender"](phone, code, PURPOSES[purpose])
    except Exception as exc:  # noqa: BLE001 - any provider failure: the member may ask again at once
        logger.warning("verification code not delivered: %s", type(exc).__name__)
        store.delete(f"sms:wait:{ident}")
        raise Unavailable("sms_unavailable", "短信发送失败，请稍后重试") from exc
    return RESEND_SECONDS


def _code_key(phone: str, purpose: str) -> str:
    return f"sms:code:{purpose}:{protector.lookup_hash('phone', normalise_phone(phone))}"


def take_code(phone: str, code: str, purpose: str = "register") -> None:
    """The code checked and spent in one step, or Invalid (counting the wrong try). Spent whatever
    follows: a code opens one attempt, so two requests sent at once with it cannot both pass, and a
    registration refused by the database (an ID number already registered) costs the code, so that
    answer cannot be asked for again and again with one text message. Surfaces check the rest of a form
    before they take the code, so a typo in it never costs one."""
    key = _code_key(phone, purpose)
    expected = store.get(key)
    if expected is None:
        raise Invalid("sms_code_expired", "验证码已过期或未获取，请重新获取")
    # A numbered try taken atomically before comparing: parallel guesses cannot share one count.
    tries = store.incr(key + ":tries", ttl=CODE_TTL)
    if tries <= MAX_TRIES and hmac.compare_digest(expected, (code or "").strip()):
        if store.take(key) != expected:  # another request spent it a moment ago
            raise Invalid("sms_code_expired", "验证码已使用，请重新获取")
        store.delete(key + ":tries")
        return
    if tries >= MAX_TRIES:
        store.delete(key)
        raise Invalid("sms_code_exhausted", "验证码错误次数过多，请重新获取")
    raise Invalid("sms_code_wrong", "验证码不正确")
