"""Organisation tree (团组织), console accounts and registration codes (注册码)."""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, TimestampMixin, str_enum


class OrgKind(enum.StrEnum):
    city = "city"                # 团市委
    district = "district"        # 团区委
    sector = "sector"            # 战线团工委
    industry = "industry"        # 行业团工委
    street = "street"            # 街道团工委
    town = "town"                # 乡镇团委
    community = "community"      # 社区团组织
    village = "village"          # 村团组织
    university = "university"    # 高校团委
    department = "department"    # 院系团委
    school = "school"            # 中学团委
    company = "company"          # 企业团委
    agency = "agency"            # 机关团委
    branch = "branch"            # 团支部


ORG_KIND_LABELS = {
    OrgKind.city: "团市委", OrgKind.district: "团区委", OrgKind.sector: "战线团工委",
    OrgKind.industry: "行业团工委", OrgKind.street: "街道团工委", OrgKind.town: "乡镇团委",
    OrgKind.community: "社区团组织", OrgKind.village: "村团组织", OrgKind.university: "高校团委",
    OrgKind.department: "院系团委", OrgKind.school: "中学团委", OrgKind.company: "企业团委",
    OrgKind.agency: "机关团委", OrgKind.branch: "团支部",
}


class StreetCategory(enum.StrEnum):
    urban = "urban"          # 城区
    suburban = "suburban"    # 郊区


class Organization(TimestampMixin, Base):
    """One 团组织. ``path`` ("/1/4/17/") makes "the whole sub-tree" one indexed prefix query."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[OrgKind] = mapped_column(str_enum(OrgKind, "org_kind"))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    path: Mapped[str] = mapped_column(sa.String(400), default="/", index=True)
    category: Mapped[StreetCategory | None] = mapped_column(str_enum(StreetCategory, "street_category"))
    is_provisional: Mapped[bool] = mapped_column(default=False)  # "××社区团组织（筹）"
    pairing_capacity: Mapped[int | None] = mapped_column()  # streets only, set by the city; None: the category's cap
    contact_name: Mapped[str | None] = mapped_column(sa.String(50))
    contact_phone: Mapped[str | None] = mapped_column(sa.String(20))  # an office line, public by purpose
    # How often its members should take part (seed 000): a quarter; a semester under a university or a
    # department; each winter and summer holiday under a middle school. Fixed where the organisation sits,
    # set when it is created (orgs._create), read by every list of many members in one join.
    participation_rule: Mapped[str] = mapped_column(sa.String(10), default="quarter", server_default="quarter")

    parent: Mapped[Organization | None] = relationship(remote_side=[id])
    accounts: Mapped[list[OrgAccount]] = relationship(back_populates="org", order_by="OrgAccount.id")

    __table_args__ = (
        sa.CheckConstraint("pairing_capacity IS NULL OR pairing_capacity > 0", name="capacity_positive"),
        # The sub-tree's prefix, whatever the database's collation (the plain index above serves the order).
        sa.Index("ix_organizations_path_prefix", "path", postgresql_ops={"path": "varchar_pattern_ops"}),
    )

    @property
    def kind_label(self) -> str:
        return ORG_KIND_LABELS[self.kind]


class StaffRole(enum.StrEnum):
    shared = "shared"            # the organisation's one shared login of old: works until it has an admin
    admin = "admin"              # 管理员: manages the organisation's people, and everything a coordinator does
    coordinator = "coordinator"  # 协调员: teams, projects, members
    timekeeper = "timekeeper"    # 计时员: hours only
    viewer = "viewer"            # 只读: dashboards and lists


STAFF_ROLE_LABELS = {StaffRole.shared: "组织账号（共用）", StaffRole.admin: "管理员", StaffRole.coordinator: "协调员",
                     StaffRole.timekeeper: "计时员", StaffRole.viewer: "只读"}


class OrgAccount(TimestampMixin, Base):
    """A console login of an organisation: a person (name, phone + password, role), or the organisation's
    shared account of old (用户名 + 密码), which retires when the organisation has a personal admin."""

    __tablename__ = "org_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    username: Mapped[str] = mapped_column(sa.String(50), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column()
    last_login_at: Mapped[dt.datetime | None] = mapped_column()
    role: Mapped[StaffRole] = mapped_column(str_enum(StaffRole, "staff_role"), default=StaffRole.shared,
                                            server_default=StaffRole.shared.value)
    name: Mapped[str | None] = mapped_column(sa.String(30))          # a person's; None on a shared account
    phone_enc: Mapped[str | None] = mapped_column(sa.Text)           # a person's login and SMS reset
    phone_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    disabled_at: Mapped[dt.datetime | None] = mapped_column()        # by the admin, a superior, or retirement

    org: Mapped[Organization] = relationship(back_populates="accounts")

    @property
    def role_label(self) -> str:
        return STAFF_ROLE_LABELS[self.role]

    @property
    def display_name(self) -> str:
        return self.name or self.username


class StaffInvitation(TimestampMixin, Base):
    """A one-time way in for a new person of an organisation (``purpose`` "join", with a role) or back in
    for one who lost their password (``purpose`` "reset", set by a superior): a link and a short code,
    both kept only as hashes, single use, a week."""

    __tablename__ = "staff_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    purpose: Mapped[str] = mapped_column(sa.String(10), default="join")
    role: Mapped[StaffRole] = mapped_column(str_enum(StaffRole, "staff_role"))
    name: Mapped[str | None] = mapped_column(sa.String(30))
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_accounts.id"))   # "reset": whose
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("org_accounts.id"))
    expires_at: Mapped[dt.datetime] = mapped_column()
    used_at: Mapped[dt.datetime | None] = mapped_column()
    used_by: Mapped[int | None] = mapped_column(sa.ForeignKey("org_accounts.id"))
    revoked_at: Mapped[dt.datetime | None] = mapped_column()


class RegistrationCode(TimestampMixin, Base):
    """Single use: ``used_by_org_id`` is unique and set by one conditional UPDATE."""

    __tablename__ = "registration_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    issuer_org_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    used_by_org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id"), unique=True)
    used_at: Mapped[dt.datetime | None] = mapped_column()
    revoked_at: Mapped[dt.datetime | None] = mapped_column()

    __table_args__ = (
        sa.CheckConstraint("(used_by_org_id IS NULL) = (used_at IS NULL)", name="used_consistent"),
    )
