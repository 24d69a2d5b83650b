"""Registration and hours rates of a sub-tree (the dashboards), from per-organisation counts.

Counting a million members and ten million records on every page view is too slow for a dashboard,
so ``refresh`` writes one ``org_stats`` row per organisation (its own members only) in one
INSERT … SELECT, and ``dashboard`` adds up the rows of a sub-tree. A snapshot older than
``STATS_MAX_AGE_SECONDS`` is refreshed when a dashboard is looked at (in the background when RQ is
configured), and 立即刷新 refreshes at once. The rules (league age, 报到 by scanning or by the
department's pairing, 20 h in the Beijing year)
are the same as everywhere else: this module only counts them.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from models import (
    Member,
    Organization,
    OrgKind,
    OrgStats,
    Project,
    RecordStatus,
    ServiceRecord,
    Team,
    TeamMembership,
    utcnow,
)
from services.kernel.beijing_time import BEIJING
from services.kernel.uow import unit_of_work
from services.organisations import targets
from services.organisations.belonging import paired_branches
from services.organisations.orgs import children_of, in_subtree, subtree_filter, subtree_member_ids
from services.people.members import LEAGUE_END_AGE
from services.reporting import history
from services.volunteering import participation
from services.volunteering.hours import YEAR_TARGET_HOURS, year_minutes

RATE_KEYS = ("volunteers", "reported", "hours_ok")
RATE_LABELS = {"volunteers": "注册志愿者", "reported": "到社区报到", "hours_ok": "年度服务满20小时",
               "activist_volunteers": "入团积极分子注册志愿者"}
COLUMNS = ("members", "volunteers", "reported", "hours_ok", "over_age", "activists", "activist_volunteers",
           "quarter_active", "short_communities")
_LOCK_KEY = 7_240_001  # pg_advisory_xact_lock: one refresh at a time, so two never insert the same rows


@dataclass
class Counts:
    members: int = 0
    volunteers: int = 0
    reported: int = 0
    hours_ok: int = 0
    over_age: int = 0
    activists: int = 0
    activist_volunteers: int = 0
    quarter_active: int = 0      # took part in their own period (seed 000: 每季度至少参加1次; 大学生每学期; 中学生寒暑假)
    short_communities: int = 0   # communities (villages) with fewer than 2 activities this quarter

    def add(self, other: Counts) -> None:
        for name in COLUMNS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def rate(self, key: str) -> float | None:
        """A share of the members in league age (of the activists for theirs); None when there are none
        (not 0 %, not 100 %)."""
        whole = self.activists if key == "activist_volunteers" else self.members
        return getattr(self, key) / whole if whole else None


@dataclass
class Line:
    org_id: int
    name: str
    kind_label: str
    target: float                 # of the registration rate
    target_set: bool = False      # configured for the sub-tree and year, not the seeds' default
    counts: Counts = field(default_factory=Counts)

    def target_of(self, key: str) -> float | None:
        """Which rates carry a target: registration (configurable) and the activists' (100 %)."""
        return {"volunteers": self.target, "activist_volunteers": targets.ACTIVISTS}.get(key)

    def below(self, key: str) -> bool:
        rate, target = self.counts.rate(key), self.target_of(key)
        return rate is not None and target is not None and rate < target


@dataclass
class Dashboard:
    org: Organization
    year: int
    total: Line
    children: list[Line]
    refreshed_at: dt.datetime | None

    def ranked(self, key: str) -> list[Line]:
        return sorted(self.children, key=lambda line: (line.counts.rate(key) is None,
                                                       -(line.counts.rate(key) or 0), line.name))


def percent(rate: float | None, missing: str = "—") -> str:
    """"83.5%"; ``missing`` where there is no rate (no members), never a made-up 0 %."""
    return missing if rate is None else f"{rate * 100:.1f}%"


def current_year(now: dt.datetime | None = None) -> int:
    return (now or utcnow()).astimezone(BEIJING).year


def over_age_cutoff(today: dt.date) -> dt.date:
    """Born on or before this day: 28 or older today (same rule as ``members.league_status``)."""
    year = today.year - LEAGUE_END_AGE
    try:
        return today.replace(year=year)
    except ValueError:  # 29 February
        return dt.date(year, 2, 28)


def over_age_clause(cutoff: dt.date):
    return sa.and_(Member.birth_date <= cutoff, Member.cadre_confirmed_at.is_(None))


def _in_university(session: Session, org: Organization) -> bool:
    ids = [int(part) for part in org.path.strip("/").split("/")]
    kinds = session.scalars(sa.select(Organization.kind).where(Organization.id.in_(ids)))
    return any(kind in targets.UNIVERSITY_KINDS for kind in kinds)


def refresh(session: Session, root: Organization, *, now: dt.datetime | None = None) -> int:
    """Recount every organisation of ``root``'s sub-tree; the number of organisations written."""
    now = now or utcnow()
    year = current_year(now)
    cutoff = over_age_cutoff(now.astimezone(BEIJING).date())
    in_tree = subtree_filter(root)
    minutes = year_minutes(year, subtree_member_ids(root))
    reported = (sa.select(TeamMembership.member_id)
                .where(TeamMembership.is_community, TeamMembership.left_at.is_(None)).subquery())
    paired = paired_branches()
    over = over_age_clause(cutoff)
    activist = Member.activist_since.is_not(None)
    today = now.astimezone(BEIJING).date()
    q_start, q_stop = participation.quarter_of(today).bounds()
    in_quarter = sa.and_(ServiceRecord.status == RecordStatus.approved, ServiceRecord.signin_at >= q_start,
                         ServiceRecord.signin_at < q_stop)
    # Members by their own rule (a quarter; a semester under a university, a holiday under a middle
    # school), as the member list and the member's own page judge them; communities' activities by quarter.
    own, branch_rule = participation.own_periods(session, today), aliased(Organization)
    active = (sa.select(ServiceRecord.member_id).join(Member, Member.id == ServiceRecord.member_id)
              .outerjoin(branch_rule, branch_rule.id == Member.branch_id)
              .where(own.record_counts(sa.func.coalesce(branch_rule.participation_rule, participation.QUARTER))))
    if root.parent_id is not None:  # a district's recount reads its own members' records only (2.7 s against
        active = active.where(in_subtree(root))  # 5.7); for the whole city the check cost 16 s against 12.7
    active = active.group_by(ServiceRecord.member_id).subquery()
    activities = (sa.select(Team.org_id, sa.func.count(sa.distinct(ServiceRecord.project_id)).label("n"))
                  .join(Project, Project.id == ServiceRecord.project_id).join(Team, Team.id == Project.team_id)
                  .where(in_quarter).group_by(Team.org_id).subquery())

    def count(condition):
        return sa.func.sum(sa.case((sa.and_(sa.not_(over), condition), 1), else_=0))

    per_org = (sa.select(Member.branch_id.label("org_id"),
                         sa.func.sum(sa.case((over, 0), else_=1)).label("members"),
                         count(Member.is_volunteer).label("volunteers"),
                         count(sa.or_(reported.c.member_id.is_not(None),
                                      paired.c.branch_id.is_not(None))).label("reported"),
                         count(sa.func.coalesce(minutes.c.minutes, 0) >= YEAR_TARGET_HOURS * 60).label("hours_ok"),
                         sa.func.sum(sa.case((over, 1), else_=0)).label("over_age"),
                         count(activist).label("activists"), count(sa.and_(activist, Member.is_volunteer))
                         .label("activist_volunteers"), count(active.c.member_id.is_not(None)).label("quarter_active"))
               .join(Organization, Member.branch_id == Organization.id).where(in_tree)
               .outerjoin(minutes, minutes.c.member_id == Member.id)
               .outerjoin(reported, reported.c.member_id == Member.id)
               .outerjoin(paired, paired.c.branch_id == Member.branch_id)
               .outerjoin(active, active.c.member_id == Member.id)
               .group_by(Member.branch_id).subquery())
    columns = COLUMNS
    short = sa.case((sa.and_(Organization.kind.in_([OrgKind.community, OrgKind.village]),
                             sa.func.coalesce(activities.c.n, 0) < participation.COMMUNITY_ACTIVITIES_PER_QUARTER), 1),
                    else_=0)
    rows = (sa.select(Organization.id, sa.literal(year), *(sa.func.coalesce(per_org.c[c], 0) for c in columns[:-1]),
                      short, sa.literal(now, OrgStats.refreshed_at.type))
            .outerjoin(per_org, per_org.c.org_id == Organization.id)
            .outerjoin(activities, activities.c.org_id == Organization.id).where(in_tree))
    with unit_of_work(session):
        if session.get_bind().dialect.name == "postgresql":
            session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
            # A recount reads every member and record of the sub-tree: with the deployed SSD cost of a
            # random read (1.1, for the lists' lookups) the planner walked indexes and took twice as long
            # (a city: 15.1 s against 8.3 s with PostgreSQL's default), so this transaction keeps the default.
            session.execute(sa.text("SET LOCAL random_page_cost = 4"))
        session.execute(sa.delete(OrgStats).where(OrgStats.org_id.in_(sa.select(Organization.id).where(in_tree))))
        written = session.execute(sa.insert(OrgStats).from_select(
            ["org_id", "year", *columns, "refreshed_at"], rows)).rowcount
        history.record_day(session, root, now)  # the day's totals, for the trend and the progress table
    return written


def refreshed_at(session: Session, org: Organization) -> dt.datetime | None:
    return session.scalar(sa.select(OrgStats.refreshed_at).where(OrgStats.org_id == org.id))


def short_communities(session: Session, org: Organization) -> list[tuple[Organization, str | None]]:
    """The sub-tree's communities (villages) that held fewer than 2 activities this quarter at the last
    recount, each with its street's name: the list behind the dashboard's 「活动不足2次的社区」."""
    parent = aliased(Organization)
    return [tuple(row) for row in session.execute(
        sa.select(Organization, parent.name).join(OrgStats, OrgStats.org_id == Organization.id)
        .outerjoin(parent, parent.id == Organization.parent_id)
        .where(subtree_filter(org), OrgStats.short_communities > 0).order_by(Organization.path))]


def members_counted(session: Session, org: Organization) -> tuple[int, dt.datetime | None]:
    """The sub-tree's members (league age and over) as the last recount found them, and when: what the
    member list shows as its total, labelled with the time, instead of counting a million rows."""
    total = session.scalar(sa.select(sa.func.coalesce(sa.func.sum(OrgStats.members + OrgStats.over_age), 0))
                           .join(Organization, OrgStats.org_id == Organization.id).where(subtree_filter(org)))
    return int(total), refreshed_at(session, org)


def is_stale(session: Session, org: Organization, max_age_seconds: int, *, now: dt.datetime | None = None) -> bool:
    """Older than ``max_age_seconds``, or counted on an earlier Beijing day: league age and the year's
    hours change at Beijing midnight, and a birthday must show on its day."""
    at, now = refreshed_at(session, org), now or utcnow()
    return (at is None or now - at > dt.timedelta(seconds=max_age_seconds)
            or at.astimezone(BEIJING).date() != now.astimezone(BEIJING).date())


def dashboard(session: Session, org: Organization) -> Dashboard:
    """The sub-tree's totals and one line per direct sub-organisation (its whole sub-tree)."""
    in_university = _in_university(session, org)
    subs = children_of(session, org)
    year = current_year()
    set_here = targets.configured(session, [org, *subs], year)

    def line(o: Organization) -> Line:
        default = targets.default_for(o, in_university)
        return Line(o.id, o.name, o.kind_label, set_here.get(o.id, default), o.id in set_here)

    children = {c.id: line(c) for c in subs}
    total = line(org)
    depth = org.path.count("/") - 1
    year = None
    rows = session.execute(
        sa.select(Organization.path, OrgStats.year, *(getattr(OrgStats, c) for c in COLUMNS))
        .join(OrgStats, OrgStats.org_id == Organization.id).where(subtree_filter(org)))
    for path, row_year, *numbers in rows:
        counts = Counts(*numbers)
        year = row_year
        total.counts.add(counts)
        parts = path.strip("/").split("/")
        if len(parts) > depth:
            line = children.get(int(parts[depth]))
            if line is not None:
                line.counts.add(counts)
    return Dashboard(org=org, year=year or current_year(), total=total, children=list(children.values()),
                     refreshed_at=refreshed_at(session, org))
