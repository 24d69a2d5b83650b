"""Activities organised by others on a team's ground (issue 38 row 11; seed 000 社区（村）团组织…统筹辖区内
各类团组织在本社区开展志愿服务): an organisation that does not manage a community's team — a company's
branch, a college, an agency — proposes an activity there; it waits as 待审核 until the community's
organisation (or one above it) publishes it, or sends it back with a reason. Once published it is the
team's project like any other: its members enrol and sign in at the community's site, and its hours,
approved by the community or by the organiser, count as any approved hours."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Organization, Project, ProjectStatus, Team, utcnow
from services.kernel import text_bounds
from services.kernel.errors import Conflict, Invalid, NotFound
from services.kernel.uow import audit, new_code, unit_of_work
from services.organisations import orgs
from services.volunteering.projects import ProjectInput, managed_project, validated

PENDING, PUBLISHED, RETURNED = "pending", "published", "returned"
STATE_LABELS = {PENDING: "待审核", PUBLISHED: "已发布", RETURNED: "未通过"}


def propose(session: Session, actor_org_id: int, team_id: int, data: ProjectInput) -> Project:
    """A draft on ``team`` that ``actor_org_id`` organises, waiting for the team's organisation."""
    with unit_of_work(session):
        team = session.get(Team, team_id)
        if team is None:
            raise NotFound("team_not_found", "服务队不存在")
        if not team.is_community:
            raise Invalid("not_community", "只能申请在社区（村）服务队开展活动")
        if orgs.is_within(session, team.org_id, actor_org_id):
            raise Conflict("own_team", "本组织管理该服务队，请直接在“志愿项目”中新建项目")
        organiser = orgs.get_org(session, actor_org_id)
        project = Project(code=new_code(10), team_id=team.id, status=ProjectStatus.draft,
                          organiser=organiser.name, proposed_by_org_id=organiser.id, **validated(data, team))
        session.add(project)
        session.flush()
        audit(session, ("org", actor_org_id), "project.propose", ("project", project.id), team=team.id)
        return project


def send_back(session: Session, actor_org_id: int, project_id: int, reason: str | None) -> Project:
    """The community declines a proposal, saying why (the organiser sees it)."""
    reason = text_bounds.note(reason, required="退回须填写原因（申请单位会看到）")
    with unit_of_work(session):
        project = managed_project(session, actor_org_id, project_id)
        if project.proposed_by_org_id is None or project.status != ProjectStatus.draft:
            raise Conflict("not_pending", "只有待审核的外单位活动可以退回")
        project.status, project.closed_at, project.review_note = ProjectStatus.closed, utcnow(), reason
        audit(session, ("org", actor_org_id), "project.send_back", ("project", project.id), reason=reason)
        return project


def state_of(project: Project) -> str:
    if project.status == ProjectStatus.draft:
        return PENDING
    return RETURNED if project.review_note and project.published_at is None else PUBLISHED


@dataclass(frozen=True)
class Proposal:
    project: Project
    state: str

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


def waiting_for(session: Session, org: Organization, limit: int = 200) -> list[Project]:
    """Proposals waiting on the teams of ``org``'s sub-tree, oldest first."""
    return list(session.scalars(
        sa.select(Project).join(Team, Team.id == Project.team_id).join(Organization, Organization.id == Team.org_id)
        .where(orgs.subtree_filter(org), Project.proposed_by_org_id.is_not(None), Project.status == ProjectStatus.draft)
        .order_by(Project.created_at).limit(limit)))


def made_by(session: Session, org: Organization, limit: int = 200) -> list[Proposal]:
    """``org``'s own proposals, newest first, with where they stand."""
    rows = session.scalars(sa.select(Project).where(Project.proposed_by_org_id == org.id)
                           .order_by(Project.created_at.desc()).limit(limit))
    return [Proposal(project, state_of(project)) for project in rows]
