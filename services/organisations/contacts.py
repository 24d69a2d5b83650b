"""The contact an organisation shows (issue 36.2): its name and phone on the team's poster, in the
社区服务 reply and on the team's pages. The organisation's admin edits its own; the superior designates
a sub-organisation's (seed 000: 由各街道团（工）委确定社区（村）志愿服务工作负责人). The organisation and its
own team show the same contact; posters are drawn from it whenever they are asked for, so the next
poster carries the new one."""
from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Organization, Team
from services.kernel.errors import Invalid
from services.kernel.uow import audit, unit_of_work
from services.organisations.orgs import require_within

# A mobile or an office line as people write them: 13912345678, 010-65257713, 010 6525 7713 转 8.
_PHONE = re.compile(r"^[0-9][0-9 \-]{6,18}[0-9](?:\s*(?:转|-)\s*[0-9]{1,6})?$")


def checked(name: str | None, phone: str | None) -> tuple[str, str]:
    name, phone = (name or "").strip(), (phone or "").strip()
    if not 2 <= len(name) <= 50:
        raise Invalid("contact_name", "请填写联系人姓名")
    if not _PHONE.match(phone):
        raise Invalid("contact_phone", "请填写联系电话（手机号或座机号，如 010-65257713）")
    return name, phone


def set_contact(session: Session, actor_org_id: int, org_id: int, name: str | None, phone: str | None) -> Organization:
    """``actor_org_id``: the organisation itself (its admin) or any superior."""
    name, phone = checked(name, phone)
    with unit_of_work(session):
        org = require_within(session, org_id, actor_org_id)
        before = (org.contact_name, org.contact_phone)
        org.contact_name, org.contact_phone = name, phone
        for team in session.scalars(sa.select(Team).where(Team.org_id == org.id)):
            team.contact_name, team.contact_phone = name, phone
        audit(session, ("org", actor_org_id), "org.contact", ("org", org.id),
              designated=actor_org_id != org.id, changed=before != (name, phone))
        return org
