"""Pairing (结对) of university departments with streets, and the pairing codes (申请结对码)."""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, TimestampMixin, partial_unique, str_enum
from models.org import Organization, StreetCategory


class PairingCode(TimestampMixin, Base):
    """Handed down by the city to a university, which allocates it to one of its departments."""

    __tablename__ = "pairing_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    category: Mapped[StreetCategory] = mapped_column(str_enum(StreetCategory, "pairing_category"))
    issuer_org_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"))
    university_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id"), unique=True)
    allocated_at: Mapped[dt.datetime | None] = mapped_column()


class PairingStatus(enum.StrEnum):
    pending = "pending"
    accepted = "accepted"
    rejected = "rejected"
    lapsed = "lapsed"        # offline pairing not confirmed in time (earlier: another street accepted first)
    dissolved = "dissolved"
    withdrawn = "withdrawn"


class Pairing(TimestampMixin, Base):
    """A department's pairing with a street: ``accepted`` from the moment it is made online (seed 001's
    先到先得), settled once both sides confirmed the offline pairing, ``lapsed`` if they did not by
    ``offline_due_at``. ``pending``/``rejected`` are kept for pairings made under the earlier
    apply-and-accept flow. The partial unique index carries "a department has at most one street"."""

    __tablename__ = "pairings"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    street_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    code_id: Mapped[int] = mapped_column(sa.ForeignKey("pairing_codes.id"))
    status: Mapped[PairingStatus] = mapped_column(str_enum(PairingStatus, "pairing_status"),
                                                  default=PairingStatus.pending)
    decided_at: Mapped[dt.datetime | None] = mapped_column()
    dissolved_at: Mapped[dt.datetime | None] = mapped_column()
    reason: Mapped[str | None] = mapped_column(sa.String(200))
    offline_due_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    department_confirmed_at: Mapped[dt.datetime | None] = mapped_column()
    street_confirmed_at: Mapped[dt.datetime | None] = mapped_column()

    department: Mapped[Organization] = relationship(foreign_keys=[department_id])
    street: Mapped[Organization] = relationship(foreign_keys=[street_id])

    @property
    def settled(self) -> bool:
        """Both sides confirmed the offline pairing."""
        return self.department_confirmed_at is not None and self.street_confirmed_at is not None

    __table_args__ = (
        partial_unique("uq_pairings_accepted_department", "department_id", where="status = 'accepted'"),
        partial_unique("uq_pairings_pending", "department_id", "street_id", where="status = 'pending'"),
    )
