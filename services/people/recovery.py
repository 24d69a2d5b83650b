"""Getting back into an account: a member resets their password with a code sent to their phone
(seed: 请点击"忘记密码"通过手机号重置密码), and a superior organisation resets a sub-organisation's
console password. Either way every session of that account ends, so whoever held an old one is out."""
from __future__ import annotations

import contextlib
import logging

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Member, OrgAccount, StaffRole
from runtime.extensions import protector, store
from runtime.sharedstore import StoreUnavailable
from services.kernel.errors import Forbidden, Invalid, NotFound
from services.kernel.passwords import hash_password, validate_password
from services.kernel.uow import audit, unit_of_work
from services.organisations import orgs
from services.people import auth_sessions, sms
from services.people.members import find_by_phone, normalise_phone

logger = logging.getLogger(__name__)


def send_reset_code(session: Session, phone: str) -> int:
    """A code for a registered phone. The answers are the same for a phone nobody registered (no SMS is
    sent to it), the 60-second wait and the day's cap included, so the form cannot be used to learn who
    has an account."""
    phone = normalise_phone(phone)
    registered = find_by_phone(session, phone) is not None
    if not registered:
        logger.info("password reset asked for an unregistered phone %s", phone)
    return sms.send_code(phone, "reset", deliver=registered)


def reset_password(session: Session, phone: str, code: str, password: str) -> Member:
    phone = normalise_phone(phone)
    validate_password(password)
    sms.take_code(phone, code, "reset")
    member = find_by_phone(session, phone)
    if member is None:  # a code is only ever sent to a registered phone
        raise Invalid("sms_code_expired", "验证码已过期或未获取，请重新获取")
    with unit_of_work(session):
        member.password_hash = hash_password(password)
        audit(session, ("member", member.id), "member.password_reset", ("member", member.id))
    with contextlib.suppress(StoreUnavailable):  # the lockout ends with the reset (or with its TTL)
        store.delete("login-fail:" + protector.lookup_hash("phone", phone))
    auth_sessions.revoke_all(session, member_id=member.id, openid=member.openid)
    return member


def reset_account_password(session: Session, actor_org_id: int, org_id: int, password: str) -> OrgAccount:
    """A superior sets a new password for a sub-organisation's console account (never its own: that is
    修改密码, which asks for the current one)."""
    if org_id == actor_org_id:
        raise Forbidden("own_account", "本组织的密码请在“修改密码”中修改")
    org = orgs.require_within(session, org_id, actor_org_id)
    with unit_of_work(session):
        account = session.scalar(sa.select(OrgAccount).where(
            OrgAccount.org_id == org.id, OrgAccount.role == StaffRole.shared).order_by(OrgAccount.id).limit(1))
        if account is None:
            raise NotFound("account_not_found", "该组织没有共用账号：请在其“人员”页为具体人员生成重置链接")
        account.password_hash = hash_password(password)
        account.failed_logins, account.locked_until = 0, None
        audit(session, ("org", actor_org_id), "account.password_reset", ("org", org.id), account=account.id)
    auth_sessions.revoke_all(session, account_id=account.id)
    return account
