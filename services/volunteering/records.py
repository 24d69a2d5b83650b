"""A member's own service records, and the hourly sweep of those left open past their time: marked
missing sign-out (缺少签退) 12 hours after the project's end (long-term: after the sign-in), never
silently counted (DESIGN.md)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Project, RecordStatus, ServiceRecord, utcnow
from services.kernel.errors import NotFound
from services.kernel.uow import audit, unit_of_work
from services.volunteering.checkin import MISSING_AFTER


def member_records(session: Session, member_id: int, limit: int = 200) -> list[ServiceRecord]:
    """A member's own records, newest first (my records, on every surface)."""
    return list(session.scalars(sa.select(ServiceRecord).where(ServiceRecord.member_id == member_id)
                                .order_by(ServiceRecord.signin_at.desc()).limit(limit)))


def own_record(session: Session, member_id: int, record_id: int) -> ServiceRecord:
    """One of the member's own records; anybody else's is as unknown as a missing one."""
    record = session.get(ServiceRecord, record_id)
    if record is None or record.member_id != member_id:
        raise NotFound("record_not_found", "记录不存在")
    return record


def latest_record(session: Session, member_id: int, project_id: int) -> ServiceRecord | None:
    """The member's most recent record at the project (what the project page says about today)."""
    return session.scalar(sa.select(ServiceRecord).where(
        ServiceRecord.member_id == member_id, ServiceRecord.project_id == project_id)
        .order_by(ServiceRecord.signin_at.desc()).limit(1))


def mark_missing_signouts(session: Session, *, now: dt.datetime | None = None) -> int:
    """Open records 12 h past their project's end (long-term: 12 h past sign-in) become missing_signout."""
    now = now or utcnow()
    with unit_of_work(session):
        ids = list(session.scalars(sa.select(ServiceRecord.id).join(Project).where(
            ServiceRecord.status == RecordStatus.open,
            sa.or_(sa.and_(Project.is_long_term.is_(False), Project.ends_at < now - MISSING_AFTER),
                   sa.and_(Project.is_long_term.is_(True), ServiceRecord.signin_at < now - MISSING_AFTER)))))
        if ids:
            session.execute(sa.update(ServiceRecord).where(ServiceRecord.id.in_(ids),
                                                           ServiceRecord.status == RecordStatus.open)
                            .values(status=RecordStatus.missing_signout).execution_options(synchronize_session=False))
            audit(session, ("system", None), "records.missing_signout", ("service_record", None), ids=ids)
        return len(ids)
