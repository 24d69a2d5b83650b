"""Year-end commendations (seed 000 对优秀志愿者、志愿组织、志愿项目进行表彰): a committee nominates, within its
sub-tree, an excellent volunteer, team or project of a year; one nomination per (year, committee, subject)."""
from __future__ import annotations

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, TimestampMixin, str_enum


class CommendationKind(enum.StrEnum):
    volunteer = "volunteer"   # 优秀志愿者
    team = "team"             # 优秀志愿服务队
    project = "project"       # 优秀志愿服务项目


COMMENDATION_LABELS = {CommendationKind.volunteer: "优秀志愿者", CommendationKind.team: "优秀志愿服务队",
                       CommendationKind.project: "优秀志愿服务项目"}


class Commendation(TimestampMixin, Base):
    __tablename__ = "commendations"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column()
    kind: Mapped[CommendationKind] = mapped_column(str_enum(CommendationKind, "commendation_kind"))
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)  # the nominating committee
    subject_id: Mapped[int] = mapped_column()   # the member's, team's or project's id, by ``kind``
    minutes: Mapped[int] = mapped_column(default=0)   # the year's approved minutes when nominated
    note: Mapped[str | None] = mapped_column(sa.String(200))

    __table_args__ = (sa.UniqueConstraint("year", "kind", "org_id", "subject_id"),
                      sa.Index("ix_commendations_subject", "kind", "subject_id"))
