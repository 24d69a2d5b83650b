"""Members entered by their organisation (issue 36.6; seeds 000–002's 共青云 accounts): a branch imports
its members from the league system's Excel export (姓名, 身份证号, 手机号, 团员编号, 入团时间). Each row
becomes a member of the branch without a password; the person claims the account on first WeChat login
with an SMS code to that phone (``claim``), so they never register twice nor meet the ID conflict that
sends people to the identity appeal. ``plan`` checks every row first and writes nothing; ``apply``
writes the rows in one transaction; importing the same file again adds nobody."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Member, OrgKind, Sex, utcnow
from runtime.extensions import protector
from services.kernel.beijing_time import beijing_today
from services.kernel.errors import Invalid, NotFound
from services.kernel.passwords import hash_password, validate_password
from services.kernel.tables import read_table
from services.kernel.uow import audit, unit_of_work
from services.organisations.orgs import get_org
from services.people import consent, league_numbers, sms, wechat_users
from services.people.idcard import IdNumberError, age_on, parse_id_number
from services.people.members import _NAME, EDUCATION_LEVELS, LEAGUE_MIN_AGE, normalise_phone

HEADERS = {"姓名": "name", "身份证号": "id_number", "手机号": "phone", "团员编号": "league_number",
           "入团时间": "joined"}
MAX_ROWS = 2000
UNCLAIMED = "!unclaimed"        # no password can match it: the account is waiting for its person
NOT_GIVEN = "未填写"             # 民族 and 学历 are not in the league system's export; asked at the claim


@dataclass
class Row:
    number: int
    name: str
    problems: list[str] = field(default_factory=list)
    action: str = "new"          # new, existing (already this branch's member)
    values: dict = field(default_factory=dict)


def read_rows(data: bytes, filename: str) -> list[dict]:
    return read_table(data, filename, HEADERS, ["姓名", "身份证号", "手机号"], max_rows=MAX_ROWS)


def _month(value: str) -> str:
    """"2019-05", "2019-05-01", "2019/5", "2019.05", "201905" → "2019-05"."""
    digits = [part for part in value.replace("/", "-").replace(".", "-").replace("年", "-").replace("月", "")
              .split("-") if part]
    if len(digits) == 1 and len(digits[0]) >= 6:
        digits = [digits[0][:4], digits[0][4:6]]
    return f"{digits[0]}-{int(digits[1]):02d}" if len(digits) >= 2 and digits[1].isdigit() else value


def plan(session: Session, branch_id: int, records: list[dict], *, today: dt.date | None = None) -> list[Row]:
    branch = get_org(session, branch_id)
    if branch.kind != OrgKind.branch:
        raise Invalid("not_branch", "只有团支部可以导入本支部团员")
    today = today or beijing_today()
    rows, seen_ids, seen_phones = [], {}, {}
    for number, record in enumerate(records, start=2):
        row = Row(number, (record.get("name") or "").strip())
        rows.append(row)
        if not _NAME.match(row.name):
            row.problems.append("姓名应为2至30个汉字或字母")
        try:
            info = parse_id_number(record.get("id_number"), today)
        except IdNumberError as exc:
            row.problems.append(str(exc))
            info = None
        try:
            phone = normalise_phone(record.get("phone"))
        except Invalid as err:
            row.problems.append(err.message)
            phone = None
        joined = None
        if info is not None:
            if age_on(info.birth_date, today) < LEAGUE_MIN_AGE:
                row.problems.append("团员须年满14周岁")
            written = (record.get("joined") or "").strip()
            if written:
                try:
                    joined = league_numbers.joined_month(_month(written), info.birth_date, today)
                except Invalid as err:
                    row.problems.append(err.message)
            else:
                row.problems.append("请填写入团时间")
        number_given = (record.get("league_number") or "").strip() or None
        if number_given and not number_given.isdigit():
            row.problems.append("团员编号应为数字")
        if info is None or phone is None:
            continue
        if info.number in seen_ids:
            row.problems.append(f"与第 {seen_ids[info.number]} 行身份证号重复")
        if phone in seen_phones:
            row.problems.append(f"与第 {seen_phones[phone]} 行手机号重复")
        seen_ids.setdefault(info.number, number)
        seen_phones.setdefault(phone, number)
        id_hash, phone_hash = protector.lookup_hash("id", info.number), protector.lookup_hash("phone", phone)
        holder = session.scalar(sa.select(Member).where(Member.id_number_hash == id_hash))
        if holder is not None:
            if holder.branch_id == branch.id:
                row.action = "existing"
            else:
                row.problems.append("该团员已在其他团支部注册：请其在“我的资料”中申请转接到本支部")
            continue
        if session.scalar(sa.select(Member.id).where(Member.phone_hash == phone_hash)):
            row.problems.append("该手机号已被其他团员注册，请核对")
        row.values = dict(name=row.name, id_number=info.number, id_hash=id_hash, phone=phone, phone_hash=phone_hash,
                          birth=info.birth_date, male=info.male, joined=joined, league_number=number_given)
    return rows


def apply(session: Session, branch_id: int, rows: list[Row]) -> dict[str, int]:
    problems = [row for row in rows if row.problems]
    if problems:
        raise Invalid("import_problems", f"有 {len(problems)} 行有问题，请先修改文件")
    now, made = utcnow(), 0
    with unit_of_work(session):
        for row in rows:
            if row.action != "new":
                continue
            v = row.values
            session.add(Member(
                name=v["name"], id_number_enc=protector.encrypt(v["id_number"]), id_number_hash=v["id_hash"],
                phone_enc=protector.encrypt(v["phone"]), phone_hash=v["phone_hash"], password_hash=UNCLAIMED,
                birth_date=v["birth"], sex=Sex.male if v["male"] else Sex.female, joined_league_on=v["joined"],
                league_number=v["league_number"], ethnicity=NOT_GIVEN, education=NOT_GIVEN, branch_id=branch_id,
                preregistered_at=now))
            made += 1
        audit(session, ("org", branch_id), "member.preregistered", ("org", branch_id), count=made)
    return {"new": made, "existing": sum(1 for row in rows if row.action == "existing")}


def unclaimed(session: Session, phone: str) -> Member | None:
    try:
        phone_hash = protector.lookup_hash("phone", normalise_phone(phone))
    except Invalid:
        return None
    return session.scalar(sa.select(Member).where(Member.phone_hash == phone_hash, Member.claimed_at.is_(None),
                                                  Member.preregistered_at.is_not(None), Member.closed_at.is_(None)))


def claim(session: Session, *, phone: str, sms_code: str, password: str, openid: str | None,
          ethnicity: str, education: str, consent_notice: bool, consent_sensitive: bool,
          unionid: str | None = None) -> Member:
    """The person takes the account their branch entered: the code to its phone proves it is theirs;
    they set a password, say 民族 and 学历, and agree to the privacy notice. ``openid``: the official
    account's (the phone pages), bound at once; ``unionid``: the mini-program's, which finds the member
    at its next login."""
    consent.require(consent_notice, consent_sensitive)
    validate_password(password)
    ethnicity = (ethnicity or "").strip()
    if not 1 <= len(ethnicity) <= 20:
        raise Invalid("ethnicity", "请填写民族")
    if education not in EDUCATION_LEVELS:
        raise Invalid("education", "请选择学历：" + "、".join(EDUCATION_LEVELS))
    member = unclaimed(session, phone)
    sms.take_code(normalise_phone(phone), sms_code, "claim")
    if member is None:  # a code is only ever sent to a waiting account's phone
        raise NotFound("nothing_to_claim", "没有待认领的账号：请直接注册，或联系团支部核对登记的手机号")
    with unit_of_work(session):
        member.password_hash, member.claimed_at = hash_password(password), utcnow()
        member.ethnicity, member.education = ethnicity, education
        if unionid and member.unionid is None:
            member.unionid = unionid
        consent.record(session, member.id)
        audit(session, ("member", member.id), "member.claimed", ("member", member.id))
    if openid:
        wechat_users.bind(session, member.id, openid)
    return member
