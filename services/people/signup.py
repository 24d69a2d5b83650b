"""Real-name registration with a phone code, as both the mini-program and the phone pages do it.

Order matters for the person and against an attacker: every refusal the form alone can earn comes
first (a typo never costs the code), then the code is checked and spent in one step, then the database
says whether the phone or the ID number is taken. An ID number already registered is the answer an
attacker wants: the masked ID shows all but the 8 birth digits, so with the holder's age a few dozen
guesses find the full number. Each such answer therefore costs the code (a new text message, 60 s and
10 a day per phone) and counts against the phone, the WeChat login and the address: past a handful a
day they get 429 before anything is checked, and every one is logged. Then the WeChat identities are
attached: the unionid (mini-program) and/or the official-account openid (phone pages), which completes
a team scan that waited for it.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session

from models import Member
from runtime.extensions import protector, store
from services.kernel.beijing_time import beijing_today
from services.kernel.errors import Conflict, TooMany
from services.organisations.joining import JoinResult
from services.people import members, sms, wechat_users

logger = logging.getLogger(__name__)

#: ID-number conflicts a day (registrations or appeals answered "taken" / "not taken").
ID_PROBES_PER_DAY = {"phone": 3, "login": 3, "address": 10}
ID_PROBES_TEXT = "今天核对身份证号的次数过多，请明天再试；如你的身份证号被他人占用，请使用“身份认证”"


@dataclass(frozen=True)
class Asker:
    """Who is asking, as the surface knows them: the WeChat login (openid or unionid) and the address."""

    login: str | None = None
    address: str | None = None


def _probe_keys(phone: str, asker: Asker) -> dict[str, str]:
    day = beijing_today().isoformat()
    keys = {"phone": protector.lookup_hash("phone", phone)}
    if asker.login:
        keys["login"] = protector.lookup_hash("login", asker.login)
    if asker.address:
        keys["address"] = asker.address
    return {kind: f"id-probe:{kind}:{value}:{day}" for kind, value in keys.items()}


def guard_id_probes(phone: str, asker: Asker) -> None:
    """429 when the phone, the login or the address has had its day's ID-number answers."""
    for kind, key in _probe_keys(phone, asker).items():
        if int(store.get(key) or 0) >= ID_PROBES_PER_DAY[kind]:
            logger.warning("ID-number answers refused for the day (%s) for phone %s", kind, phone)
            raise TooMany("id_probes", ID_PROBES_TEXT)


def count_id_probe(phone: str, asker: Asker, what: str) -> None:
    for key in _probe_keys(phone, asker).values():
        store.incr(key, ttl=86400)
    logger.warning("ID-number answer (%s) given to phone %s from %s", what, phone, asker.address or "?")


def register_with_code(session: Session, form: members.Registration, sms_code: str, *,
                       openid: str | None = None, unionid: str | None = None,
                       asker: Asker | None = None) -> tuple[Member, JoinResult | None]:
    asker = asker or Asker(login=openid or unionid)
    checked = members.check_registration(form)
    guard_id_probes(checked.phone, asker)
    sms.take_code(checked.phone, sms_code, "register")
    try:
        member = members.register_member(session, form, checked=checked)
    except Conflict as exc:
        if exc.code == "id_taken":
            count_id_probe(checked.phone, asker, "registered")
        raise
    if unionid:
        members.attach_unionid(session, member.id, unionid)
    joined = wechat_users.bind(session, member.id, openid) if openid else None
    return member, joined
