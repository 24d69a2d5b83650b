"""Audit trail: who decided what. Rows are only ever added."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, TimestampMixin


class AuditEntry(TimestampMixin, Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_kind: Mapped[str] = mapped_column(sa.String(10))  # org, member, system
    actor_id: Mapped[int | None] = mapped_column()
    action: Mapped[str] = mapped_column(sa.String(50), index=True)
    target_kind: Mapped[str] = mapped_column(sa.String(30))
    target_id: Mapped[int | None] = mapped_column()
    detail: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # The person behind an organisation's action (their console or mini-program login): who did what,
    # not just which organisation (set by services.kernel.uow from the request's login).
    account_id: Mapped[int | None] = mapped_column(index=True)

    __table_args__ = (sa.Index("ix_audit_log_target", "target_kind", "target_id"),)
