"""Service records (签到/签退) and their approval."""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, TimestampMixin, partial_unique, str_enum
from models.member import Member
from models.project import Project
from models.team import CoordSystem, coord_enum


class RecordStatus(enum.StrEnum):
    open = "open"                        # signed in, not yet out
    pending = "pending"                  # signed out, waiting for approval
    approved = "approved"                # counts in every total
    rejected = "rejected"
    missing_signout = "missing_signout"  # never signed out; the coordinator must fix it


RECORD_STATUS_LABELS = {
    RecordStatus.open: "已签到，未签退", RecordStatus.pending: "待审核", RecordStatus.approved: "已认证",
    RecordStatus.rejected: "未通过", RecordStatus.missing_signout: "缺少签退",
}


class ServiceRecord(TimestampMixin, Base):
    __tablename__ = "service_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    status: Mapped[RecordStatus] = mapped_column(str_enum(RecordStatus, "record_status"), default=RecordStatus.open)
    signin_at: Mapped[dt.datetime] = mapped_column()
    signin_lat: Mapped[float | None] = mapped_column()
    signin_lng: Mapped[float | None] = mapped_column()
    signin_coord_system: Mapped[CoordSystem | None] = mapped_column(coord_enum("signin_coord_system"))
    signin_accuracy_m: Mapped[float | None] = mapped_column()
    signin_distance_m: Mapped[float | None] = mapped_column()
    signout_at: Mapped[dt.datetime | None] = mapped_column()
    signout_lat: Mapped[float | None] = mapped_column()
    signout_lng: Mapped[float | None] = mapped_column()
    signout_coord_system: Mapped[CoordSystem | None] = mapped_column(coord_enum("signout_coord_system"))
    signout_accuracy_m: Mapped[float | None] = mapped_column()
    signout_distance_m: Mapped[float | None] = mapped_column()
    duration_minutes: Mapped[int | None] = mapped_column()
    original_duration_minutes: Mapped[int | None] = mapped_column()  # kept when an approver edits
    original_signin_at: Mapped[dt.datetime | None] = mapped_column()  # the first recorded times, kept
    original_signout_at: Mapped[dt.datetime | None] = mapped_column()  # when the times are edited
    edit_reason: Mapped[str | None] = mapped_column(sa.String(200))
    decided_by_org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column()
    decision_note: Mapped[str | None] = mapped_column(sa.String(200))
    # Served at the member's own place (issue 38 row 13; seed 000: 每季度至少到所选的社区（村）参加1次, 大学生…到
    # 对接的街道（乡镇）): their community team's, or for a university member the paired street's (or its
    # communities') and their department's. Set when the record is approved; what counts for 本期参加.
    at_own_place: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    source: Mapped[str] = mapped_column(sa.String(20), default="api")
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(100), unique=True)
    # The message that signed out, as the sign-in keeps its own: a repeated delivery is that sign-out again
    # (never a new sign-in), with or without the shared store (issue 35.1).
    signout_key: Mapped[str | None] = mapped_column(sa.String(100), unique=True)

    project: Mapped[Project] = relationship()

    __table_args__ = (
        partial_unique("uq_service_records_open", "project_id", "member_id", where="status = 'open'"),
        sa.CheckConstraint("duration_minutes IS NULL OR duration_minutes >= 0", name="duration_positive"),
        sa.CheckConstraint("signout_at IS NULL OR signout_at >= signin_at", name="signout_after_signin"),
        # Carries the duration and the place: a member's approved minutes of a year, and whether they took part
        # in a period, are read from the index alone (the 团员 list's filters ask them member by member).
        sa.Index("ix_service_records_member_status_signin", "member_id", "status", "signin_at",
                 postgresql_include=["duration_minutes", "at_own_place"]),
    )


class CorrectionStatus(enum.StrEnum):
    pending = "pending"
    accepted = "accepted"
    refused = "refused"


class CorrectionRequest(TimestampMixin, Base):
    """A member's request to fix a record's times (wrong time, missed sign-out). The record keeps its
    original values in the audit trail when the coordinator accepts."""

    __tablename__ = "correction_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(sa.ForeignKey("service_records.id"), index=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    signin_at: Mapped[dt.datetime] = mapped_column()
    signout_at: Mapped[dt.datetime] = mapped_column()
    reason: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[CorrectionStatus] = mapped_column(str_enum(CorrectionStatus, "correction_status"),
                                                     default=CorrectionStatus.pending)
    decided_by_org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column()
    decision_note: Mapped[str | None] = mapped_column(sa.String(200))

    record: Mapped[ServiceRecord] = relationship()
    member: Mapped[Member] = relationship()

    __table_args__ = (
        partial_unique("uq_correction_requests_pending", "record_id", where="status = 'pending'"),
        sa.CheckConstraint("signout_at > signin_at", name="signout_after_signin"),
    )
