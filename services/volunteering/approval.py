"""Approval of hours: only approved records count (DESIGN.md).

The team's organisation (or any above it) or a timekeeper department named on the project approves
or rejects one record, a selection, or all pending of a project; every decision is audited. An
edited duration keeps the original and the reason. Flags help the approver spot what to look at.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

import geo
from models import Member, Organization, Project, ProjectTimekeeper, RecordStatus, ServiceRecord, Team, utcnow
from services.kernel import text_bounds
from services.kernel.errors import Forbidden, Invalid
from services.kernel.uow import audit, unit_of_work
from services.organisations import orgs
from services.volunteering import participation
from services.volunteering.projects import get_project, is_timekeeper

logger = logging.getLogger(__name__)

LONG_SESSION_MINUTES = 12 * 60
FLAG_LABELS = {
    "under_1min": "服务时长不足1分钟",
    "over_12h": "单次服务超过12小时",
    "far_signout": "签退位置与签到位置相距较远",
    "shared_coordinates": "同一分钟内多人从完全相同的坐标签到",
}


@dataclass
class DecisionResult:
    decided: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)  # record id → why


def can_approve(session: Session, actor_org_id: int, project: Project) -> bool:
    """The team's organisation or one above it, a named timekeeper, or the organisation that runs the
    activity on the team's ground (``proposals``) or one above it."""
    return (orgs.is_within(session, project.team.org_id, actor_org_id)
            or is_timekeeper(session, actor_org_id, project.id)
            or (project.proposed_by_org_id is not None
                and orgs.is_within(session, project.proposed_by_org_id, actor_org_id)))


def require_approver(session: Session, actor_org_id: int, project: Project) -> None:
    if not can_approve(session, actor_org_id, project):
        raise Forbidden("not_approver", "只有项目所属组织、其上级、活动主办单位或指定的计时员可以审核时长")


def decision_note(approve: bool, note: str | None) -> str | None:
    """A rejection says why (records and correction requests alike): the member sees the reason beside
    the record, and may ask to correct it."""
    return text_bounds.note(note, required=None if approve else "驳回须填写原因（团员会看到）")


def _decide(session: Session, actor_org_id: int, records: list[ServiceRecord], approve: bool,
            note: str | None) -> DecisionResult:
    note = decision_note(approve, note)
    result = DecisionResult()
    status = RecordStatus.approved if approve else RecordStatus.rejected
    checked: set[int] = set()
    for record in records:
        if record.project_id not in checked:
            require_approver(session, actor_org_id, record.project)
            checked.add(record.project_id)
    now = utcnow()
    for record in records:
        if record.status != RecordStatus.pending:
            result.skipped[record.id] = record.status.value
            continue
        record.status, record.decided_by_org_id, record.decided_at = status, actor_org_id, now
        record.decision_note = note
        if approve:  # where it was served decides whether it counts for the member's period
            record.at_own_place = participation.at_own_place(session, session.get(Member, record.member_id),
                                                             record.project)
        audit(session, ("org", actor_org_id), "record." + status.value, ("service_record", record.id),
              minutes=record.duration_minutes, member=record.member_id)
        result.decided.append(record.id)
    return result


def decide_records(session: Session, actor_org_id: int, record_ids: list[int], approve: bool,
                   note: str | None = None) -> DecisionResult:
    """One or a selection. Records not pending are skipped and reported; a foreign record refuses all."""
    if not record_ids:
        raise Invalid("no_records", "请选择要审核的记录")
    decision_note(approve, note)  # said before any row is locked
    with unit_of_work(session):
        records = list(session.scalars(sa.select(ServiceRecord).where(ServiceRecord.id.in_(set(record_ids)))
                                       .order_by(ServiceRecord.id).with_for_update()))
        result = _decide(session, actor_org_id, records, approve, note)
        for missing in sorted(set(record_ids) - {r.id for r in records}):
            result.skipped[missing] = "not_found"
        return result


def decide_all_pending(session: Session, actor_org_id: int, project_id: int, approve: bool,
                       note: str | None = None) -> DecisionResult:
    with unit_of_work(session):
        project = get_project(session, project_id)
        require_approver(session, actor_org_id, project)
        records = list(session.scalars(sa.select(ServiceRecord).where(
            ServiceRecord.project_id == project.id, ServiceRecord.status == RecordStatus.pending)
            .order_by(ServiceRecord.id).with_for_update()))
        return _decide(session, actor_org_id, records, approve, note)


def flags_for(session: Session, records: list[ServiceRecord]) -> dict[int, list[str]]:
    """Flag codes per record id; FLAG_LABELS has the Chinese text."""
    flags: dict[int, list[str]] = defaultdict(list)
    for record in records:
        if record.signout_at is not None and record.signout_at - record.signin_at < dt.timedelta(minutes=1):
            flags[record.id].append("under_1min")  # a sign-in and sign-out in one go: signed by mistake?
        if (record.duration_minutes or 0) > LONG_SESSION_MINUTES:
            flags[record.id].append("over_12h")
        if record.signout_lat is not None and record.signin_lat is not None:
            signout = geo.convert(record.signout_lat, record.signout_lng, record.signout_coord_system.value,
                                  record.signin_coord_system.value)
            if geo.distance_m((record.signin_lat, record.signin_lng), signout) > record.project.site_radius_m:
                flags[record.id].append("far_signout")
    # Identical coordinates from different members in one minute suggest one phone signing for several.
    project_ids = {r.project_id for r in records}
    if project_ids:
        groups: dict[tuple, set[int]] = defaultdict(set)
        members: dict[tuple, set[int]] = defaultdict(set)
        rows = session.execute(sa.select(ServiceRecord.id, ServiceRecord.member_id, ServiceRecord.project_id,
                                         ServiceRecord.signin_lat, ServiceRecord.signin_lng, ServiceRecord.signin_at)
                               .where(ServiceRecord.project_id.in_(project_ids),
                                      ServiceRecord.signin_lat.is_not(None)))
        for rid, member_id, project_id, lat, lng, at in rows:
            key = (project_id, round(lat, 6), round(lng, 6), at.replace(second=0, microsecond=0))
            groups[key].add(rid)
            members[key].add(member_id)
        wanted = {r.id for r in records}
        for key, ids in groups.items():
            if len(members[key]) > 1:
                for rid in ids & wanted:
                    flags[rid].append("shared_coordinates")
    return dict(flags)


def pending_for_project(session: Session, actor_org_id: int, project_id: int) -> list[tuple[ServiceRecord, list[str]]]:
    project = get_project(session, project_id)
    require_approver(session, actor_org_id, project)
    records = list(session.scalars(sa.select(ServiceRecord).where(
        ServiceRecord.project_id == project.id,
        ServiceRecord.status.in_([RecordStatus.pending, RecordStatus.missing_signout]))
        .order_by(ServiceRecord.signin_at)))
    flags = flags_for(session, records)
    return [(record, flags.get(record.id, [])) for record in records]


def approvable_project_ids(session: Session, actor_org_id: int) -> sa.Select:
    """The projects whose hours this organisation approves: its sub-tree's, those it keeps time for, and
    those it (or one below it) runs on another team's ground."""
    actor, below = orgs.get_org(session, actor_org_id), sa.orm.aliased(Organization)
    return (sa.select(Project.id).join(Team, Project.team_id == Team.id)
            .join(Organization, Team.org_id == Organization.id)
            .where(sa.or_(orgs.subtree_filter(actor), Project.id.in_(
                sa.select(ProjectTimekeeper.project_id).where(ProjectTimekeeper.org_id == actor_org_id)),
                Project.proposed_by_org_id.in_(sa.select(below.id).where(below.path.startswith(actor.path,
                                                                                              autoescape=True))))))


def projects_awaiting(session: Session, actor_org_id: int, limit: int = 200) -> list[tuple[Project, int]]:
    """Projects this organisation may approve that have records waiting, with how many, the
    longest-waiting first."""
    waiting = sa.func.count(ServiceRecord.id)
    return [(project, count) for project, count in session.execute(
        sa.select(Project, waiting).join(ServiceRecord, ServiceRecord.project_id == Project.id)
        .where(Project.id.in_(approvable_project_ids(session, actor_org_id)),
               ServiceRecord.status.in_([RecordStatus.pending, RecordStatus.missing_signout]))
        .group_by(Project.id).order_by(sa.func.min(ServiceRecord.signin_at)).limit(limit))]
