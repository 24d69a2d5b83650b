"""Who looked at whose personal data (PIPL art. 51: 安全管理 and records of access): every display of
unmasked personal data to someone other than the person (a reviewer opening an identity-appeal photo)
and every export of a member list is an audit entry with who, whose, when and why; the city committee
reads them in the console (访问记录)."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import AuditEntry, OrgAccount, Organization, OrgKind, utcnow
from runtime.extensions import store
from runtime.privacy import mask_phone
from services.kernel.errors import Forbidden, Invalid, TooMany
from services.kernel.uow import audit_now
from services.people.members import normalise_phone

ACCESS_ACTIONS = {
    "identity_appeal.photo_viewed": "查看身份认证照片",
    "identity_appeal.number_viewed": "查看身份认证申请的身份证号",
    "member.phone_search": "按手机号查找团员",
    "member.phone_viewed": "查看团员完整手机号",
    "export.members": "导出团员名单", "export.review": "导出评议名单",
    "export.rates": "导出组织比率", "export.project-hours": "导出项目服务时长",
    "member.export": "本人下载个人数据",
}


def exported(session: Session, org_id: int, kind: str, title: str, fmt: str, query: dict) -> None:
    """Written on a connection of its own, committed before the download starts: the export's rows are
    still being read through the ORM session, which a commit there would expire."""
    with session.get_bind().begin() as connection:
        audit_now(connection, ("org", org_id), f"export.{kind}", ("org", org_id), title=title, format=fmt,
                  query=query)


PHONE_SEARCHES_PER_HOUR = 10


def phone_search(session: Session, org_id: int, q: str) -> None:
    """A search by a whole phone number finds its member through the lookup hash, so a masked phone
    (138****5678) could be unmasked by trying the 10,000 numbers it hides. Coordinators find members by
    name and 团员编号; a phone search is allowed ten times an hour per account (useless for trying
    numbers) and each one is recorded in 访问记录 with the number masked. Anything else passes untouched."""
    try:
        phone = normalise_phone(q)
    except Invalid:
        return
    hour = utcnow().strftime("%Y%m%d%H")
    if store.incr(f"phone-search:{org_id}:{hour}", ttl=3600) > PHONE_SEARCHES_PER_HOUR:
        raise TooMany("phone_searches", f"按手机号查找每小时最多{PHONE_SEARCHES_PER_HOUR}次，请改用姓名或团员编号查找")
    with session.get_bind().begin() as connection:
        audit_now(connection, ("org", org_id), "member.phone_search", ("org", org_id), title=f"按手机号 {mask_phone(phone)} 查找")


@dataclass(frozen=True)
class Access:
    entry: AuditEntry
    actor: str
    what: str
    whose: str


def recent(session: Session, viewer: Organization, *, limit: int = 100, offset: int = 0) -> list[Access]:
    """The newest accesses, for the city committee alone (it answers for the whole city's data)."""
    if viewer.kind != OrgKind.city:
        raise Forbidden("city_only", "访问记录仅团市委可以查看")
    rows = session.scalars(sa.select(AuditEntry).where(AuditEntry.action.in_(ACCESS_ACTIONS))
                           .order_by(AuditEntry.id.desc()).limit(limit).offset(offset)).all()
    org_ids = {r.actor_id for r in rows if r.actor_kind == "org"}
    names = dict(session.execute(sa.select(Organization.id, Organization.name).where(Organization.id.in_(org_ids))).all())
    people = dict(session.execute(sa.select(OrgAccount.id, sa.func.coalesce(OrgAccount.name, OrgAccount.username))
                                  .where(OrgAccount.id.in_({r.account_id for r in rows if r.account_id}))).all())
    found = []
    for r in rows:
        actor = names.get(r.actor_id, "—") if r.actor_kind == "org" else "团员本人"
        if r.actor_kind == "org" and r.account_id in people:
            actor += f" · {people[r.account_id]}"  # the person, since staff accounts (issue 36.1)
        detail = r.detail or {}
        whose = detail.get("title") or (f"身份认证申请 #{r.target_id}" if r.target_kind == "identity_appeal"
                                        else f"团员 #{r.target_id}")
        found.append(Access(r, actor, ACCESS_ACTIONS[r.action], whose))
    return found
