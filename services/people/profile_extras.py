"""What a member adds to their profile beyond the real-name form: 个人特长 (seed 000: 确认选择要报到的居住地
社区（村）青年志愿者服务队及个人特长信息), chosen when joining a team and shown to that team's coordinators,
and their own 志愿北京 account (seed 001: 实名注册并绑定志愿北京系统), its password stored encrypted and
never shown again, not even to the member."""
from __future__ import annotations

import re

from sqlalchemy.orm import Session

from models import Member, utcnow
from services.kernel.errors import Invalid
from services.kernel.uow import audit, unit_of_work
from services.people.members import get_member

SKILLS = {"teaching": "教育辅导", "medical": "医疗救护", "law": "法律咨询", "it": "电脑网络", "art": "文艺表演",
          "sports": "体育健身", "language": "外语翻译", "photo": "摄影摄像", "writing": "文字宣传",
          "driving": "驾驶", "elderly": "助老服务", "environment": "环境保护"}
NOTE_MAX = 100
_ZYB_USERNAME = re.compile(r"^[A-Za-z0-9_@.\-]{3,40}$")


def set_skills(session: Session, member_id: int, skills: list[str], note: str | None) -> Member:
    unknown = [s for s in skills if s not in SKILLS]
    if unknown:
        raise Invalid("skills", "请从列表中选择个人特长")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise Invalid("skills_note", f"其他特长不超过{NOTE_MAX}字")
    with unit_of_work(session):
        member = get_member(session, member_id)
        member.skills = [s for s in SKILLS if s in set(skills)]  # the list's order, no repeats
        member.skills_note = note or None
        audit(session, ("member", member.id), "member.skills", ("member", member.id))
        return member


def skills_text(member: Member) -> str:
    """For coordinators: "医疗救护、摄影摄像；另：手语"."""
    listed = "、".join(SKILLS[s] for s in (member.skills or []) if s in SKILLS)
    note = f"另：{member.skills_note}" if member.skills_note else ""
    return "；".join(part for part in (listed, note) if part) or "未填写"


def bind_zyb(session: Session, member_id: int, username: str | None, password: str | None) -> Member:
    """Bind (or, both empty, unbind) the member's 志愿北京 account."""
    from runtime.extensions import protector

    username = (username or "").strip()
    with unit_of_work(session):
        member = get_member(session, member_id)
        if not username and not password:
            member.zyb_username = member.zyb_password_enc = member.zyb_bound_at = None
            audit(session, ("member", member.id), "member.zyb_unbind", ("member", member.id))
            return member
        if not _ZYB_USERNAME.match(username):
            raise Invalid("zyb_username", "请填写志愿北京的登录账号（3至40位字母、数字或符号 _ @ . -）")
        if not password or not 6 <= len(password) <= 64:
            raise Invalid("zyb_password", "请填写志愿北京的登录密码（6至64位）")
        member.zyb_username, member.zyb_password_enc = username, protector.encrypt(password)
        member.zyb_bound_at = utcnow()
        audit(session, ("member", member.id), "member.zyb_bind", ("member", member.id))
        return member
