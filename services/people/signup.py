"""Real-name registration with a phone code, as both the mini-program and the phone pages do it:
the code is checked first, spent only once the registration succeeded (a refused registration keeps
it for the corrected retry), then the WeChat identities are attached: the unionid (mini-program)
and/or the official-account openid (phone pages), which completes a team scan that waited for it."""
from __future__ import annotations

from sqlalchemy.orm import Session

from models import Member
from services.organisations.joining import JoinResult
from services.people import consent, members, sms, wechat_users


def register_with_code(session: Session, form: members.Registration, sms_code: str, *,
                       openid: str | None = None, unionid: str | None = None) -> tuple[Member, JoinResult | None]:
    consent.require(form.consent_notice, form.consent_sensitive)  # before the code: the first thing to fix
    sms.check_code(form.phone, sms_code, "register")
    member = members.register_member(session, form)
    sms.consume_code(form.phone, "register")
    if unionid:
        members.attach_unionid(session, member.id, unionid)
    joined = wechat_users.bind(session, member.id, openid) if openid else None
    return member, joined
