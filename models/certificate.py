"""志愿服务证明: a certificate of approved service in a period, with a public verification code."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, TimestampMixin


class Certificate(TimestampMixin, Base):
    """A snapshot: the records and totals as approved when it was issued, so the PDF and the public
    verification page say the same thing later even if a record is corrected afterwards."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)  # printed; /verify/<code> confirms it
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    period_start: Mapped[dt.date] = mapped_column()
    period_end: Mapped[dt.date] = mapped_column()
    total_minutes: Mapped[int] = mapped_column()
    record_count: Mapped[int] = mapped_column()
    organisations: Mapped[str] = mapped_column(sa.String(500))   # the recording organisations, "、"-joined
    lines: Mapped[list] = mapped_column(sa.JSON)                 # [{date, project, organisation, minutes}]
    issued_by: Mapped[str] = mapped_column(sa.String(40))       # "member" or "org:<id>"

    __table_args__ = (sa.CheckConstraint("period_end >= period_start", name="period_ordered"),)
