"""The privacy notice (个人信息保护说明) and the consents to it.

PIPL (个人信息保护法) arts. 14, 17, 29, 31: processing needs informed consent to a notice saying who
processes what, why, how long and how to exercise one's rights; sensitive personal information (the
resident ID number, a precise position, the data of minors) needs a separate consent; a person under
14 needs a guardian's consent (members are 14 or older here, so 14–17 are told to read the notice with
a guardian). Each consent is recorded with the notice's version; a new version asks again.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Consent, ConsentKind, Member, utcnow
from services.kernel.beijing_time import beijing_today
from services.kernel.errors import Invalid
from services.kernel.uow import audit, unit_of_work
from services.people.idcard import age_on

VERSION = "2026-12-06"
ADULT_AGE = 18
CONTROLLER = "共青团北京市委员会（“青春志愿”平台）"
CONTACT = "个人信息保护联系人：团市委志愿者工作部，电话 010-12355（工作日 9:00–17:00）"

SECTIONS = (
    ("谁在处理你的个人信息", f"{CONTROLLER}为个人信息处理者。你的团组织（团支部、服务队所属团组织及其上级团委）"
                         "在各自职责范围内查看你的信息，看到的身份证号、手机号均已隐去部分数字。"
                         "只有你报到的服务队、或你报名项目所属服务队的负责人，为组织服务可以查看你的完整手机号，"
                         "每次查看都会留下记录。"),
    ("处理哪些信息、为什么", "姓名、身份证号（核实实名、计算团龄）、手机号（登录、验证码）、性别与出生日期（由身份证号得出）、"
                        "民族、学历、入团年月、团员编号、学号、所在团支部，用于团员管理和注册志愿者统计；"
                        "报到的服务队、报名的项目、签到签退的时间和位置，用于认定志愿服务时长；"
                        "个人特长与志愿北京账号（你选择填写时），用于安排服务和对接志愿北京。"),
    ("敏感个人信息", "身份证号、签到签退时的精确位置、身份认证时上传的身份证照片，以及未满18周岁团员的信息，"
                  "属于敏感个人信息，需要你单独同意。位置仅在签到、签退时记录，用于判断是否在服务地点；"
                  "公众号上报的位置只短暂保留，不写入数据库。"),
    ("保存多久", "账号存续期间保存；签到签退的位置在记录审核后保存180天后删除，只保留距离；"
              "身份证照片在审核后30天删除；短信验证码10分钟失效；登录会话到期后删除。"
              "注销账号后，你的个人信息即被删除或匿名化，已认证的服务记录以匿名形式保留在组织统计中。"),
    ("你的权利", "你可以随时查阅、下载你的全部个人信息（“我的数据”），更正学历、民族、学号等信息，"
              "撤回同意并注销账号（需短信验证）。身份证号被他人冒用时可申请身份认证。"),
    ("联系我们", CONTACT),
)
MINOR_NOTICE = "你未满18周岁，请与父母或其他监护人一起阅读本说明，并在征得其同意后继续使用。"


def is_minor(member_or_birth, today=None) -> bool:
    birth = getattr(member_or_birth, "birth_date", member_or_birth)
    return age_on(birth, today or beijing_today()) < ADULT_AGE


def require(notice: bool, sensitive: bool) -> None:
    """At registration: both consents, or a clear refusal naming the missing one."""
    if not notice:
        raise Invalid("consent_required", "请阅读并同意《个人信息保护说明》")
    if not sensitive:
        raise Invalid("sensitive_consent_required", "请单独同意处理你的身份证号、签到位置等敏感个人信息")


def record(session: Session, member_id: int) -> None:
    """Both consents at the current version (inside the caller's transaction or its own)."""
    now = utcnow()
    session.add_all(Consent(member_id=member_id, version=VERSION, kind=kind, given_at=now) for kind in ConsentKind)


def agreed(member_id: sa.ColumnElement[int] | int) -> sa.ColumnElement[bool]:
    """Whether the member gave every consent at the current version, as a column: the login read asks
    it in the same round trip as the session on every call (the rule lives here, once)."""
    given = (sa.select(sa.func.count(sa.distinct(Consent.kind)))
             .where(Consent.member_id == member_id, Consent.version == VERSION).scalar_subquery())
    return given == len(ConsentKind)


def is_current(session: Session, member_id: int) -> bool:
    return bool(session.scalar(sa.select(agreed(member_id))))


def accept(session: Session, member: Member, *, notice: bool, sensitive: bool) -> None:
    """A returning member agrees to a new version."""
    require(notice, sensitive)
    with unit_of_work(session):
        if not is_current(session, member.id):
            record(session, member.id)
            audit(session, ("member", member.id), "consent.accept", ("member", member.id), version=VERSION)


def notice_answer(member: Member | None = None) -> dict:
    return {"version": VERSION, "controller": CONTROLLER, "contact": CONTACT,
            "sections": [{"title": title, "text": text} for title, text in SECTIONS],
            "minor_notice": MINOR_NOTICE,
            "is_minor": bool(member is not None and is_minor(member))}
