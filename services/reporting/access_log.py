"""Who looked at whose personal data (PIPL art. 51: 安全管理 and records of access): every display of
unmasked personal data to someone other than the person (a reviewer opening an identity-appeal photo)
and every export of a member list is an audit entry with who, whose, when and why; the city committee
reads them in the console (访问记录)."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import AuditEntry, Organization, OrgKind
from services.kernel.errors import Forbidden
from services.kernel.uow import audit_now

ACCESS_ACTIONS = {
    "identity_appeal.photo_viewed": "查看身份认证照片",
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
    found = []
    for r in rows:
        actor = names.get(r.actor_id, "—") if r.actor_kind == "org" else "团员本人"
        detail = r.detail or {}
        whose = detail.get("title") or (f"身份认证申请 #{r.target_id}" if r.target_kind == "identity_appeal"
                                        else f"团员 #{r.target_id}")
        found.append(Access(r, actor, ACCESS_ACTIONS[r.action], whose))
    return found
