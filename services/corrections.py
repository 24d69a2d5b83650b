"""Correction requests (更正): a member asks to fix a record's times with a reason; an approver
accepts or refuses. Accepting rewrites the times, sends the record back for approval, and keeps
the original values in the audit trail."""
from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import CorrectionRequest, CorrectionStatus, RecordStatus, ServiceRecord, utcnow
from services.approval import require_approver
from services.checkin import MISSING_AFTER, SIGNIN_EARLY
from services.errors import Conflict, Invalid, NotFound
from services.uow import audit, unit_of_work

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
    overlapping = session.scalar(sa.select(ServiceRecord.id).where(
        ServiceRecord.member_id == record.member_id, ServiceRecord.id != record.id,
        ServiceRecord.status.not_in([RecordStatus.rejected]),
        ServiceRecord.signin_at < signout_at,
        sa.func.coalesce(ServiceRecord.signout_at, ServiceRecord.signin_at) > signin_at))
    if overlapping:
        raise Invalid("overlap", "更正后的时间与你的其他服务记录重叠")


def request_correction(session: Session, member_id: int, record_id: int, signin_at: dt.datetime,
                       signout_at: dt.datetime, reason: str) -> CorrectionRequest:
    reason = (reason or "").strip()
    if not 2 <= len(reason) <= 200:
        raise Invalid("reason", "请填写更正原因（2至200字）")
    with unit_of_work(session):
        record = session.get(ServiceRecord, record_id)
        if record is None or record.member_id != member_id:
            raise NotFound("record_not_found", "记录不存在")
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
        request.status = CorrectionStatus.accepted if accept else CorrectionStatus.refused
        request.decided_by_org_id, request.decided_at = actor_org_id, utcnow()
        request.decision_note = (note or "").strip()[:200] or None
        if accept:
            _check_times(session, record, request.signin_at, request.signout_at)
            original = {"status": record.status.value, "signin_at": record.signin_at.isoformat(),
                        "signout_at": record.signout_at.isoformat() if record.signout_at else None,
                        "duration_minutes": record.duration_minutes}
            if record.original_duration_minutes is None:
                record.original_duration_minutes = record.duration_minutes
            record.signin_at, record.signout_at = request.signin_at, request.signout_at
            record.duration_minutes = int((request.signout_at - request.signin_at).total_seconds() // 60)
            record.edit_reason = ("更正：" + request.reason)[:200]
            record.status, record.decided_by_org_id, record.decided_at = RecordStatus.pending, None, None
            audit(session, ("org", actor_org_id), "correction.accept", ("service_record", record.id),
                  original=original, request=request.id)
        else:
            audit(session, ("org", actor_org_id), "correction.refuse", ("service_record", record.id),
                  request=request.id)
        return request
