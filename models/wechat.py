"""WeChat-side state kept in the database: followers and push deliveries."""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, TimestampMixin, str_enum


class WechatFollower(TimestampMixin, Base):
    """An openid that follows (or followed) the account. Holds a team scan made before the openid was
    bound to a member, so that 报到 completes when the member binds."""

    __tablename__ = "wechat_followers"

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(sa.String(64), unique=True)
    unionid: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    subscribed: Mapped[bool] = mapped_column(default=True)
    subscribed_at: Mapped[dt.datetime | None] = mapped_column()
    unsubscribed_at: Mapped[dt.datetime | None] = mapped_column()
    pending_team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id"))
    pending_since: Mapped[dt.datetime | None] = mapped_column()


class DeliveryStatus(enum.StrEnum):
    pending = "pending"
    sending = "sending"      # claimed by a push job; the request to WeChat is in flight
    sent = "sent"            # WeChat accepted it (msgid)
    delivered = "delivered"  # TEMPLATESENDJOBFINISH success
    failed = "failed"        # errcode recorded; not retried when final (43004)
    blocked = "blocked"      # failed:user block
    unknown = "unknown"      # the job died or WeChat did not answer in time: maybe sent, never resent by itself


# In the order the console and `flask push status` list them.
DELIVERY_LABELS = {DeliveryStatus.sent: "已发送", DeliveryStatus.delivered: "已送达", DeliveryStatus.pending: "待发送",
                   DeliveryStatus.sending: "发送中", DeliveryStatus.failed: "失败", DeliveryStatus.blocked: "被拒收",
                   DeliveryStatus.unknown: "状态未知"}


class PushDelivery(TimestampMixin, Base):
    """One per (project, member): the unique constraint is what makes a re-run push send nothing twice."""

    __tablename__ = "push_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    openid: Mapped[str | None] = mapped_column(sa.String(64))
    status: Mapped[DeliveryStatus] = mapped_column(str_enum(DeliveryStatus, "delivery_status"),
                                                   default=DeliveryStatus.pending)
    msgid: Mapped[str | None] = mapped_column(sa.String(40), index=True)
    errcode: Mapped[int | None] = mapped_column()
    errmsg: Mapped[str | None] = mapped_column(sa.String(200))
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_at: Mapped[dt.datetime | None] = mapped_column()
    updated_at: Mapped[dt.datetime | None] = mapped_column()

    __table_args__ = (
        sa.UniqueConstraint("project_id", "member_id"),
        sa.Index("ix_push_deliveries_project_status", "project_id", "status"),
    )


class PushState(enum.StrEnum):
    queued = "queued"
    running = "running"
    paused = "paused"    # 45009: WeChat's daily quota is spent; resumes after ``resume_after``
    done = "done"
    failed = "failed"    # stopped by an error it cannot get past alone (``last_error``)


class PushRun(TimestampMixin, Base):
    """One request to push a project (on publish, from the console or the CLI). The deliveries are the
    truth about who got what; the run holds what a job needs to resume and what the console shows."""

    __tablename__ = "push_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    requested_by_org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id"))
    state: Mapped[PushState] = mapped_column(str_enum(PushState, "push_state"), default=PushState.queued)
    recipients: Mapped[int | None] = mapped_column()
    resume_after: Mapped[dt.datetime | None] = mapped_column()
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column()
    started_at: Mapped[dt.datetime | None] = mapped_column()
    finished_at: Mapped[dt.datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(sa.String(300))


class Subscription(Base):
    """A member's choice for one subscription-notification template (订阅通知), from WeChat's
    subscribe_msg_popup_event and subscribe_msg_change_event: accept, reject (also a cancel in the
    settings) or ban (the user turned notices off)."""

    __tablename__ = "subscriptions"

    openid: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    template_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(10))
    updated_at: Mapped[dt.datetime] = mapped_column()
