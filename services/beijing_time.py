"""Beijing time: hours rules (the year, quarters, semesters) and what people read are in Asia/Shanghai,
while everything is stored in UTC."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")


def beijing_today() -> dt.date:
    return dt.datetime.now(BEIJING).date()
