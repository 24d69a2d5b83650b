"""Fixing a record's times: an approver (the project's coordinator or timekeeper) edits them with a
reason, or a member asks (更正) and the approver accepts or refuses. Either way the first recorded
times stay on the record (and every change in the audit trail), and the record goes back to waiting
for approval; a missing sign-out is resolved this way, then approved or rejected."""
from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import CorrectionRequest, CorrectionStatus, RecordStatus, ServiceRecord, utcnow
from services.kernel.beijing_time import BEIJING
from services.kernel.errors import Conflict, Invalid, NotFound
from services.kernel.uow import audit, unit_of_work
from services.volunteering.approval import approvable_project_ids, decision_note, require_approver
from services.volunteering.checkin import MISSING_AFTER, SIGNIN_EARLY
from services.volunteering.records import own_record

logger = logging.getLogger(__name__)

MAX_SESSION = dt.timedelta(hours=24)


def _check_times(session: Session, record: ServiceRecord, signin_at: dt.datetime, signout_at: dt.datetime) -> None:
    for value in (signin_at, signout_at):
        if not isinstance(value, dt.datetime) or value.tzinfo is None:
            raise Invalid("time", "请填写带时区的签到和签退时间")
    if signout_at <= signin_at:
        raise Invalid("time", "签退时间应晚于签到时间")
    if signout_at - signin_at > MAX_SESSION:
        raise Invalid("time", "单次服务不能超过24小时")
    if signout_at > utcnow():
        raise Invalid("time", "签退时间不能晚于现在")
    project = record.project
    if not project.is_long_term and (signin_at < project.starts_at - SIGNIN_EARLY
                                     or signout_at > project.ends_at + MISSING_AFTER):
        raise Invalid("time", "更正的时间应在项目时间范围内")
    # A long-term project has no dates: a visit is fixed on the Beijing day it was first recorded, so an
    # edit cannot carry it into another day, quarter or year (issue 38 row 9: a 12-06 record moved to 09-30).
    first = (record.original_signin_at or record.signin_at).astimezone(BEIJING).date()
    if project.is_long_term and signin_at.astimezone(BEIJING).date() != first:
        raise Invalid("time", f"长期项目的时间只能在原签到当天（{first.month}月{first.day}日，北京时间）内更正")
    overlapping = session.scalar(sa.select(ServiceRecord.id).where(
        ServiceRecord.member_id == record.member_id, ServiceRecord.id != record.id,
        ServiceRecord.status.not_in([RecordStatus.rejected]),
        ServiceRecord.signin_at < signout_at,
        sa.func.coalesce(ServiceRecord.signout_at, ServiceRecord.signin_at) > signin_at))
    if overlapping:
        raise Invalid("overlap", "更正后的时间与你的其他服务记录重叠")


EDITABLE = (RecordStatus.pending, RecordStatus.missing_signout)


def _reason(reason: str | None, what: str) -> str:
    reason = (reason or "").strip()
    if not 2 <= len(reason) <= 200:
        raise Invalid("reason", f"请填写{what}原因（2至200字）")
    return reason


def _rewrite(record: ServiceRecord, signin_at: dt.datetime, signout_at: dt.datetime, reason: str) -> dict:
    """New times on the record, its first ones kept; back to waiting for approval. What it was before."""
    before = {"status": record.status.value, "signin_at": record.signin_at.isoformat(),
              "signout_at": record.signout_at.isoformat() if record.signout_at else None,
              "duration_minutes": record.duration_minutes}
    if record.original_signin_at is None:
        record.original_signin_at, record.original_signout_at = record.signin_at, record.signout_at
        record.original_duration_minutes = record.duration_minutes
    record.signin_at, record.signout_at = signin_at, signout_at
    record.duration_minutes = int((signout_at - signin_at).total_seconds() // 60)
    record.edit_reason = reason[:200]
    record.status, record.decided_by_org_id, record.decided_at = RecordStatus.pending, None, None
    return before


def edit_times(session: Session, actor_org_id: int, record_id: int, signin_at: dt.datetime,
               signout_at: dt.datetime, reason: str) -> ServiceRecord:
    """The approver's own fix, before approval: wrong times, or a sign-out that never came."""
    reason = _reason(reason, "修改")
    with unit_of_work(session):
        record = session.get(ServiceRecord, record_id, with_for_update=True)
        if record is None:
            raise NotFound("record_not_found", "记录不存在")
        require_approver(session, actor_org_id, record.project)
        if record.status not in EDITABLE:
            raise Conflict("not_editable", "只有待审核或缺少签退的记录可以修改时间")
        _check_times(session, record, signin_at, signout_at)
        before = _rewrite(record, signin_at, signout_at, reason)
        audit(session, ("org", actor_org_id), "record.edit", ("service_record", record.id), before=before,
              reason=reason)
        return record


def request_correction(session: Session, member_id: int, record_id: int, signin_at: dt.datetime,
                       signout_at: dt.datetime, reason: str) -> CorrectionRequest:
    reason = _reason(reason, "更正")
    with unit_of_work(session):
        record = own_record(session, member_id, record_id)
        if record.status == RecordStatus.open:
            raise Conflict("still_open", "请先签退，再申请更正")
        if session.scalar(sa.select(CorrectionRequest.id).where(
                CorrectionRequest.record_id == record.id, CorrectionRequest.status == CorrectionStatus.pending)):
            raise Conflict("correction_pending", "该记录已有待处理的更正申请")
        _check_times(session, record, signin_at, signout_at)
        request = CorrectionRequest(record_id=record.id, member_id=member_id, signin_at=signin_at,
                                    signout_at=signout_at, reason=reason)
        session.add(request)
        session.flush()
        audit(session, ("member", member_id), "correction.request", ("service_record", record.id))
        return request


def decide_correction(session: Session, actor_org_id: int, request_id: int, accept: bool,
                      note: str | None = None) -> CorrectionRequest:
    with unit_of_work(session):
        request = session.get(CorrectionRequest, request_id, with_for_update=True)
        if request is None:
            raise NotFound("correction_not_found", "更正申请不存在")
        record = request.record
        require_approver(session, actor_org_id, record.project)
        if request.status != CorrectionStatus.pending:
            raise Conflict("already_decided", "该更正申请已处理")
        note = decision_note(accept, note)
        request.status = CorrectionStatus.accepted if accept else CorrectionStatus.refused
        request.decided_by_org_id, request.decided_at = actor_org_id, utcnow()
        request.decision_note = note
        if accept:
            _check_times(session, record, request.signin_at, request.signout_at)
            original = _rewrite(record, request.signin_at, request.signout_at, "更正：" + request.reason)
            audit(session, ("org", actor_org_id), "correction.accept", ("service_record", record.id),
                  original=original, request=request.id)
        else:
            audit(session, ("org", actor_org_id), "correction.refuse", ("service_record", record.id),
                  request=request.id)
        return request


def latest_by_record(session: Session, record_ids: list[int]) -> dict[int, CorrectionRequest]:
    """Each record's newest correction request: the member sees it waiting, or how it was decided."""
    latest: dict[int, CorrectionRequest] = {}
    if not record_ids:
        return latest
    for request in session.scalars(sa.select(CorrectionRequest).where(CorrectionRequest.record_id.in_(record_ids))
                                   .order_by(CorrectionRequest.id)):
        latest[request.record_id] = request
    return latest


def pending_for(session: Session, actor_org_id: int, limit: int = 200) -> list[CorrectionRequest]:
    """Members' requests waiting for this organisation (the projects whose hours it approves), oldest first."""
    return list(session.scalars(sa.select(CorrectionRequest).join(
        ServiceRecord, CorrectionRequest.record_id == ServiceRecord.id).where(
        CorrectionRequest.status == CorrectionStatus.pending,
        ServiceRecord.project_id.in_(approvable_project_ids(session, actor_org_id)))
        .order_by(CorrectionRequest.created_at, CorrectionRequest.id).limit(limit)))


def decision_notice(request: CorrectionRequest) -> str:
    """What the member is told when their request is decided."""
    from services.kernel.beijing_time import BEIJING

    record = request.record
    day = record.signin_at.astimezone(BEIJING).strftime("%m月%d日")
    if request.status == CorrectionStatus.accepted:
        said = "已通过，服务时间已更正，等待时长审核"
    else:
        said = "未通过" + (f"：{request.decision_note}" if request.decision_note else "")
    return f"你在「{record.project.title}」{day}服务记录的更正申请{said}。可在“我的服务记录”查看。"
