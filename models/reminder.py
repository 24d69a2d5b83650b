"""Reminders a member gets from the account on a clock (issue 36.7): one row per (kind, member,
subject) under a unique constraint, so however often the scheduler plans, a member hears of the same
thing once; and the kinds a member switched off."""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, TimestampMixin, str_enum


class ReminderKind(enum.StrEnum):
    project_eve = "project_eve"    # the day before a project the member enrolled in
    period_end = "period_end"      # the period (quarter, semester, holiday) ends soon, not taken part yet
    year_hours = "year_hours"      # November: short of the year's 20 h


REMINDER_LABELS = {ReminderKind.project_eve: "活动前一天提醒", ReminderKind.period_end: "周期结束前未参加提醒",
                   ReminderKind.year_hours: "年度时长不足20小时提醒"}


class ReminderStatus(enum.StrEnum):
    """The push's delivery states (models.wechat.DeliveryStatus) and ``skipped``: no longer due when its
    turn came (the member withdrew, took part, reached 20 h, switched the kind off, or it went stale)."""
    pending = "pending"
    sending = "sending"
    sent = "sent"
    delivered = "delivered"
    failed = "failed"
    blocked = "blocked"
    unknown = "unknown"
    skipped = "skipped"


REMINDER_STATUS_LABELS = {ReminderStatus.sent: "已发送", ReminderStatus.delivered: "已送达",
                          ReminderStatus.pending: "待发送", ReminderStatus.sending: "发送中",
                          ReminderStatus.failed: "失败", ReminderStatus.blocked: "被拒收",
                          ReminderStatus.unknown: "状态未知", ReminderStatus.skipped: "无需发送"}


class Reminder(TimestampMixin, Base):
    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ReminderKind] = mapped_column(str_enum(ReminderKind, "reminder_kind"))
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    subject: Mapped[str] = mapped_column(sa.String(40))  # the project's id, the period's label, the year
    project_id: Mapped[int | None] = mapped_column(sa.ForeignKey("projects.id"))
    valid_until: Mapped[dt.datetime] = mapped_column()   # not sent after this (the project began, the period ended)
    status: Mapped[ReminderStatus] = mapped_column(str_enum(ReminderStatus, "reminder_status"),
                                                   default=ReminderStatus.pending)
    channel: Mapped[str | None] = mapped_column(sa.String(10))
    openid: Mapped[str | None] = mapped_column(sa.String(64))
    msgid: Mapped[str | None] = mapped_column(sa.String(40), index=True)
    errcode: Mapped[int | None] = mapped_column()
    errmsg: Mapped[str | None] = mapped_column(sa.String(200))
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_at: Mapped[dt.datetime | None] = mapped_column()
    updated_at: Mapped[dt.datetime | None] = mapped_column()

    __table_args__ = (
        sa.UniqueConstraint("kind", "member_id", "subject"),
        sa.Index("ix_reminders_status_id", "status", "id"),
    )


class ReminderOptOut(Base):
    """A kind of reminder the member turned off; no row: on."""

    __tablename__ = "reminder_optouts"

    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), primary_key=True)
    kind: Mapped[ReminderKind] = mapped_column(str_enum(ReminderKind, "reminder_kind"), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column()
