"""Volunteer projects, their timekeepers (计时员) and enrolments."""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, TimestampMixin, partial_unique, str_enum
from models.team import SiteMixin, Team, site_checks


class ProjectStatus(enum.StrEnum):
    draft = "draft"
    published = "published"
    closed = "closed"


class Audience(enum.StrEnum):
    team = "team"        # the team's members
    paired = "paired"    # only members of departments paired with the street


class Project(SiteMixin, TimestampMixin, Base):
    """The site may be empty only for a long-term project whose team has not placed its site yet (sign-in
    then refuses). ``code`` is the public id used in links and QR codes; the integer id never leaves the server."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    starts_at: Mapped[dt.datetime | None] = mapped_column()
    ends_at: Mapped[dt.datetime | None] = mapped_column()
    capacity: Mapped[int | None] = mapped_column()
    audience: Mapped[Audience] = mapped_column(str_enum(Audience, "audience"), default=Audience.team)
    is_long_term: Mapped[bool] = mapped_column(default=False)
    status: Mapped[ProjectStatus] = mapped_column(str_enum(ProjectStatus, "project_status"),
                                                  default=ProjectStatus.draft)
    published_at: Mapped[dt.datetime | None] = mapped_column()
    closed_at: Mapped[dt.datetime | None] = mapped_column()
    # An activity another organisation runs on the team's ground (issue 38 row 11): who organises it, who
    # proposed it (a draft until the team's organisation publishes it: 待审核), why it was sent back.
    organiser: Mapped[str | None] = mapped_column(sa.String(100))
    proposed_by_org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    review_note: Mapped[str | None] = mapped_column(sa.String(200))

    team: Mapped[Team] = relationship()
    timekeepers: Mapped[list[ProjectTimekeeper]] = relationship(cascade="all, delete-orphan")

    __table_args__ = (
        # Every community team has exactly one long-term project for self-directed service.
        partial_unique("uq_projects_long_term_team", "team_id", where="is_long_term"),
        *site_checks(),
        sa.CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        sa.CheckConstraint("is_long_term OR (starts_at IS NOT NULL AND ends_at IS NOT NULL)", name="dated"),
        sa.CheckConstraint("starts_at IS NULL OR ends_at IS NULL OR ends_at > starts_at", name="ends_after_start"),
    )


class ProjectTimekeeper(Base):
    """A department (its coordinator account) named by a street to approve this project's hours."""

    __tablename__ = "project_timekeepers"

    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), primary_key=True)


class EnrolmentStatus(enum.StrEnum):
    enrolled = "enrolled"
    waitlisted = "waitlisted"
    withdrawn = "withdrawn"


class Enrolment(TimestampMixin, Base):
    __tablename__ = "enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    status: Mapped[EnrolmentStatus] = mapped_column(str_enum(EnrolmentStatus, "enrolment_status"),
                                                    default=EnrolmentStatus.enrolled)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column()

    project: Mapped[Project] = relationship()

    __table_args__ = (sa.UniqueConstraint("project_id", "member_id"),)
