"""Joining and transferring between branches (团支部). Seed 002: the member applies, the branch
decides; a member belongs to exactly one branch at a time."""
from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import ApplicationStatus, BranchApplication, Organization, OrgKind, utcnow
from services.kernel import text_bounds
from services.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from services.kernel.uow import audit, unit_of_work
from services.organisations import orgs
from services.people import graduation
from services.people.members import get_member

logger = logging.getLogger(__name__)


def pending_application(session: Session, member_id: int) -> BranchApplication | None:
    return session.scalar(sa.select(BranchApplication).where(
        BranchApplication.member_id == member_id, BranchApplication.status == ApplicationStatus.pending))


def pending_in_subtree(session: Session, org: Organization, limit: int = 200) -> list[BranchApplication]:
    """Join and transfer requests waiting on a branch of the sub-tree, oldest first."""
    return list(session.scalars(
        sa.select(BranchApplication).join(Organization, BranchApplication.branch_id == Organization.id)
        .where(BranchApplication.status == ApplicationStatus.pending, orgs.subtree_filter(org))
        .order_by(BranchApplication.created_at).limit(limit)))


def apply(session: Session, member_id: int, branch_id: int) -> BranchApplication:
    """Join (no branch yet) or transfer (already in one); the same pending request again is returned."""
    try:
        with unit_of_work(session):
            member = get_member(session, member_id)
            branch = orgs.get_org(session, branch_id)
            if branch.kind != OrgKind.branch:
                raise Invalid("branch", "请选择团支部")
            if member.branch_id == branch.id:
                raise Conflict("already_in_branch", f"你已在「{branch.name}」")
            current = pending_application(session, member_id)
            if current is not None:
                if current.branch_id == branch.id:
                    return current
                raise Conflict("application_pending",
                               f"你已申请加入「{current.branch.name}」，请等待审核或先撤回该申请")
            application = BranchApplication(member_id=member.id, branch_id=branch.id,
                                            from_branch_id=member.branch_id)
            session.add(application)
            audit(session, ("member", member.id), "branch.apply", ("org", branch.id), transfer=bool(member.branch_id))
            session.flush()
            return application
    except IntegrityError as exc:
        current = pending_application(session, member_id)
        if current is not None and current.branch_id == branch_id:
            return current
        raise Conflict("application_pending", "你已有待审核的组织申请") from exc


def withdraw(session: Session, member_id: int) -> BranchApplication:
    with unit_of_work(session):
        application = pending_application(session, member_id)
        if application is None:
            raise NotFound("no_application", "没有待审核的申请")
        application.status = ApplicationStatus.withdrawn
        return application


def decide(session: Session, actor_org_id: int, application_id: int, accept: bool,
           reason: str | None = None) -> BranchApplication:
    """The target branch (or an organisation above it) accepts or rejects; acceptance moves the member."""
    with unit_of_work(session):
        application = session.get(BranchApplication, application_id, with_for_update=True)
        if application is None:
            raise NotFound("application_not_found", "申请不存在")
        if not orgs.is_within(session, application.branch_id, actor_org_id):
            raise Forbidden("not_your_branch", "只能审核本组织及下级团支部的申请")
        if application.status != ApplicationStatus.pending:
            raise Conflict("already_decided", "该申请已处理")
        application.status = ApplicationStatus.accepted if accept else ApplicationStatus.rejected
        application.decided_by, application.decided_at = actor_org_id, utcnow()
        application.reason = text_bounds.note(reason)
        member = application.member
        if accept:  # moved; a graduate's 待转出 ends here
            member.branch_id = application.branch_id
            member.leaving_at = member.leaving_to = member.leaving_by_org_id = None
        elif member.leaving_at is not None:  # the destination said no: the graduate waits to be received
            member.leaving_to = graduation.UNKNOWN_DESTINATION
        audit(session, ("org", actor_org_id), "branch." + ("accept" if accept else "reject"),
              ("member", application.member_id), branch=application.branch_id,
              from_branch=application.from_branch_id)
        return application
