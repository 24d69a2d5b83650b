"""入团年月 and 团员编号 (seed 002): the join month checked against the birth date (14 at joining), and the
league number by join year: before 2016 generated from the year, from 2017 as printed on the certificate,
2016 as printed or "2016" + the last 8 digits of the student number; a number is one member's."""
from __future__ import annotations

import datetime as dt
import re
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Member
from services.kernel.errors import Conflict, Invalid
from services.people.idcard import age_on

LEAGUE_MIN_AGE = 14  # league age starts at 14 (and ends on the 28th birthday, services.people.members)
_LEAGUE_NUMBER = re.compile(r"^\d{8,20}$")


def joined_month(value: str, birth: dt.date, today: dt.date) -> dt.date:
    match = re.match(r"^(\d{4})-(\d{1,2})$", (value or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise Invalid("joined_league", "入团年月格式应为 YYYY-MM")
    joined = dt.date(int(match.group(1)), int(match.group(2)), 1)
    if joined > today:
        raise Invalid("joined_league", "入团年月不能晚于当前月份")
    if age_on(birth, joined.replace(day=28)) < LEAGUE_MIN_AGE - 1:
        raise Invalid("joined_league", "入团年月与出生日期不符：入团时应年满14周岁")
    return joined


def league_number_for(joined: dt.date, given: str | None, student_number: str | None) -> str:
    """团员编号 (seed 002): before 2016 generated from the join year; from 2017 as on the certificate;
    2016 as on the certificate, or "2016" + the last 8 digits of the student number."""
    given = (given or "").strip() or None
    if given is not None and not _LEAGUE_NUMBER.match(given):
        raise Invalid("league_number", "团员编号应为8至20位数字")
    if joined.year < 2016:
        return f"{joined.year}{secrets.randbelow(10**8):08d}"
    if given is not None:
        return given
    if joined.year == 2016:
        digits = re.sub(r"\D", "", student_number or "")
        if len(digits) < 8:
            raise Invalid("league_number", "2016年入团且无团员编号的，请填写学号（至少8位数字），编号为“2016+学号后8位”")
        return "2016" + digits[-8:]
    raise Invalid("league_number", "2016年以后入团的，请按入团志愿书或团员证填写团员编号")


DRAWS = 5


def untaken(session: Session, number: str, joined: dt.date) -> str:
    """A number the member gave must be free; one generated for a pre-2016 joiner is drawn again when
    taken (eight random digits: among the hundreds of thousands who joined in one year, a draw hits a
    taken number a few times in a thousand, which the member could do nothing about)."""
    for _ in range(DRAWS):
        if not session.scalar(sa.select(Member.id).where(Member.league_number == number)):
            return number
        if joined.year >= 2016:
            break
        number = league_number_for(joined, None, None)
    raise Conflict("league_number_taken", "该团员编号已被使用，请核对")
