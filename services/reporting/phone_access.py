"""Who may call a member (issue 36.3): the coordinators of a team see the whole phone number of the
members they organise — those who reported to their team or enrolled in one of its projects — one
member at a time, each look written to 访问记录; everyone else keeps the mask. A cap per person and hour
keeps it a way to call people, not to copy a list."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Enrolment, EnrolmentStatus, Member, OrgAccount, Project, StaffRole, Team, TeamMembership, utcnow
from runtime.extensions import protector, store
from services.kernel.errors import Forbidden, NotFound, TooMany
from services.kernel.uow import audit, unit_of_work

COORDINATING = {StaffRole.shared, StaffRole.admin, StaffRole.coordinator}
LOOKS_PER_HOUR = 60


def organises(org_id: int, member_id: int) -> sa.ColumnElement[bool]:
    """True when the member reported to one of the organisation's teams or enrolled in one of their projects."""
    teams = sa.select(Team.id).where(Team.org_id == org_id)
    reported = sa.exists().where(TeamMembership.member_id == member_id, TeamMembership.team_id.in_(teams),
                                 TeamMembership.left_at.is_(None))
    enrolled = sa.exists().where(Enrolment.member_id == member_id, Enrolment.project_id == Project.id,
                                 Project.team_id.in_(teams),
                                 Enrolment.status.in_([EnrolmentStatus.enrolled, EnrolmentStatus.waitlisted]))
    return sa.or_(reported, enrolled)


def reveal(session: Session, account: OrgAccount, member_id: int) -> str:
    if account.role not in COORDINATING or account.disabled_at is not None:
        raise Forbidden("phone_role", "只有服务队的负责人（管理员、协调员）可以查看团员的完整手机号")
    member = session.get(Member, member_id)
    if member is None or member.closed_at is not None:
        raise NotFound("member_not_found", "没有这个团员")
    if not session.scalar(sa.select(organises(account.org_id, member.id))):
        raise Forbidden("phone_not_yours", "只能查看向本服务队报到或报名本队项目的团员的完整手机号")
    hour = utcnow().strftime("%Y%m%d%H")
    if store.incr(f"phone-look:{account.id}:{hour}", ttl=3600) > LOOKS_PER_HOUR:
        raise TooMany("phone_looks", f"每小时最多查看{LOOKS_PER_HOUR}位团员的手机号")
    with unit_of_work(session):
        audit(session, ("org", account.org_id), "member.phone_viewed", ("member", member.id),
              title=f"查看{member.name}的手机号")
    return protector.decrypt(member.phone_enc)
