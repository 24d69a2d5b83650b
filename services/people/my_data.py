"""The person's rights over their data (PIPL arts. 44–47): see and download everything held about them,
correct what is theirs to correct, and close the account (注销).

The export is built from the schema, not from a list kept by hand: every table with a ``member_id`` or
an ``openid`` column is read for the member, so a table added later is exported without anyone
remembering to (a test compares the export with the models). Secrets and lookup hashes are left out;
encrypted personal data is decrypted, since the reader is the person.

Closing erases or irreversibly anonymises the personal data and keeps the member's row and approved
service records, unidentifiable, so the organisations' counts and hours stay as they were: the name,
ID number, phone, league and student numbers, WeChat identities, skills, 志愿北京 account and
positions go; the birth date is cut to the month (league age for the statistics), the branch stays.
"""
from __future__ import annotations

import datetime as dt
import enum
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import (
    AuditEntry,
    AuthSession,
    Base,
    IdentityAppeal,
    Member,
    Reminder,
    ReminderOptOut,
    ServiceRecord,
    WechatFollower,
    utcnow,
)
from runtime.extensions import protector
from services.kernel.errors import Invalid
from services.kernel.uow import audit, unit_of_work
from services.people import consent, sms
from services.people.members import EDUCATION_LEVELS, get_member

LEFT_OUT = {"password_hash", "id_number_hash", "phone_hash", "token_hash", "session_key_enc", "zyb_password_enc"}
DECRYPTED = {"id_number_enc": "id_number", "phone_enc": "phone"}
CLOSED_NAME = "已注销"


def _value(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes):
        return f"<{len(value)} 字节的图片，未导出>"
    return value


def _clean(row: dict) -> dict:
    out = {}
    for name, value in row.items():
        if name in LEFT_OUT:
            continue
        if name in DECRYPTED:
            out[DECRYPTED[name]] = protector.decrypt(value) if value else None
        else:
            out[name] = _value(value)
    return out


#: What the download's keys mean, in the download itself and on the readable page: the JSON keeps the
#: schema's names (a program can read it), the person reads these.
TABLE_LABELS = {
    "team_memberships": "服务队报到", "enrolments": "项目报名", "service_records": "志愿服务记录",
    "correction_requests": "时长更正申请", "certificates": "志愿服务证明", "branch_applications": "团支部加入与转接申请",
    "league_reviews": "团员评议结果", "identity_appeals": "身份认证申请", "consents": "个人信息处理同意记录",
    "subscriptions": "订阅通知授权", "push_deliveries": "收到的项目推送", "reminders": "收到的提醒",
    "reminder_optouts": "已关闭的提醒", "wechat_followers": "微信关注记录",
    "auth_sessions": "小程序登录记录", "audit_log": "与你有关的操作记录",
}
FIELD_LABELS = {
    "id": "编号", "name": "姓名", "id_number": "身份证号", "phone": "手机号", "birth_date": "出生日期", "sex": "性别",
    "joined_league_on": "入团年月", "league_number": "团员编号", "student_number": "学号", "ethnicity": "民族",
    "education": "学历", "branch_id": "所在团支部编号", "cadre_claimed": "自报团干部", "cadre_confirmed_at": "团干部确认时间",
    "cadre_confirmed_by": "确认团干部的组织编号", "is_volunteer": "注册志愿者", "volunteer_registered_at": "注册志愿者时间",
    "activist_since": "入团积极分子起始时间", "skills": "个人特长", "skills_note": "其他特长", "zyb_username": "志愿北京账号",
    "zyb_bound_at": "绑定志愿北京时间", "closed_at": "注销时间", "openid": "微信公众号标识", "unionid": "微信开放平台标识",
    "created_at": "注册时间", "preregistered_at": "团支部登记时间", "claimed_at": "本人认领时间",
    "residence_org_id": "居住地（区或街道的组织编号）", "lives_in_beijing": "在北京居住", "native_place": "籍贯",
    "service_areas": "愿意参加的服务领域", "leaving_at": "毕业转出办理时间", "leaving_to": "毕业转出去向", "leaving_by_org_id": "办理转出的组织编号",
}


def glossary() -> dict:
    return {"member": {key: FIELD_LABELS.get(key, key) for key in Member.__table__.c.keys()
                       if key not in LEFT_OUT and key not in DECRYPTED} | {"id_number": "身份证号", "phone": "手机号"},
            "tables": {name: TABLE_LABELS.get(name, name) for name in [t.name for t in member_tables()] + ["audit_log"]}}


def summary(session: Session, member_id: int) -> list[tuple[str, int]]:
    """How many entries each kind of data holds about the member, for the readable page."""
    member = get_member(session, member_id)
    counts = []
    for table in member_tables():
        which = [table.c.member_id == member.id] if "member_id" in table.c else []
        if "openid" in table.c and member.openid:
            which.append(table.c.openid == member.openid)
        n = session.scalar(sa.select(sa.func.count()).select_from(table).where(sa.or_(*which))) if which else 0
        counts.append((TABLE_LABELS.get(table.name, table.name), n or 0))
    counts.append((TABLE_LABELS["audit_log"], session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(sa.or_(
        sa.and_(AuditEntry.actor_kind == "member", AuditEntry.actor_id == member.id),
        sa.and_(AuditEntry.target_kind == "member", AuditEntry.target_id == member.id)))) or 0))
    order = list(TABLE_LABELS.values())
    return sorted(counts, key=lambda entry: order.index(entry[0]) if entry[0] in order else len(order))


def member_tables() -> list[sa.Table]:
    """The tables that hold a member's data: a ``member_id`` or an ``openid`` column."""
    return [t for t in Base.metadata.sorted_tables if t.name != "members" and ("member_id" in t.c or "openid" in t.c)]


def export(session: Session, member_id: int) -> dict:
    member = get_member(session, member_id)
    own = session.execute(sa.select(Member.__table__).where(Member.id == member.id)).mappings().one()
    tables = {}
    for table in member_tables():
        which = []
        if "member_id" in table.c:
            which.append(table.c.member_id == member.id)
        if "openid" in table.c and member.openid:
            which.append(table.c.openid == member.openid)
        rows = session.execute(sa.select(table).where(sa.or_(*which))).mappings().all() if which else []
        tables[table.name] = [_clean(dict(row)) for row in rows]
    trail = session.execute(sa.select(AuditEntry.__table__).where(sa.or_(
        sa.and_(AuditEntry.actor_kind == "member", AuditEntry.actor_id == member.id),
        sa.and_(AuditEntry.target_kind == "member", AuditEntry.target_id == member.id)))
        .order_by(AuditEntry.id)).mappings().all()
    tables[AuditEntry.__tablename__] = [_clean(dict(row)) for row in trail]
    audit(session, ("member", member.id), "member.export", ("member", member.id))
    session.commit()
    return {"exported_at": utcnow().isoformat(), "privacy_notice_version": consent.VERSION,
            "member": _clean(dict(own)), "tables": tables,
            "说明": {"用途": "你在青春志愿平台保存的全部个人信息；键名为系统字段名，含义如下", **glossary()}}


CORRECTABLE = ("ethnicity", "education", "student_number")


def correct(session: Session, member_id: int, changes: dict) -> Member:
    """What is the member's own to correct (the name and ID number go through 身份认证)."""
    unknown = set(changes) - set(CORRECTABLE)
    if unknown:
        raise Invalid("not_correctable", "只能更正民族、学历和学号；姓名、身份证号请通过身份认证更正")
    with unit_of_work(session):
        member = get_member(session, member_id)
        if "ethnicity" in changes:
            ethnicity = (changes["ethnicity"] or "").strip()
            if not 1 <= len(ethnicity) <= 20:
                raise Invalid("ethnicity", "请填写民族")
            member.ethnicity = ethnicity
        if "education" in changes:
            if changes["education"] not in EDUCATION_LEVELS:
                raise Invalid("education", "请选择学历：" + "、".join(EDUCATION_LEVELS))
            member.education = changes["education"]
        if "student_number" in changes:
            number = (changes["student_number"] or "").strip()
            if len(number) > 30:
                raise Invalid("student_number", "学号不超过30位")
            member.student_number = number or None
        audit(session, ("member", member.id), "member.correct", ("member", member.id), fields=sorted(changes))
        return member


def send_close_code(session: Session, member_id: int) -> int:
    member = get_member(session, member_id)
    return sms.send_code(protector.decrypt(member.phone_enc), "close")


def close(session: Session, member_id: int, code: str) -> Member:
    """注销 after re-confirming with an SMS code to the member's phone."""
    from services.people.appeals import forget_photo

    member = get_member(session, member_id)
    phone = protector.decrypt(member.phone_enc)
    sms.take_code(phone, code, "close")
    with unit_of_work(session):
        member = session.get(Member, member_id, with_for_update=True)
        openid, unionid = member.openid, member.unionid
        gone = secrets.token_hex(16)
        member.name, member.id_number_enc, member.phone_enc = CLOSED_NAME, protector.encrypt(""), protector.encrypt("")
        member.id_number_hash, member.phone_hash = f"closed:{gone}", f"closed:{gone}"
        member.password_hash = "!closed"
        member.birth_date = member.birth_date.replace(day=1)
        member.league_number = member.student_number = member.openid = member.unionid = None
        member.skills = member.skills_note = None
        member.zyb_username = member.zyb_password_enc = member.zyb_bound_at = None
        member.ethnicity = "—"
        member.closed_at = utcnow()
        _end_every_session(session, member.id, openid, unionid)
        if openid:
            session.execute(sa.delete(WechatFollower).where(WechatFollower.openid == openid))
            for appeal in session.scalars(sa.select(IdentityAppeal).where(IdentityAppeal.openid == openid)):
                forget_photo(appeal)
                appeal.name, appeal.phone_enc, appeal.openid = CLOSED_NAME, protector.encrypt(""), None
                appeal.phone_hash = appeal.id_number_hash = f"closed:{secrets.token_hex(8)}"
        # reminders: pending ones are skipped when their turn comes (no openid); the rows keep none
        session.execute(sa.update(Reminder).where(Reminder.member_id == member.id).values(openid=None))
        session.execute(sa.delete(ReminderOptOut).where(ReminderOptOut.member_id == member.id))
        session.execute(sa.update(ServiceRecord).where(ServiceRecord.member_id == member.id).values(
            signin_lat=None, signin_lng=None, signin_accuracy_m=None, signout_lat=None, signout_lng=None,
            signout_accuracy_m=None).execution_options(synchronize_session=False))
        audit(session, ("member", member.id), "member.close", ("member", member.id), had_unionid=bool(unionid))
    return member


def _end_every_session(session: Session, member_id: int, openid: str | None, unionid: str | None) -> None:
    """Every login of the person goes with the account: the member's, and any other of their WeChat
    identities (the mini-program's own openid, a session opened before they registered) found by the
    openids and unionids the member's sessions carried, with their encrypted session_key."""
    known = session.execute(sa.select(AuthSession.openid, AuthSession.unionid).where(
        AuthSession.member_id == member_id)).all()
    openids = {o for o in [openid, *(row.openid for row in known)] if o}
    unionids = {u for u in [unionid, *(row.unionid for row in known)] if u}
    session.execute(sa.delete(AuthSession).where(sa.or_(
        AuthSession.member_id == member_id, AuthSession.openid.in_(openids), AuthSession.unionid.in_(unionids))))


def forget_old_positions(session: Session, *, older_than_days: int) -> int:
    """Retention: a decided record's coordinates go ``older_than_days`` after the decision (they were
    needed to judge the sign-in; the distance to the site, which says that, stays)."""
    cutoff = utcnow() - dt.timedelta(days=older_than_days)
    with unit_of_work(session):
        return session.execute(sa.update(ServiceRecord).where(
            ServiceRecord.decided_at < cutoff,
            sa.or_(ServiceRecord.signin_lat.is_not(None), ServiceRecord.signout_lat.is_not(None))).values(
            signin_lat=None, signin_lng=None, signin_accuracy_m=None, signout_lat=None, signout_lng=None,
            signout_accuracy_m=None).execution_options(synchronize_session=False)).rowcount
