"""Approved hours, the year's 20-hour target and star levels.

Only approved records count (DESIGN.md). The year is the Beijing calendar year: a session that
starts at 00:30 on 1 January Beijing time belongs to the new year although it is still the old
year in UTC.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import RecordStatus, ServiceRecord, utcnow
from services.kernel.beijing_time import BEIJING

YEAR_TARGET_HOURS = 20
# ★1 100 h, ★2 300 h, ★3 600 h, ★4 1000 h, ★5 1500 h.
STAR_THRESHOLDS = (100, 300, 600, 1000, 1500)


@dataclass(frozen=True)
class HoursSummary:
    year: int
    year_minutes: int
    total_minutes: int
    star: int
    next_star_hours: int | None

    @property
    def year_hours(self) -> float:
        return hours_of(self.year_minutes, 2)

    @property
    def total_hours(self) -> float:
        return hours_of(self.total_minutes, 2)

    @property
    def year_progress(self) -> float:
        return min(1.0, self.year_minutes / (YEAR_TARGET_HOURS * 60))

    @property
    def year_target_met(self) -> bool:
        return self.year_minutes >= YEAR_TARGET_HOURS * 60

    def as_dict(self) -> dict:
        return {"year": self.year, "year_hours": self.year_hours, "total_hours": self.total_hours,
                "year_target_hours": YEAR_TARGET_HOURS, "year_progress": round(self.year_progress, 4),
                "year_target_met": self.year_target_met, "star": self.star,
                "next_star_hours": self.next_star_hours}


def hours_of(minutes: int | None, places: int = 1) -> float:
    """Hours as shown: cut to ``places``, never rounded up, so that 19 h 59 min reads 19.9 (or 19.98)
    beside "不满20小时" and never 20.0: the target is judged on minutes, and the figure must agree."""
    factor = 10 ** places
    return math.floor((minutes or 0) * factor / 60) / factor


def hours_text(minutes: int | None) -> str:
    return f"{hours_of(minutes):.1f}"


def star_label(star: int) -> str:
    """Star levels written one way on every surface: 「3星志愿者」, or 「暂无星级」."""
    return f"{star}星志愿者" if star else "暂无星级"


def star_level(total_minutes: int) -> int:
    hours = total_minutes / 60
    return sum(1 for threshold in STAR_THRESHOLDS if hours >= threshold)


def beijing_year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime(year, 1, 1, tzinfo=BEIJING).astimezone(dt.UTC)
    end = dt.datetime(year + 1, 1, 1, tzinfo=BEIJING).astimezone(dt.UTC)
    return start, end


def _approved_in(start, end) -> sa.ColumnElement[bool]:
    return sa.and_(ServiceRecord.status == RecordStatus.approved, ServiceRecord.signin_at >= start,
                   ServiceRecord.signin_at < end)


def year_minutes(year: int, member_ids: sa.Select | None = None) -> sa.Subquery:
    """(member_id, minutes): approved minutes in the Beijing year, per member (of ``member_ids``)."""
    query = (sa.select(ServiceRecord.member_id, sa.func.sum(ServiceRecord.duration_minutes).label("minutes"))
             .where(_approved_in(*beijing_year_bounds(year))))
    if member_ids is not None:
        query = query.where(ServiceRecord.member_id.in_(member_ids))
    return query.group_by(ServiceRecord.member_id).subquery()


def _minutes_of(member_id: sa.ColumnElement, counted: sa.ColumnElement[bool]) -> sa.ScalarSelect:
    """The minutes of ``member_id``'s ``counted`` records (0 for none), as a column of another statement."""
    return (sa.select(sa.func.coalesce(sa.func.sum(ServiceRecord.duration_minutes), 0))
            .where(ServiceRecord.member_id == member_id, counted).correlate_except(ServiceRecord).scalar_subquery())


def year_minutes_of(year: int, member_id: sa.ColumnElement) -> sa.ScalarSelect:
    """Approved minutes of ``member_id`` in the Beijing year (0 for none), as a column of another statement:
    a list's hours filter reads them member by member, from the index alone on PostgreSQL (it carries the
    duration), where summing the whole sub-tree's year first took six seconds for a city (bench/README)."""
    return _minutes_of(member_id, _approved_in(*beijing_year_bounds(year)))


def summary_columns(member_id: sa.ColumnElement) -> tuple[sa.ScalarSelect, sa.ScalarSelect]:
    """(all approved minutes, approved minutes in the Beijing year) of ``member_id``, as columns another
    statement can carry (the year's bounds are the bind parameters ``start`` and ``end``:
    ``summary_params``). The rule of what counts lives here only."""
    return (_minutes_of(member_id, ServiceRecord.status == RecordStatus.approved),
            _minutes_of(member_id, _approved_in(sa.bindparam("start"), sa.bindparam("end"))))


def summary_params(*, year: int | None = None, now: dt.datetime | None = None) -> tuple[int, dict]:
    year = year or (now or utcnow()).astimezone(BEIJING).year
    start, end = beijing_year_bounds(year)
    return year, {"start": start, "end": end}


def make_summary(year: int, total_minutes: int, year_minutes: int) -> HoursSummary:
    star = star_level(total_minutes)
    return HoursSummary(year=year, year_minutes=int(year_minutes), total_minutes=int(total_minutes), star=star,
                        next_star_hours=STAR_THRESHOLDS[star] if star < len(STAR_THRESHOLDS) else None)


# Built once: building a statement costs more than running it, and the bot asks on every 时长.
_SUMMARY = sa.select(*summary_columns(sa.bindparam("member_id")))


def summary(session: Session, member_id: int, *, year: int | None = None, now: dt.datetime | None = None) -> HoursSummary:
    year, params = summary_params(year=year, now=now)
    total, in_year = session.execute(_SUMMARY, {"member_id": member_id, **params}).one()
    return make_summary(year, total, in_year)
