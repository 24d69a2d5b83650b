"""Graduates moved out by their committee (issue 38 row 2; seed 002 基层团委毕业生团员转出): a university's
or a school's committee (or a department under a university) marks a graduating class 待转出 — chosen
members, or a whole branch — either to a destination branch, which then accepts them as it accepts any
transfer (``branches.decide``), or as 离校待接收 when the destination is not known yet (the member then
applies to their new branch themselves). The member stays in the branch, and is counted there, until a
branch accepts them; each is told. A committee may take the mark back while nobody has accepted."""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import ApplicationStatus, BranchApplication, Member, Organization, OrgKind, utcnow
from services.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from services.kernel.uow import audit, unit_of_work
from services.organisations import orgs

UNKNOWN_DESTINATION = "离校待接收"
COMMITTEE_KINDS = (OrgKind.university, OrgKind.department, OrgKind.school)
MAX_AT_ONCE = 2000  # a graduating year of a large college


@dataclass
class MoveOut:
    moved: list[int] = field(default_factory=list)             # member ids now 待转出 (to be told)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (name, why)
    destination: str = UNKNOWN_DESTINATION


def _committee(session: Session, actor_org_id: int) -> Organization:
    org = orgs.get_org(session, actor_org_id)
    if org.kind not in COMMITTEE_KINDS:
        raise Forbidden("not_a_committee", "毕业转出由高校、院系或中学团委办理")
    return org


def move_out(session: Session, actor_org_id: int, *, member_ids: list[int] | None = None,
             branch_id: int | None = None, destination_branch_id: int | None = None) -> MoveOut:
    """Mark the chosen members (or every member of ``branch_id``) 待转出: to ``destination_branch_id`` (a
    transfer request it decides on) or, without one, 离校待接收."""
    if not member_ids and branch_id is None:
        raise Invalid("members", "请选择要转出的团员或团支部")
    with unit_of_work(session):
        committee = _committee(session, actor_org_id)
        destination = None
        if destination_branch_id is not None:
            destination = orgs.get_org(session, destination_branch_id)
            if destination.kind != OrgKind.branch:
                raise Invalid("destination", "转入的组织须为团支部")
        query = sa.select(Member).where(orgs.in_subtree(committee), Member.closed_at.is_(None))
        if branch_id is not None:
            branch = orgs.require_within(session, branch_id, actor_org_id)
            if branch.kind != OrgKind.branch:
                raise Invalid("branch", "请选择团支部")
            query = query.where(Member.branch_id == branch.id)
        if member_ids:
            query = query.where(Member.id.in_(member_ids))
        chosen = session.scalars(query.order_by(Member.id).limit(MAX_AT_ONCE + 1).with_for_update()).all()
        if len(chosen) > MAX_AT_ONCE:
            raise Invalid("members", f"一次最多转出 {MAX_AT_ONCE} 人，请按团支部分批办理")
        if member_ids and len(chosen) < len(set(member_ids)):
            raise NotFound("member_not_found", "所选团员中有人不在本组织")
        done = MoveOut(destination=destination.name if destination else UNKNOWN_DESTINATION)
        now = utcnow()
        pending = set(session.scalars(sa.select(BranchApplication.member_id).where(
            BranchApplication.member_id.in_([m.id for m in chosen]),
            BranchApplication.status == ApplicationStatus.pending)))
        for member in chosen:
            if destination is not None and member.branch_id == destination.id:
                done.skipped.append((member.name, "已在转入的团支部"))
                continue
            if member.id in pending:
                done.skipped.append((member.name, "已有待审核的转接申请"))
                continue
            member.leaving_at, member.leaving_to, member.leaving_by_org_id = now, done.destination, committee.id
            if destination is not None:
                session.add(BranchApplication(member_id=member.id, branch_id=destination.id,
                                              from_branch_id=member.branch_id))
            done.moved.append(member.id)
        if done.moved:
            audit(session, ("org", actor_org_id), "branch.move_out", ("org", committee.id),
                  members=len(done.moved), destination=destination.id if destination else None)
        return done


def take_back(session: Session, actor_org_id: int, member_id: int) -> Member:
    """Undo a 待转出 while no branch has accepted: the mark goes, and the committee's request with it."""
    with unit_of_work(session):
        committee = _committee(session, actor_org_id)
        member = session.get(Member, member_id, with_for_update=True)
        if member is None or member.branch_id is None or not orgs.is_within(session, member.branch_id, committee.id):
            raise NotFound("member_not_found", "团员不在本组织")
        if member.leaving_at is None:
            raise Conflict("not_leaving", "该团员不是待转出状态")
        member.leaving_at = member.leaving_to = member.leaving_by_org_id = None
        session.execute(sa.update(BranchApplication).where(
            BranchApplication.member_id == member.id, BranchApplication.status == ApplicationStatus.pending)
            .values(status=ApplicationStatus.withdrawn))
        audit(session, ("org", actor_org_id), "branch.move_out_undo", ("member", member.id))
        return member


def notice(destination: str) -> str:
    """What each member is told."""
    if destination == UNKNOWN_DESTINATION:
        return ("你已由所在团组织办理毕业转出（离校待接收）。到新单位或学校后，请在“青春北京”我的 → 所在团支部中"
                "搜索并申请转入新的团支部。")
    return f"你已由所在团组织办理毕业转出，转入「{destination}」，待对方团支部审核通过后完成转接。"


def branches_of(session: Session, org: Organization) -> list[Organization]:
    """The branches a committee may move out, in the tree's order."""
    return list(session.scalars(sa.select(Organization).where(
        orgs.subtree_filter(org), Organization.kind == OrgKind.branch).order_by(Organization.path)))


def members_of_branch(session: Session, actor_org_id: int, branch_id: int) -> list[Member]:
    branch = orgs.require_within(session, branch_id, actor_org_id)
    return list(session.scalars(sa.select(Member).where(Member.branch_id == branch.id, Member.closed_at.is_(None))
                                .order_by(Member.name, Member.id).limit(MAX_AT_ONCE)))


def leaving_in(session: Session, org: Organization, limit: int = 200) -> list[Member]:
    """The sub-tree's members marked 待转出, the latest first."""
    return list(session.scalars(sa.select(Member).where(orgs.in_subtree(org), Member.leaving_at.is_not(None))
                                .order_by(Member.leaving_at.desc(), Member.id).limit(limit)))
