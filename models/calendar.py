"""School calendar periods per year (semesters and holidays), set by the city committee: the seeds'
participation rules are per semester (universities) and per winter and summer holiday (middle
schools), and their dates differ from year to year."""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, str_enum


class PeriodKind(enum.StrEnum):
    winter_holiday = "winter_holiday"    # 寒假 (starts in January of ``year``)
    spring_semester = "spring_semester"  # 春季学期
    summer_holiday = "summer_holiday"    # 暑假
    autumn_semester = "autumn_semester"  # 秋季学期 (ends in January of the next year)


PERIOD_LABELS = {PeriodKind.winter_holiday: "寒假", PeriodKind.spring_semester: "春季学期",
                 PeriodKind.summer_holiday: "暑假", PeriodKind.autumn_semester: "秋季学期"}


class CalendarPeriod(Base):
    __tablename__ = "calendar_periods"

    year: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[PeriodKind] = mapped_column(str_enum(PeriodKind, "period_kind"), primary_key=True)
    starts_on: Mapped[dt.date] = mapped_column()
    ends_on: Mapped[dt.date] = mapped_column()  # the last day, inclusive

    __table_args__ = (sa.CheckConstraint("ends_on >= starts_on", name="period_order"),)
