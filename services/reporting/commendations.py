"""Year-end commendations (issue 38 row 6; seed 000 对优秀志愿者、志愿组织、志愿项目进行表彰, seed 001 评优):
a committee ranks its sub-tree's volunteers, teams and projects by the year's approved hours and how
often they served, nominates, and exports the list; a member sees an honour on their own pages. A
volunteer must be a registered volunteer with the year's 20 h (the rule that bars 评议 优秀 bars this too)."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import (
    COMMENDATION_LABELS,
    Commendation,
    CommendationKind,
    Member,
    Organization,
    OrgKind,
    Project,
    RecordStatus,
    ServiceRecord,
    Team,
)
from services.kernel import text_bounds
from services.kernel.beijing_time import beijing_today
from services.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from services.kernel.uow import audit, unit_of_work
from services.organisations import orgs
from services.volunteering.hours import YEAR_TARGET_HOURS, beijing_year_bounds
from services.volunteering.reviews import excellent_refusal

CANDIDATES = 50
MAX_NOMINATIONS = 500


@dataclass(frozen=True)
class Candidate:
    kind: CommendationKind
    subject_id: int
    name: str
    where: str           # the branch, the team's organisation, the project's team
    minutes: int         # approved minutes in the year
    times: int           # approved records (a volunteer, a project) or activities held (a team)
    people: int = 0      # distinct members served (a team, a project)
    nominated: bool = False


def _kind(kind: str) -> CommendationKind:
    try:
        return CommendationKind(kind)
    except ValueError:
        raise Invalid("kind", "表彰类别只能是 " + "、".join(COMMENDATION_LABELS.values())) from None


def _year_records(year: int) -> sa.ColumnElement[bool]:
    start, end = beijing_year_bounds(year)
    return sa.and_(ServiceRecord.status == RecordStatus.approved, ServiceRecord.signin_at >= start,
                   ServiceRecord.signin_at < end)


def _team_ids(org: Organization) -> sa.Select:
    return sa.select(Team.id).join(Organization, Organization.id == Team.org_id).where(orgs.subtree_filter(org))


def candidates(session: Session, org: Organization, year: int, kind: str, *, limit: int = CANDIDATES,
               only: int | None = None) -> list[Candidate]:
    """The sub-tree's best of the year by approved hours (then how often), the ones already nominated
    by ``org`` marked; ``only``: that one subject, if it is one."""
    kind = _kind(kind)
    minutes = sa.func.sum(ServiceRecord.duration_minutes)
    subject = {CommendationKind.volunteer: Member.id, CommendationKind.team: Team.id, CommendationKind.project: Project.id}[kind]
    narrowed = subject == only if only is not None else sa.true()
    if kind == CommendationKind.volunteer:
        rows = session.execute(
            sa.select(Member.id, Member.name, Organization.name, minutes, sa.func.count(ServiceRecord.id), sa.literal(0))
            .join(ServiceRecord, ServiceRecord.member_id == Member.id)
            .join(Organization, Organization.id == Member.branch_id)
            .where(_year_records(year), orgs.in_subtree(org), Member.is_volunteer, Member.closed_at.is_(None), narrowed)
            .group_by(Member.id, Member.name, Organization.name)
            .having(minutes >= YEAR_TARGET_HOURS * 60).order_by(minutes.desc(), Member.id).limit(limit)).all()
    elif kind == CommendationKind.team:
        rows = session.execute(
            sa.select(Team.id, Team.name, Organization.name, minutes, sa.func.count(sa.distinct(Project.id)),
                      sa.func.count(sa.distinct(ServiceRecord.member_id)))
            .join(Project, Project.team_id == Team.id).join(ServiceRecord, ServiceRecord.project_id == Project.id)
            .join(Organization, Organization.id == Team.org_id)
            .where(_year_records(year), Team.id.in_(_team_ids(org)), narrowed)
            .group_by(Team.id, Team.name, Organization.name).order_by(minutes.desc(), Team.id).limit(limit)).all()
    else:
        rows = session.execute(
            sa.select(Project.id, Project.title, Team.name, minutes, sa.func.count(ServiceRecord.id),
                      sa.func.count(sa.distinct(ServiceRecord.member_id)))
            .join(Team, Team.id == Project.team_id).join(ServiceRecord, ServiceRecord.project_id == Project.id)
            .where(_year_records(year), Team.id.in_(_team_ids(org)), narrowed)
            .group_by(Project.id, Project.title, Team.name).order_by(minutes.desc(), Project.id).limit(limit)).all()
    chosen = set(session.scalars(sa.select(Commendation.subject_id).where(
        Commendation.year == year, Commendation.kind == kind, Commendation.org_id == org.id)))
    return [Candidate(kind, subject, name, where or "—", int(total or 0), times, people, subject in chosen)
            for subject, name, where, total, times, people in rows]


def _subject(session: Session, org: Organization, year: int, kind: CommendationKind, subject_id: int) -> Candidate:
    """The subject as a candidate of ``org``'s sub-tree, or why not."""
    found = candidates(session, org, year, kind, limit=1, only=subject_id)
    if found:
        return found[0]
    if kind == CommendationKind.volunteer:
        member = session.get(Member, subject_id)
        if member is not None and member.branch_id and orgs.is_within(session, member.branch_id, org.id):
            refusal = excellent_refusal(session, member, year)  # the rule that bars 评议 优秀 bars this too
            if refusal:
                raise Conflict("not_eligible", "不能推荐：" + refusal)
    raise NotFound("not_in_subtree", "只能推荐本组织及下级组织当年有认证服务时长的志愿者、服务队和项目")


def nominate(session: Session, actor_org_id: int, year: int, kind: str, subject_id: int,
             note: str | None = None) -> Commendation:
    kind = _kind(kind)
    this_year = beijing_today().year
    if not 2018 <= year <= this_year:
        raise Invalid("year", f"年度应在2018至{this_year}年之间")
    with unit_of_work(session):
        org = orgs.get_org(session, actor_org_id)
        if org.kind == OrgKind.branch:
            raise Forbidden("branch_cannot", "表彰由团支部以上的团组织推荐")
        candidate = _subject(session, org, year, kind, subject_id)
        if session.scalar(sa.select(Commendation.id).where(
                Commendation.year == year, Commendation.kind == kind, Commendation.org_id == org.id,
                Commendation.subject_id == subject_id)):
            raise Conflict("already_nominated", f"已推荐「{candidate.name}」为{year}年度{COMMENDATION_LABELS[kind]}")
        if session.scalar(sa.select(sa.func.count()).where(Commendation.year == year, Commendation.org_id == org.id)) \
                >= MAX_NOMINATIONS:
            raise Conflict("too_many", f"每年最多推荐 {MAX_NOMINATIONS} 个")
        row = Commendation(year=year, kind=kind, org_id=org.id, subject_id=subject_id, minutes=candidate.minutes,
                           note=text_bounds.note(note))
        session.add(row)
        session.flush()
        audit(session, ("org", actor_org_id), "commendation.nominate", (kind.value, subject_id), year=year)
        return row


def withdraw(session: Session, actor_org_id: int, commendation_id: int) -> Commendation:
    with unit_of_work(session):
        row = session.get(Commendation, commendation_id)
        if row is None or row.org_id != actor_org_id:
            raise NotFound("commendation_not_found", "推荐不存在")
        session.delete(row)
        audit(session, ("org", actor_org_id), "commendation.withdraw", (row.kind.value, row.subject_id), year=row.year)
        return row


@dataclass(frozen=True)
class Nominated:
    row: Commendation
    name: str


def nominated(session: Session, org: Organization, year: int) -> list[Nominated]:
    """``org``'s nominations of the year, by kind then hours."""
    order = list(CommendationKind)
    rows = sorted(session.scalars(sa.select(Commendation).where(Commendation.year == year, Commendation.org_id == org.id)),
                  key=lambda r: (order.index(r.kind), -r.minutes, r.id))
    names = {}
    for kind, model, name in ((CommendationKind.volunteer, Member, Member.name), (CommendationKind.team, Team, Team.name),
                              (CommendationKind.project, Project, Project.title)):
        ids = [r.subject_id for r in rows if r.kind == kind]
        if ids:
            names.update({(kind, i): n for i, n in session.execute(sa.select(model.id, name).where(model.id.in_(ids)))})
    return [Nominated(r, names.get((r.kind, r.subject_id), "—")) for r in rows]


def honours(session: Session, member_id: int) -> list[str]:
    """A member's own honours, for their pages: 「2026年度优秀志愿者（东城区团委推荐）」."""
    rows = session.execute(sa.select(Commendation.year, Organization.name)
                           .join(Organization, Organization.id == Commendation.org_id)
                           .where(Commendation.kind == CommendationKind.volunteer, Commendation.subject_id == member_id)
                           .order_by(Commendation.year.desc(), Organization.path)).all()
    return [f"{year}年度优秀志愿者（{org}推荐）" for year, org in rows]
