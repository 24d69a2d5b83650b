"""Resident ID numbers (居民身份证号码), GB 11643-1999.

The 18th character is the ISO 7064 MOD 11-2 check of the first 17; characters 7–14 are the birth
date and the 17th is odd for men, even for women, so both are derived rather than asked for.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_FORMAT = re.compile(r"^[1-9]\d{16}[\dX]$")


class IdNumberError(ValueError):
    """Carries the Chinese message shown to the person."""


@dataclass(frozen=True)
class IdInfo:
    number: str
    birth_date: dt.date
    male: bool
    region: str


def check_digit(first17: str) -> str:
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def parse_id_number(value: str, today: dt.date | None = None) -> IdInfo:
    number = (value or "").strip().upper()
    if not _FORMAT.match(number):
        raise IdNumberError("身份证号应为18位，前17位为数字，最后一位为数字或X")
    if check_digit(number[:17]) != number[17]:
        raise IdNumberError("身份证号校验位不正确，请核对后重新输入")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise IdNumberError("身份证号中的出生日期无效") from exc
    today = today or dt.date.today()
    if birth > today or birth.year < 1900:
        raise IdNumberError("身份证号中的出生日期无效")
    return IdInfo(number=number, birth_date=birth, male=int(number[16]) % 2 == 1, region=number[:6])


def make_id_number(region: str, birth: dt.date, sequence: int, male: bool) -> str:
    """A checksum-valid number, for the demo and tests. ``sequence`` 0–99 picks the order code."""
    seq = f"{sequence % 100:02d}{(1 if male else 2) + 2 * (sequence // 100 % 4)}"
    first17 = f"{region}{birth:%Y%m%d}{seq}"
    return first17 + check_digit(first17)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
