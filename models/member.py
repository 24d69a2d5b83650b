"""Members (团员) with protected personal data, branch applications and identity appeals."""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, TimestampMixin, partial_unique, str_enum
from models.org import Organization


class Sex(enum.StrEnum):
    male = "male"
    female = "female"


class Member(TimestampMixin, Base):
    """A real-name account. The ID number and phone exist only encrypted plus as keyed lookup hashes."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(30))
    id_number_enc: Mapped[str] = mapped_column(sa.Text)
    id_number_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    phone_enc: Mapped[str] = mapped_column(sa.Text)
    phone_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    birth_date: Mapped[dt.date] = mapped_column()
    sex: Mapped[Sex] = mapped_column(str_enum(Sex, "sex"))
    joined_league_on: Mapped[dt.date] = mapped_column()  # 入团年月, stored as the month's first day
    league_number: Mapped[str | None] = mapped_column(sa.String(20), unique=True)  # 团员编号
    student_number: Mapped[str | None] = mapped_column(sa.String(30))
    ethnicity: Mapped[str] = mapped_column(sa.String(20))  # 民族
    education: Mapped[str] = mapped_column(sa.String(20))  # 学历
    branch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    cadre_claimed: Mapped[bool] = mapped_column(default=False)
    cadre_confirmed_at: Mapped[dt.datetime | None] = mapped_column()
    cadre_confirmed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id"))
    is_volunteer: Mapped[bool] = mapped_column(default=False)
    volunteer_registered_at: Mapped[dt.datetime | None] = mapped_column()
    activist_since: Mapped[dt.date | None] = mapped_column()  # 入团积极分子 since (set by the branch)
    skills: Mapped[list | None] = mapped_column(sa.JSON)       # 个人特长: keys of services.people.profile_extras.SKILLS
    skills_note: Mapped[str | None] = mapped_column(sa.String(100))
    # The volunteer's profile (issue 38 row 3; seeds 000 居住地, 002 籍贯/居住区域, 004 所属地区): where they
    # live — a street (town) or a district of the city's tree, or outside Beijing — where they come from,
    # and the fields they would serve in (keys of services.people.residence.SERVICE_AREAS).
    residence_org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    lives_in_beijing: Mapped[bool | None] = mapped_column()
    native_place: Mapped[str | None] = mapped_column(sa.String(20))
    service_areas: Mapped[list | None] = mapped_column(sa.JSON)
    zyb_username: Mapped[str | None] = mapped_column(sa.String(40))  # the member's own 志愿北京 account
    zyb_password_enc: Mapped[str | None] = mapped_column(sa.Text)
    zyb_bound_at: Mapped[dt.datetime | None] = mapped_column()
    closed_at: Mapped[dt.datetime | None] = mapped_column()  # 注销: personal data erased, statistics kept
    openid: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    unionid: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    # Entered by the branch from the league system's export (issue 36.6): no password until the person
    # claims the account with a code to that phone on first WeChat login.
    preregistered_at: Mapped[dt.datetime | None] = mapped_column()
    claimed_at: Mapped[dt.datetime | None] = mapped_column()
    # 待转出 (seed 002: a committee moves its graduates out): since when, where to (a branch's name, or
    # 离校待接收), by which committee; cleared when a branch accepts the member.
    leaving_at: Mapped[dt.datetime | None] = mapped_column()
    leaving_to: Mapped[str | None] = mapped_column(sa.String(120))
    leaving_by_org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id"))

    branch: Mapped[Organization | None] = relationship(foreign_keys=[branch_id])

    __table_args__ = (
        sa.CheckConstraint("is_volunteer = (volunteer_registered_at IS NOT NULL)", name="volunteer_dated"),
        sa.Index("ix_members_name_id", "name", "id"),  # the member lists' order and keyset paging
        # A name search by its first characters, whatever the database's collation (PostgreSQL's pattern ops).
        sa.Index("ix_members_name_prefix", "name", postgresql_ops={"name": "varchar_pattern_ops"}),
    )


class ApplicationStatus(enum.StrEnum):
    pending = "pending"
    accepted = "accepted"
    rejected = "rejected"
    withdrawn = "withdrawn"


class BranchApplication(TimestampMixin, Base):
    """A request to join (no branch yet) or transfer into a branch; the branch decides."""

    __tablename__ = "branch_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    from_branch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id"))
    status: Mapped[ApplicationStatus] = mapped_column(
        str_enum(ApplicationStatus, "application_status"), default=ApplicationStatus.pending)
    decided_by: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column()
    reason: Mapped[str | None] = mapped_column(sa.String(200))

    member: Mapped[Member] = relationship()
    branch: Mapped[Organization] = relationship(foreign_keys=[branch_id])

    # One open application at a time: a second one would let two branches both accept.
    __table_args__ = (partial_unique("uq_branch_applications_pending", "member_id", where="status = 'pending'"),)

    @property
    def is_transfer(self) -> bool:
        return self.from_branch_id is not None


class IdentityAppeal(TimestampMixin, Base):
    """身份认证: someone whose ID number is already registered proves it is theirs with a photo."""

    __tablename__ = "identity_appeals"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_number_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    name: Mapped[str] = mapped_column(sa.String(30))
    phone_enc: Mapped[str] = mapped_column(sa.Text)
    phone_hash: Mapped[str] = mapped_column(sa.String(64))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    photo_path: Mapped[str | None] = mapped_column(sa.String(255))  # encrypted file; None once deleted
    openid: Mapped[str | None] = mapped_column(sa.String(64), index=True)  # where the appellant is told
    status: Mapped[ApplicationStatus] = mapped_column(
        str_enum(ApplicationStatus, "appeal_status"), default=ApplicationStatus.pending)
    decided_by: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column()
    decision_note: Mapped[str | None] = mapped_column(sa.String(200))
    # The review's safeguards (issue 39.1): the number claimed (encrypted like a member's, shown beside the
    # photo), a name unlike the account's flagged for a second reviewer, and a waiting period in which the
    # account's holder, told in advance, may object before anything is handed over.
    claimed_id_enc: Mapped[str | None] = mapped_column(sa.Text)
    name_differs: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    first_approved_by: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id"))
    first_approved_account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_accounts.id"))
    first_approved_at: Mapped[dt.datetime | None] = mapped_column()
    handover_at: Mapped[dt.datetime | None] = mapped_column(index=True)  # approved: handed over then, unless objected
    objected_at: Mapped[dt.datetime | None] = mapped_column()
    objection_note: Mapped[str | None] = mapped_column(sa.String(200))

    __table_args__ = (partial_unique("uq_identity_appeals_pending", "id_number_hash", where="status = 'pending'"),)
