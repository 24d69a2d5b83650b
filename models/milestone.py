"""A campaign's milestones (issue 38 row 4; the notices run on dates: binding by 8/18, pairing by 10/26,
activities by 11/30, registration rates published every two days): set by the city, each with a date
and the measure that says who is overdue."""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, TimestampMixin, str_enum


class Measure(enum.StrEnum):
    community_contact = "community_contact"        # a community (village) team without a contact
    community_zyb = "community_zyb"                # ... not bound to its 志愿北京 team
    department_paired = "department_paired"        # a department not paired with a street
    community_activities = "community_activities"  # a community with fewer than 2 activities this quarter
    branch_registration = "branch_registration"    # a branch under its registration target


MEASURE_LABELS = {Measure.community_contact: "社区（村）服务队未确定联系人",
                  Measure.community_zyb: "社区（村）服务队未绑定志愿北京账号",
                  Measure.department_paired: "院系未与街道（乡镇）结对",
                  Measure.community_activities: "社区（村）本季度组织活动不足2次",
                  Measure.branch_registration: "团支部注册志愿者率未达目标"}


class Milestone(TimestampMixin, Base):
    __tablename__ = "milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    due_on: Mapped[dt.date] = mapped_column()
    measure: Mapped[Measure] = mapped_column(str_enum(Measure, "milestone_measure"))
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"))  # who set it (the city)
