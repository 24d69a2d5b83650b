"""Beijing time: hours rules (the year, quarters, semesters) and what people read are in Asia/Shanghai,
while everything is stored in UTC."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")


def beijing_today() -> dt.date:
    return dt.datetime.now(BEIJING).date()


def from_local_input(value: str | None, field: str) -> dt.datetime:
    """A form's <input type="datetime-local"> value, read as Beijing time, as an aware UTC datetime."""
    from services.errors import Invalid

    try:
        local = dt.datetime.fromisoformat(value or "")
    except ValueError:
        raise Invalid(field, "请选择完整的日期和时间") from None
    if local.tzinfo is not None:
        raise Invalid(field, "请选择完整的日期和时间")
    return local.replace(tzinfo=BEIJING).astimezone(dt.UTC)
