"""Console logins (organisation accounts).

Five wrong passwords lock the account for 15 minutes. The count lives on the account row (not in
the shared store) because a console account is one organisation's single key: its lockout must
survive a Redis restart and be visible to the superior who is asked to help. The answer never says
whether a username exists.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import OrgAccount, utcnow
from runtime.extensions import protector, store
from runtime.sharedstore import StoreUnavailable
from services.kernel.errors import Forbidden, Invalid
from services.kernel.passwords import check_password, hash_password
from services.kernel.uow import audit, unit_of_work
from services.people import auth_sessions
from services.people.members import normalise_phone

logger = logging.getLogger(__name__)

FAILURES_ALLOWED = 5
LOCK_MINUTES = 15
# Run a hash check for unknown usernames too, so timing does not tell which usernames exist.
_DUMMY_HASH = "scrypt:32768:8:1$0000000000000000$" + "0" * 128


def _locked_message(until: dt.datetime, now: dt.datetime) -> Forbidden:
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    return Forbidden("account_locked", f"密码错误次数过多，账号已锁定，请{minutes}分钟后再试")


def authenticate(session: Session, username: str, password: str, *, now: dt.datetime | None = None) -> OrgAccount:
    now = now or utcnow()
    username = (username or "").strip()
    if not username or not password:
        raise Invalid("login_missing", "请输入手机号（或组织账号的用户名）和密码")
    with unit_of_work(session):
        account = session.scalar(sa.select(OrgAccount).where(_login_named(username)).with_for_update())
        if account is None:
            check_password(_DUMMY_HASH, password)
            _unknown_username_failed(username, now)
            raise Invalid("login_failed", "账号或密码错误")
        if account.locked_until is not None and account.locked_until > now:
            raise _locked_message(account.locked_until, now)
        if not check_password(account.password_hash, password):
            account.failed_logins += 1
            if account.failed_logins >= FAILURES_ALLOWED:
                account.failed_logins, account.locked_until = 0, now + dt.timedelta(minutes=LOCK_MINUTES)
                audit(session, ("account", account.id), "account.locked", ("org", account.org_id))
                logger.warning("console account %s locked after %d failures", account.id, FAILURES_ALLOWED)
                session.commit()
                raise _locked_message(account.locked_until, now)
            session.commit()
            raise Invalid("login_failed", "账号或密码错误")
        if account.disabled_at is not None:  # told only to whoever knows the password
            raise Forbidden("account_disabled", "该账号已停用：请联系本组织管理员或上级组织")
        account.failed_logins, account.locked_until, account.last_login_at = 0, None, now
        audit(session, ("account", account.id), "account.login", ("org", account.org_id))
        return account


def _login_named(login: str):
    """A person logs in with their phone; a shared account of old with its username."""
    try:
        phone = normalise_phone(login)
    except Invalid:
        return sa.func.lower(OrgAccount.username) == login.lower()
    return OrgAccount.phone_hash == protector.lookup_hash("phone", phone)


def _unknown_username_failed(username: str, now: dt.datetime) -> None:
    """A username nobody has answers as an account would: after five tries, "locked" for 15 minutes,
    so neither the answer nor the lock tells which usernames exist. Counted in the shared store (an
    unknown name has no row); without the store the answer is the plain refusal."""
    key = "login-fail-unknown:" + hashlib.sha256(username.lower().encode()).hexdigest()
    try:
        if int(store.incr(key, ttl=LOCK_MINUTES * 60)) >= FAILURES_ALLOWED:
            raise _locked_message(now + dt.timedelta(seconds=store.ttl(key) or LOCK_MINUTES * 60), now)
    except StoreUnavailable:
        return


def change_password(session: Session, account_id: int, current: str, new: str, *, keep_token: str | None = None) -> None:
    """The account's own change: the current password first, then every other login of the account
    ends (a stolen session must not outlive the change that was meant to stop it)."""
    with unit_of_work(session):
        account = session.get(OrgAccount, account_id, with_for_update=True)
        if account is None or not check_password(account.password_hash, current):
            raise Invalid("password_wrong", "当前密码不正确")
        account.password_hash = hash_password(new)
        audit(session, ("account", account.id), "account.password_changed", ("org", account.org_id))
    auth_sessions.revoke_all(session, account_id=account_id, keep_token=keep_token)
