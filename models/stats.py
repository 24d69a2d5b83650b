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
    refreshed_at: Mapped[dt.datetime] = mapped_column()
