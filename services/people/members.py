"""Member registration (实名注册), volunteer registration, cadre confirmation and identity appeals.

Rules from DESIGN.md and seed 002: GB 11643 ID with birth date and sex derived; one account per ID
number and per phone (a taken phone → reset the password, a taken ID → identity appeal);
团员编号 by join year; volunteers are 14 or older; league age from 14 until the 28th birthday, an over-age self-declared
cadre stays 超龄 until an organisation confirms the cadre.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import BranchApplication, Member, OrgKind, Sex, utcnow
from runtime.extensions import protector, store
from runtime.privacy import mask_id_number, mask_phone
from services.kernel.beijing_time import beijing_today
from services.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from services.kernel.passwords import check_password, hash_password, validate_password
from services.kernel.uow import audit, unit_of_work
from services.organisations import orgs
from services.people import consent, league_numbers
from services.people.idcard import IdNumberError, age_on, parse_id_number
from services.people.league_numbers import LEAGUE_MIN_AGE

logger = logging.getLogger(__name__)

LEAGUE_END_AGE, VOLUNTEER_MIN_AGE = 28, 14  # league age, from LEAGUE_MIN_AGE, ends on the 28th birthday
EDUCATION_LEVELS = ("初中", "高中", "中专", "大专", "本科", "硕士研究生", "博士研究生", "其他")
_PHONE = re.compile(r"^1[3-9]\d{9}$")
_NAME = re.compile(r"^[\u4e00-\u9fa5A-Za-z·•]{2,30}$")


@dataclass
class Registration:
    """The real-name form; plain data so that every surface (API, H5, console) fills the same thing."""

    name: str
    id_number: str
    phone: str
    password: str
    joined_league: str  # "YYYY-MM"
    ethnicity: str
    education: str
    league_number: str | None = None
    student_number: str | None = None
    branch_id: int | None = None
    cadre: bool = False
    volunteer: bool = False
    consent_notice: bool = False      # 同意《个人信息保护说明》
    consent_sensitive: bool = False   # 单独同意处理敏感个人信息


def normalise_phone(phone: str | None) -> str:
    phone = re.sub(r"[\s-]", "", phone or "")
    if phone.startswith("+86"):
        phone = phone[3:]
    if not _PHONE.match(phone):
        raise Invalid("phone", "请输入11位手机号码")
    return phone


def _unique_checks(session: Session, id_hash: str, phone_hash: str) -> None:
    waiting = session.scalar(sa.select(Member.id).where(
        sa.or_(Member.phone_hash == phone_hash, Member.id_number_hash == id_hash),
        Member.preregistered_at.is_not(None), Member.claimed_at.is_(None)))
    if waiting:  # the branch entered this person: they take that account, they do not register again
        raise Conflict("preregistered", "你的团支部已为你登记了账号，无需注册：请用登记的手机号“认领账号”")
    if session.scalar(sa.select(Member.id).where(Member.phone_hash == phone_hash)):
        raise Conflict("phone_taken", "该手机号已经注册，请点击“忘记密码”通过手机号重置密码")
    if session.scalar(sa.select(Member.id).where(Member.id_number_hash == id_hash)):
        raise Conflict("id_taken", "该身份证号已存在，请使用“身份认证”功能上传本人身份证照片，待管理员审核通过后完成注册")


@dataclass(frozen=True)
class CheckedForm:
    """A registration form that passed every check not needing the database."""

    name: str
    id_number: str
    birth_date: dt.date
    male: bool
    phone: str
    password_hash: str
    joined: dt.date
    ethnicity: str
    league_number: str


def check_registration(form: Registration, *, today: dt.date | None = None,
                       password_hash: str | None = None) -> CheckedForm:
    """Every refusal the form alone can earn, before the SMS code is spent and before the database is
    asked whether the ID number or phone is taken (so those answers never depend on the rest of the form).
    Raises the first; ``form_problems`` gives them all.

    ``password_hash`` lets the demo seed reuse one hash for hundreds of accounts; surfaces never pass it.
    """
    return _check_form(form, today or beijing_today(), None, password_hash)


def form_problems(form: Registration, *, today: dt.date | None = None) -> dict[str, str]:
    """The same checks, each refusal under the field it is about, all at once: the phone's form shows
    every mistake beside its field instead of one at a time at the top (issue 37.2)."""
    problems: dict[str, str] = {}
    _check_form(form, today or beijing_today(), problems, None)
    return problems


def _id_info(number: str | None, today: dt.date):
    try:
        return parse_id_number(number, today)
    except IdNumberError as exc:
        raise Invalid("id_number", str(exc)) from exc


def _check_form(form: Registration, today: dt.date, problems: dict[str, str] | None,
                password_hash: str | None) -> CheckedForm | None:
    def step(field: str, check):
        if problems is None:
            return check()
        try:
            return check()
        except Invalid as exc:
            problems.setdefault(field, exc.message)
            return None

    def named() -> str:
        name = (form.name or "").strip()
        if not name:
            raise Invalid("name", "请填写姓名")
        if not _NAME.match(name):
            raise Invalid("name", "请填写真实姓名（2至30个汉字或字母）")
        return name

    def old_enough() -> None:
        if age_on(info.birth_date, today) < LEAGUE_MIN_AGE:
            raise Invalid("too_young", "团员须年满14周岁")

    def ethnic() -> str:
        ethnicity = (form.ethnicity or "").strip()
        if not 1 <= len(ethnicity) <= 20:
            raise Invalid("ethnicity", "请填写民族")
        return ethnicity

    def educated() -> None:
        if form.education not in EDUCATION_LEVELS:
            raise Invalid("education", "请选择学历：" + "、".join(EDUCATION_LEVELS))

    step("consent", lambda: consent.require(form.consent_notice, form.consent_sensitive))
    name = step("name", named)
    info = step("id_number", lambda: _id_info(form.id_number, today))
    phone = step("phone", lambda: normalise_phone(form.phone))
    if problems is None:
        secret = password_hash or hash_password(form.password)
    else:  # only looked at: the hash is the slow part, and nothing is stored
        secret = step("password", lambda: validate_password(form.password))
    if info is not None:
        step("id_number", old_enough)
    joined = step("joined_league", lambda: league_numbers.joined_month(form.joined_league, info.birth_date, today)) \
        if info is not None else None
    ethnicity = step("ethnicity", ethnic)
    step("education", educated)
    number = step("league_number", lambda: league_numbers.league_number_for(joined, form.league_number,
                                                                            form.student_number)) \
        if joined is not None else None
    if problems is not None:
        return None
    return CheckedForm(name, info.number, info.birth_date, info.male, phone, secret, joined, ethnicity, number)


def register_member(session: Session, form: Registration, *, today: dt.date | None = None,
                    password_hash: str | None = None, checked: CheckedForm | None = None) -> Member:
    """Create the account; with ``branch_id`` a pending join application goes to that branch."""
    c = checked or check_registration(form, today=today, password_hash=password_hash)
    id_hash, phone_hash = protector.lookup_hash("id", c.id_number), protector.lookup_hash("phone", c.phone)
    try:
        with unit_of_work(session):
            # The ID number last: whether it is registered must not depend on the rest of the form.
            branch = orgs.get_org(session, form.branch_id) if form.branch_id else None
            if branch is not None and branch.kind != OrgKind.branch:
                raise Invalid("branch", "请选择团支部")
            number = league_numbers.untaken(session, c.league_number, c.joined)
            _unique_checks(session, id_hash, phone_hash)
            now = utcnow()
            member = Member(
                name=c.name, id_number_enc=protector.encrypt(c.id_number), id_number_hash=id_hash,
                phone_enc=protector.encrypt(c.phone), phone_hash=phone_hash, password_hash=c.password_hash,
                birth_date=c.birth_date, sex=Sex.male if c.male else Sex.female, joined_league_on=c.joined,
                league_number=number, student_number=(form.student_number or None), ethnicity=c.ethnicity,
                education=form.education, cadre_claimed=bool(form.cadre))
            if form.volunteer:
                member.is_volunteer, member.volunteer_registered_at = True, now
            session.add(member)
            session.flush()
            if branch is not None:
                session.add(BranchApplication(member_id=member.id, branch_id=branch.id))
            consent.record(session, member.id)
            audit(session, ("member", member.id), "member.register", ("member", member.id))
            return member
    except IntegrityError as exc:
        # Two registrations with the same phone or ID raced; answer as if the first had finished.
        _unique_checks(session, id_hash, phone_hash)
        raise Conflict("register_conflict", "注册信息与已有账号冲突，请稍后重试") from exc


def get_member(session: Session, member_id: int) -> Member:
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound("member_not_found", "团员不存在")
    return member


def names(session: Session, member_ids) -> dict[int, str]:
    return dict(session.execute(sa.select(Member.id, Member.name).where(Member.id.in_(set(member_ids)))).all())


def told_by_wechat(member: Member) -> str:
    """What a coordinator's confirmation may say about the member being told: only a member with a bound,
    open account gets the WeChat message; nobody is said to be told who cannot be."""
    if member.closed_at is None and member.openid:
        return "已通过微信通知本人"
    return "本人未绑定微信，未发通知（本人可在手机页面看到结果）"


def find_by_phone(session: Session, phone: str) -> Member | None:
    digest = protector.lookup_hash("phone", normalise_phone(phone))
    return session.scalar(sa.select(Member).where(Member.phone_hash == digest))


def register_volunteer(session: Session, member_id: int, *, today: dt.date | None = None) -> Member:
    """“注册成为志愿者”: a flag with its date; 14 or older. Ticking it again changes nothing."""
    with unit_of_work(session):
        member = get_member(session, member_id)
        if age_on(member.birth_date, today or beijing_today()) < VOLUNTEER_MIN_AGE:
            raise Invalid("too_young", "注册志愿者须年满14周岁")
        if not member.is_volunteer:
            member.is_volunteer, member.volunteer_registered_at = True, utcnow()
            audit(session, ("member", member.id), "member.volunteer", ("member", member.id))
        return member


def _require_manager(session: Session, member: Member, actor_org_id: int) -> None:
    if member.branch_id is None or not orgs.is_within(session, member.branch_id, actor_org_id):
        raise Forbidden("not_your_member", "只能管理本组织及下级组织的团员")


def confirm_cadre(session: Session, actor_org_id: int, member_id: int) -> Member:
    """A cadre claim counts only once an organisation account above the member confirms it."""
    with unit_of_work(session):
        member = get_member(session, member_id)
        _require_manager(session, member, actor_org_id)
        if not member.cadre_claimed:
            raise Invalid("not_cadre", "该团员未申报团干部身份")
        if member.cadre_confirmed_at is None:
            member.cadre_confirmed_at, member.cadre_confirmed_by = utcnow(), actor_org_id
            audit(session, ("org", actor_org_id), "member.confirm_cadre", ("member", member.id))
        return member


def league_status(member: Member, today: dt.date | None = None) -> str:
    """"member", or "over_age" (超龄: counted apart from the rates) from the 28th birthday on (年满28周岁,
    the Beijing date) unless an organisation confirmed them as a cadre."""
    over = age_on(member.birth_date, today or beijing_today()) >= LEAGUE_END_AGE
    return "over_age" if over and member.cadre_confirmed_at is None else "member"


def profile(member: Member, *, viewer_is_owner: bool) -> dict:
    """What may be shown: clear personal data to the person only, masked to everybody else. Others see
    the age, never the birth date: the masked ID hides exactly the birth date, so showing it beside the
    mask would give the whole number back."""
    id_number, phone = protector.decrypt(member.id_number_enc), protector.decrypt(member.phone_enc)
    if viewer_is_owner:
        person = {"id_number": id_number, "phone": phone, "birth_date": member.birth_date.isoformat()}
    else:
        person = {"id_number": mask_id_number(id_number), "phone": mask_phone(phone),
                  "age": age_on(member.birth_date, beijing_today())}
    return {
        "name": member.name,
        **person,
        "sex": member.sex.value,
        "joined_league": f"{member.joined_league_on:%Y-%m}",
        "league_number": member.league_number,
        "ethnicity": member.ethnicity,
        "education": member.education,
        "branch": member.branch.name if member.branch else None,
        "is_volunteer": member.is_volunteer,
        "cadre": "confirmed" if member.cadre_confirmed_at else ("claimed" if member.cadre_claimed else "no"),
        "league_status": league_status(member),
    }


LOGIN_FAILURES_ALLOWED = 5
LOGIN_LOCK_SECONDS = 15 * 60


def authenticate(session: Session, phone: str, password: str) -> Member:
    """Phone + password. Five failures for one phone lock it for 15 minutes (shared store), so a
    password cannot be guessed by trying; the answer never says whether the phone exists.

    Each check first takes a numbered try with one atomic INCR: read-then-increment let 30 parallel
    guesses through 11 checks; now the sixth and later are refused before any password is compared."""
    phone = normalise_phone(phone)
    key = "login-fail:" + protector.lookup_hash("phone", phone)
    if store.incr(key, ttl=LOGIN_LOCK_SECONDS) > LOGIN_FAILURES_ALLOWED:
        raise Forbidden("login_locked", "密码错误次数过多，请15分钟后再试")
    member = find_by_phone(session, phone)
    if member is None or not check_password(member.password_hash, password):
        raise Invalid("login_failed", "手机号或密码错误")
    store.delete(key)
    return member


def attach_unionid(session: Session, member_id: int, unionid: str | None) -> Member:
    """Remember the WeChat unionid the member registered from, so the official account and the
    mini-program recognise the same person. A unionid already on another account is refused."""
    with unit_of_work(session):
        member = session.get(Member, member_id)
        if member is None:
            raise NotFound("member_not_found", "账号不存在")
        if not unionid or member.unionid == unionid:
            return member
        if session.scalar(sa.select(Member.id).where(Member.unionid == unionid, Member.id != member_id)):
            raise Conflict("wechat_taken", "该微信已绑定其他账号")
        member.unionid = unionid
        audit(session, ("member", member_id), "wechat.unionid", ("member", member_id))
        return member
