"""Volunteer teams (青年志愿者服务队) and their memberships (报到)."""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, TimestampMixin, partial_unique, str_enum
from models.org import Organization


class CoordSystem(enum.StrEnum):
    wgs84 = "wgs84"   # GPS, the mini-program's default
    gcj02 = "gcj02"   # Chinese maps (高德, 腾讯)
    bd09 = "bd09"     # 百度


def coord_enum(column: str) -> sa.Enum:
    """Each column gets its own CHECK name: two columns of one table may hold a coordinate system."""
    return str_enum(CoordSystem, column)


SITE_FIELDS = ("site_name", "site_address", "site_lat", "site_lng", "site_coord_system", "site_radius_m")


def site_checks() -> tuple[sa.CheckConstraint, ...]:
    return (
        sa.CheckConstraint("site_radius_m > 0 AND site_radius_m <= 5000", name="radius_range"),
        sa.CheckConstraint("site_lat IS NULL OR (site_lat BETWEEN -90 AND 90)", name="lat_range"),
        sa.CheckConstraint("site_lng IS NULL OR (site_lng BETWEEN -180 AND 180)", name="lng_range"),
    )


class SiteMixin:
    """A service site: where sign-in is checked. Coordinates keep their system (Chinese maps give GCJ-02)."""

    site_name: Mapped[str | None] = mapped_column(sa.String(120))
    site_address: Mapped[str | None] = mapped_column(sa.String(200))
    site_lat: Mapped[float | None] = mapped_column()
    site_lng: Mapped[float | None] = mapped_column()
    site_coord_system: Mapped[CoordSystem] = mapped_column(coord_enum("site_coord_system"),
                                                           default=CoordSystem.gcj02)
    site_radius_m: Mapped[int] = mapped_column(default=300)

    def copy_site_from(self, other: SiteMixin) -> None:
        for name in SITE_FIELDS:
            setattr(self, name, getattr(other, name))


class Team(SiteMixin, TimestampMixin, Base):
    """One per community/village, street and department; ``code`` is the public id in QR scenes and links."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), unique=True)
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    is_community: Mapped[bool] = mapped_column(default=False)  # community or village: "one per member"
    contact_name: Mapped[str | None] = mapped_column(sa.String(50))
    contact_phone: Mapped[str | None] = mapped_column(sa.String(20))
    zyb_team_id: Mapped[str | None] = mapped_column(sa.String(40))    # 志愿北京 志愿团队ID
    zyb_username: Mapped[str | None] = mapped_column(sa.String(60))
    zyb_password_enc: Mapped[str | None] = mapped_column(sa.Text)     # write-only: never shown again
    wechat_qr_ticket: Mapped[str | None] = mapped_column(sa.String(200))
    wechat_qr_url: Mapped[str | None] = mapped_column(sa.String(300))
    # The WeChat group's QR (seed 000: members scan it as the second step), normalised to a small PNG
    # and kept in the database so every app server and the poster workers see the same image. Deferred:
    # loaded only when a poster is drawn, not with every team scan.
    group_qr_png: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)

    org: Mapped[Organization] = relationship()

    __table_args__ = site_checks()


class TeamMembership(TimestampMixin, Base):
    """报到. ``left_at`` set on quit; history stays. ``is_community`` is copied from the team so that the
    database itself can say "at most one active community team per member"."""

    __tablename__ = "team_memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id"), index=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    is_community: Mapped[bool] = mapped_column()
    source: Mapped[str] = mapped_column(sa.String(20))  # scan, link, api, console, demo
    joined_at: Mapped[dt.datetime] = mapped_column()
    left_at: Mapped[dt.datetime | None] = mapped_column()
    # 现场报到: confirmed at the community on its 报到 day by scanning the coordinator's rotating code
    # (issue 38 row 8); joining online alone leaves it empty.
    onsite_confirmed_at: Mapped[dt.datetime | None] = mapped_column()

    team: Mapped[Team] = relationship()

    __table_args__ = (
        partial_unique("uq_team_memberships_active_community", "member_id",
                       where="is_community AND left_at IS NULL"),
        partial_unique("uq_team_memberships_active", "team_id", "member_id", where="left_at IS NULL"),
    )
