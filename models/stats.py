"""Per-organisation counts behind the dashboards (统计), refreshed from the members and records.

A row counts the members whose own organisation is ``org_id`` (not its sub-tree): a dashboard adds
up the rows of a sub-tree, which is a few thousand small rows even for the whole city, instead of
scanning a million members and ten million service records on every page view.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class OrgStats(Base):
    __tablename__ = "org_stats"

    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), primary_key=True)
    year: Mapped[int] = mapped_column()                 # the Beijing year of the hours column
    members: Mapped[int] = mapped_column(default=0)     # within league age (or confirmed cadres)
    volunteers: Mapped[int] = mapped_column(default=0)  # of those: registered volunteers
    reported: Mapped[int] = mapped_column(default=0)    # of those: in a community team (报到)
    hours_ok: Mapped[int] = mapped_column(default=0)    # of those: ≥ 20 approved hours this year
    over_age: Mapped[int] = mapped_column(default=0)    # 超龄: counted apart from the rates
    activists: Mapped[int] = mapped_column(default=0)   # 入团积极分子 (in league age)
    activist_volunteers: Mapped[int] = mapped_column(default=0)  # of those: registered volunteers (target 100 %)
    quarter_active: Mapped[int] = mapped_column(default=0)  # in league age, an approved record this Beijing quarter
    short_communities: Mapped[int] = mapped_column(default=0)  # 1 for a community (village) with < 2 activities this quarter
    refreshed_at: Mapped[dt.datetime] = mapped_column()


class RateTarget(Base):
    """A registration-rate target set for a sub-tree and year, overriding the seeds' defaults (95 % for
    university branches, 90 % elsewhere): Tianjin's 50 / 75 / 95 % by year (seed 003), Anhui's 90 % for
    universities (seed 004). The nearest organisation above with a target for the year wins."""

    __tablename__ = "rate_targets"

    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    target: Mapped[float] = mapped_column()

    __table_args__ = (sa.CheckConstraint("target > 0 AND target <= 1", name="target_share"),)


class OrgStatsDay(Base):
    """An organisation's whole sub-tree on a Beijing day, as its dashboard showed it (issue 38 row 5):
    the trend on the dashboard and the progress table published every two days (seeds 001, 003 定期公布)
    read these, never a recount. Kept for every organisation that has others under it (not branches)."""

    __tablename__ = "org_stats_days"

    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(primary_key=True)
    members: Mapped[int] = mapped_column(default=0)
    volunteers: Mapped[int] = mapped_column(default=0)
    reported: Mapped[int] = mapped_column(default=0)
    hours_ok: Mapped[int] = mapped_column(default=0)
    quarter_active: Mapped[int] = mapped_column(default=0)
    recorded_at: Mapped[dt.datetime] = mapped_column()

    __table_args__ = (sa.Index("ix_org_stats_days_day", "day"),)
