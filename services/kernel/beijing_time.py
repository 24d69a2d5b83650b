"""Beijing time: hours rules (the year, quarters, semesters) and what people read are in Asia/Shanghai,
while everything is stored in UTC."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")


def beijing_today() -> dt.date:
    return dt.datetime.now(BEIJING).date()


def day_start(day: dt.date) -> dt.datetime:
    """00:00 of a Beijing date, as an aware UTC datetime."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=BEIJING).astimezone(dt.UTC)


def days_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, stop) in UTC covering the Beijing dates ``first`` to ``last``, both included."""
    return day_start(first), day_start(last + dt.timedelta(days=1))


def month_day_time(value: dt.datetime) -> str:
    """"12月09日 10:24": a moment in the coming days, as replies and notices say it."""
    return value.astimezone(BEIJING).strftime("%m月%d日 %H:%M")


def to_local_input(value: dt.datetime | None) -> str:
    """An aware datetime as a form's <input type="datetime-local"> shows it: Beijing time, to the minute."""
    return value.astimezone(BEIJING).strftime("%Y-%m-%dT%H:%M") if value else ""


def shown(value: dt.datetime | dt.date | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Any time on any page, in Beijing time (a date is a date already): the one clock every page shows.
    A naive datetime is UTC, as stored."""
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        value = (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(BEIJING)
    return value.strftime(fmt)


def from_local_input(value: str | None, field: str) -> dt.datetime:
    """A form's <input type="datetime-local"> value, read as Beijing time, as an aware UTC datetime."""
    from services.kernel.errors import Invalid

    try:
        local = dt.datetime.fromisoformat(value or "")
    except ValueError:
        raise Invalid(field, "请选择完整的日期和时间") from None
    if local.tzinfo is not None:
        raise Invalid(field, "请选择完整的日期和时间")
    return local.replace(tzinfo=BEIJING).astimezone(dt.UTC)
