"""Enrolment (报名) with capacity and a waitlist that moves up when someone withdraws.

The project row is locked while places are counted (FOR UPDATE on PostgreSQL; SQLite serialises
writers), so concurrent enrolments never overfill it.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import Enrolment, EnrolmentStatus, Project, ProjectStatus, RecordStatus, ServiceRecord, utcnow
from services.kernel import text_bounds
from services.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from services.kernel.uow import audit, unit_of_work
from services.people.members import get_member
from services.volunteering.projects import enrolled_count, ineligibility, require_manager

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EnrolResult:
    enrolment: Enrolment
    created: bool
    waitlist_position: int | None  # 1-based, when waitlisted


def enrolment_of(session: Session, member_id: int, project_id: int) -> Enrolment | None:
    """The member's enrolment in the project, whatever its status (withdrawn included)."""
    return session.scalar(sa.select(Enrolment).where(Enrolment.project_id == project_id,
                                                     Enrolment.member_id == member_id))


def statuses_of(session: Session, member_id: int) -> dict[int, EnrolmentStatus]:
    """project id → the member's enrolment status, for the projects they have not withdrawn from."""
    return dict(session.execute(sa.select(Enrolment.project_id, Enrolment.status).where(
        Enrolment.member_id == member_id, Enrolment.status != EnrolmentStatus.withdrawn)).all())


def waitlist_position(session: Session, enrolment: Enrolment) -> int | None:
    if enrolment.status != EnrolmentStatus.waitlisted:
        return None
    return session.scalar(sa.select(sa.func.count()).select_from(Enrolment).where(
        Enrolment.project_id == enrolment.project_id, Enrolment.status == EnrolmentStatus.waitlisted,
        Enrolment.id <= enrolment.id))


def _locked_project(session: Session, project_id: int) -> Project:
    project = session.scalar(sa.select(Project).where(Project.id == project_id).with_for_update())
    if project is None:
        raise NotFound("project_not_found", "项目不存在")
    return project


def _has_place(session: Session, project: Project) -> bool:
    return project.capacity is None or enrolled_count(session, project.id) < project.capacity


def enrol(session: Session, member_id: int, project_id: int) -> EnrolResult:
    """Enrolled while places remain, waitlisted after; asking again returns the same enrolment."""
    try:
        with unit_of_work(session):
            project = _locked_project(session, project_id)
            member = get_member(session, member_id)
            if project.status != ProjectStatus.published:
                raise Conflict("not_open", "项目未发布或已结束，不能报名")
            if not project.is_long_term and project.ends_at <= utcnow():
                raise Conflict("ended", "项目已结束，不能报名")
            if not member.is_volunteer:
                raise Invalid("not_volunteer", "请先注册成为志愿者，再报名项目")
            reason = ineligibility(session, member, project)
            if reason:
                raise Forbidden("not_eligible", reason)
            enrolment = enrolment_of(session, member.id, project.id)
            if enrolment is not None and enrolment.status != EnrolmentStatus.withdrawn:
                return EnrolResult(enrolment, False, waitlist_position(session, enrolment))
            status = EnrolmentStatus.enrolled if _has_place(session, project) else EnrolmentStatus.waitlisted
            if enrolment is None:
                enrolment = Enrolment(project_id=project.id, member_id=member.id, status=status)
                session.add(enrolment)
            else:
                # Back after withdrawing: to the end of the queue, like anybody new.
                session.delete(enrolment)
                session.flush()
                enrolment = Enrolment(project_id=project.id, member_id=member.id, status=status)
                session.add(enrolment)
            session.flush()
            audit(session, ("member", member.id), "enrolment." + status.value, ("project", project.id))
            return EnrolResult(enrolment, True, waitlist_position(session, enrolment))
    except IntegrityError:
        enrolment = enrolment_of(session, member_id, project_id)
        if enrolment is None:
            raise
        return EnrolResult(enrolment, False, waitlist_position(session, enrolment))


def withdraw(session: Session, member_id: int, project_id: int, *, actor_org_id: int | None = None,
             reason: str | None = None) -> Enrolment | None:
    """Withdraw (the member), or remove (``actor_org_id``: a coordinator managing the project's team);
    the first on the waitlist takes the freed place. Returns whoever moved up, to be told."""
    with unit_of_work(session):
        project = _locked_project(session, project_id)
        if actor_org_id is not None:
            require_manager(session, actor_org_id, project.team)
        enrolment = enrolment_of(session, member_id, project.id)
        if enrolment is None or enrolment.status == EnrolmentStatus.withdrawn:
            raise NotFound("not_enrolled", "你没有报名该项目" if actor_org_id is None else "该团员没有报名这个项目")
        if session.scalar(sa.select(ServiceRecord.id).where(
                ServiceRecord.project_id == project.id, ServiceRecord.member_id == member_id,
                ServiceRecord.status == RecordStatus.open)):
            raise Conflict("signed_in", "你已签到，请先签退再取消报名")
        freed = enrolment.status == EnrolmentStatus.enrolled
        enrolment.status, enrolment.withdrawn_at = EnrolmentStatus.withdrawn, utcnow()
        if actor_org_id is None:
            audit(session, ("member", member_id), "enrolment.withdraw", ("project", project.id))
        else:
            audit(session, ("org", actor_org_id), "enrolment.removed", ("project", project.id), member=member_id,
                  reason=text_bounds.note(reason))
        if not freed or not _has_place(session, project):
            return None
        promoted = session.scalar(sa.select(Enrolment).where(
            Enrolment.project_id == project.id, Enrolment.status == EnrolmentStatus.waitlisted)
            .order_by(Enrolment.id).limit(1))
        if promoted is not None:
            promoted.status = EnrolmentStatus.enrolled
            audit(session, ("system", None), "enrolment.promoted", ("project", project.id), member=promoted.member_id)
        return promoted


def promotion_notice(project: Project) -> str:
    return f"好消息：「{project.title}」有人退出，你已从候补转为正式报名。请按时到场签到。"


def removal_notice(project: Project, reason: str | None) -> str:
    said = f"（原因：{reason.strip()[:100]}）" if reason and reason.strip() else ""
    return f"负责人已取消你在「{project.title}」的报名{said}。如有疑问请联系服务队负责人。"


def roster(session: Session, project_id: int) -> list[tuple[Enrolment, str]]:
    """The project's enrolments still standing (enrolled, then the waitlist in order), with names."""
    from models import Member

    return list(session.execute(sa.select(Enrolment, Member.name).join(Member, Member.id == Enrolment.member_id)
                                .where(Enrolment.project_id == project_id,
                                       Enrolment.status != EnrolmentStatus.withdrawn)
                                .order_by(Enrolment.status != EnrolmentStatus.enrolled, Enrolment.id)).all())
