"""团员评议 results (seed 000: 按照规定组织好每年的团员评议工作，并及时将评议工作开展情况录入), one per
member and year, and the year's closing per branch (after which the results stand)."""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, TimestampMixin, str_enum


class ReviewResult(enum.StrEnum):
    excellent = "excellent"        # 优秀
    qualified = "qualified"        # 合格
    basic = "basic"                # 基本合格
    unqualified = "unqualified"    # 不合格


REVIEW_LABELS = {ReviewResult.excellent: "优秀", ReviewResult.qualified: "合格", ReviewResult.basic: "基本合格",
                 ReviewResult.unqualified: "不合格"}


class LeagueReview(TimestampMixin, Base):
    __tablename__ = "league_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    year: Mapped[int] = mapped_column()
    result: Mapped[ReviewResult] = mapped_column(str_enum(ReviewResult, "review_result"))
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    recorded_at: Mapped[dt.datetime] = mapped_column()

    __table_args__ = (sa.UniqueConstraint("member_id", "year", name="uq_league_reviews_member_year"),)


class ReviewYear(Base):
    """A branch's 评议 of a year, closed: its results can no longer be changed."""

    __tablename__ = "review_years"

    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    closed_at: Mapped[dt.datetime] = mapped_column()
