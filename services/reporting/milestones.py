"""A campaign's milestones and who has missed them (issue 38 row 4). The notices run on dates (seed 000:
绑定 by 8/18, 报到 days; seed 001: 结对 by 10/26, 开展志愿服务 by 11/30; registration rates published every
two days): the city sets each milestone's date and measure; every committee sees, for its own sub-tree,
the organisations still short of it — before the date as a reminder on its dashboard, after it as
overdue — and exports the list. The measures read the same rows the dashboards do (the last recount
for activities and registration rates)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from models import (
    MEASURE_LABELS,
    Measure,
    Milestone,
    Organization,
    OrgKind,
    OrgStats,
    Pairing,
    PairingStatus,
    Team,
)
from services.kernel.beijing_time import beijing_today
from services.kernel.errors import Forbidden, Invalid, NotFound
from services.kernel.uow import audit, unit_of_work
from services.organisations import orgs, targets

REMIND_DAYS = 7  # a milestone shows on the dashboards of those short of it this many days before its date
COMMUNITIES = (OrgKind.community, OrgKind.village)


def _measure(measure: str) -> Measure:
    try:
        return Measure(measure)
    except ValueError:
        raise Invalid("measure", "请选择考核内容") from None


def create(session: Session, actor_org_id: int, name: str, due_on: dt.date, measure: str) -> Milestone:
    name = (name or "").strip()
    if not 2 <= len(name) <= 60:
        raise Invalid("name", "节点名称应为2至60个字")
    measure = _measure(measure)
    with unit_of_work(session):
        if orgs.get_org(session, actor_org_id).kind != OrgKind.city:
            raise Forbidden("city_only", "工作节点由团市委设置")
        row = Milestone(name=name, due_on=due_on, measure=measure, org_id=actor_org_id)
        session.add(row)
        session.flush()
        audit(session, ("org", actor_org_id), "milestone.create", ("milestone", row.id), due_on=due_on.isoformat(),
              measure=measure.value)
        return row


def remove(session: Session, actor_org_id: int, milestone_id: int) -> Milestone:
    with unit_of_work(session):
        row = session.get(Milestone, milestone_id)
        if row is None or row.org_id != actor_org_id:
            raise NotFound("milestone_not_found", "工作节点不存在")
        session.delete(row)
        audit(session, ("org", actor_org_id), "milestone.remove", ("milestone", milestone_id))
        return row


def all_milestones(session: Session) -> list[Milestone]:
    return list(session.scalars(sa.select(Milestone).order_by(Milestone.due_on, Milestone.id)))


def get(session: Session, milestone_id: int) -> Milestone:
    row = session.get(Milestone, milestone_id)
    if row is None:
        raise NotFound("milestone_not_found", "工作节点不存在")
    return row


@dataclass(frozen=True)
class Short:
    org: Organization
    why: str                 # what is missing, in the coordinator's words
    parent_name: str | None


def short_of(session: Session, milestone: Milestone, org: Organization) -> list[Short]:
    """The organisations of ``org``'s sub-tree still short of the milestone, in the tree's order."""
    parent = aliased(Organization)
    base = (sa.select(Organization, parent.name).outerjoin(parent, parent.id == Organization.parent_id)
            .where(orgs.subtree_filter(org)).order_by(Organization.path))
    measure = milestone.measure
    if measure in (Measure.community_contact, Measure.community_zyb):
        missing = (sa.or_(Team.contact_name.is_(None), Team.contact_phone.is_(None))
                   if measure == Measure.community_contact else Team.zyb_team_id.is_(None))
        rows = session.execute(base.join(Team, Team.org_id == Organization.id)
                               .where(Organization.kind.in_(COMMUNITIES), missing)).all()
        return [Short(o, MEASURE_LABELS[measure], p) for o, p in rows]
    if measure == Measure.department_paired:
        paired = sa.select(Pairing.department_id).where(Pairing.status == PairingStatus.accepted)
        rows = session.execute(base.where(Organization.kind == OrgKind.department, Organization.id.not_in(paired))).all()
        return [Short(o, MEASURE_LABELS[measure], p) for o, p in rows]
    if measure == Measure.community_activities:
        rows = session.execute(base.join(OrgStats, OrgStats.org_id == Organization.id)
                               .where(Organization.kind.in_(COMMUNITIES), OrgStats.short_communities > 0)).all()
        return [Short(o, MEASURE_LABELS[measure], p) for o, p in rows]
    # branch_registration: the branch's own rate at the last recount against its target for the year
    rows = session.execute(base.add_columns(OrgStats.members, OrgStats.volunteers)
                           .join(OrgStats, OrgStats.org_id == Organization.id)
                           .where(Organization.kind == OrgKind.branch, OrgStats.members > 0)).all()
    year = milestone.due_on.year
    set_here = targets.configured(session, [o for o, *_ in rows], year)
    found = []
    for branch, parent_name, members, volunteers in rows:
        target = set_here.get(branch.id, targets.default_for(branch, branch.participation_rule == "semester"))
        if volunteers / members < target:
            found.append(Short(branch, f"注册志愿者率 {volunteers / members:.1%}，目标 {target:.0%}", parent_name))
    return found


@dataclass(frozen=True)
class Standing:
    milestone: Milestone
    short: int
    overdue: bool            # its date has passed
    days_left: int

    @property
    def label(self) -> str:
        return MEASURE_LABELS[self.milestone.measure]


def standings(session: Session, org: Organization, *, today: dt.date | None = None,
              only_near: bool = False) -> list[Standing]:
    """Each milestone with how many of ``org``'s sub-tree are short of it; ``only_near``: those due within
    REMIND_DAYS or past due and still short (the dashboard's reminder)."""
    today = today or beijing_today()
    found = []
    for milestone in all_milestones(session):
        days_left = (milestone.due_on - today).days
        if only_near and days_left > REMIND_DAYS:
            continue
        short = len(short_of(session, milestone, org))
        if only_near and not short:
            continue
        found.append(Standing(milestone, short, days_left < 0, days_left))
    return found
