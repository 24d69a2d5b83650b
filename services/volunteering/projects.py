"""Projects: create, edit, publish, close, timekeepers, and who may enrol.

DESIGN.md: a coordinator creates a project (site with coordinates and radius, start/end, capacity,
audience, timekeepers); a street's project may be limited to paired departments' members and the
street names a department as timekeeper (计时员). Every community team has one long-term project.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

import geo
from models import (
    Audience,
    CoordSystem,
    Enrolment,
    EnrolmentStatus,
    Member,
    Organization,
    Project,
    ProjectStatus,
    ProjectTimekeeper,
    Team,
    utcnow,
)
from services.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from services.kernel.uow import audit, new_code, normalise_code, unit_of_work
from services.organisations import orgs
from services.organisations.pairing import paired_department_ids
from services.organisations.teams import candidate_team_ids, is_team_member

logger = logging.getLogger(__name__)

MAX_PROJECT_DAYS = 31


@dataclass
class ProjectInput:
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    lat: float
    lng: float
    coord_system: str = "gcj02"
    radius_m: int = 300
    description: str = ""
    site_name: str | None = None
    site_address: str | None = None
    capacity: int | None = None
    audience: str = "team"


def get_project(session: Session, project_id: int) -> Project:
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound("project_not_found", "项目不存在")
    return project


def enrolled_count(session: Session, project_id: int) -> int:
    """Places taken (the waitlist not counted): enrolment fills them, an edit of the capacity may not go below."""
    return session.scalar(sa.select(sa.func.count()).select_from(Enrolment).where(
        Enrolment.project_id == project_id, Enrolment.status == EnrolmentStatus.enrolled)) or 0


def in_subtree(org: Organization) -> sa.Select:
    """The projects of the teams in ``org``'s sub-tree: the dated ones first, newest first."""
    return (sa.select(Project).join(Team, Project.team_id == Team.id).join(Organization, Team.org_id == Organization.id)
            .where(orgs.subtree_filter(org)).order_by(Project.is_long_term, Project.starts_at.desc().nulls_last()))


_BY_CODE = sa.select(Project).where(Project.code == sa.bindparam("code"))  # built once: every sign-in asks


def get_project_by_code(session: Session, code: str, *, drafts: bool = False) -> Project:
    """By its public code; a draft only when asked (publishing it)."""
    project = session.scalar(_BY_CODE, {"code": normalise_code(code)})
    if project is None:
        raise NotFound("project_not_found", "项目不存在")
    if project.status == ProjectStatus.draft and not drafts:
        raise NotFound("project_not_found", "项目不存在或尚未发布")
    return project


def require_manager(session: Session, actor_org_id: int, team: Team) -> None:
    """The team's own organisation or any organisation above it manages the team's projects."""
    if not orgs.is_within(session, team.org_id, actor_org_id):
        raise Forbidden("not_your_team", "只能管理本组织及下级组织服务队的项目")


def managed_project(session: Session, actor_org_id: int, project_id: int) -> Project:
    """The project, if the acting organisation manages its team (else Forbidden)."""
    project = get_project(session, project_id)
    require_manager(session, actor_org_id, project.team)
    return project


def validated(data: ProjectInput, team: Team) -> dict:
    title = (data.title or "").strip()
    if not 2 <= len(title) <= 120:
        raise Invalid("title", "项目名称应为2至120个字")
    for value in (data.starts_at, data.ends_at):
        if not isinstance(value, dt.datetime) or value.tzinfo is None:
            raise Invalid("time", "请填写带时区的开始和结束时间")
    if data.ends_at <= data.starts_at:
        raise Invalid("time", "结束时间应晚于开始时间")
    if data.ends_at - data.starts_at > dt.timedelta(days=MAX_PROJECT_DAYS):
        raise Invalid("time", f"单个项目最长{MAX_PROJECT_DAYS}天；长期服务请使用社区长期项目")
    try:
        lat, lng = geo.validate_point(data.lat, data.lng)
    except geo.InvalidCoordinates as exc:
        raise Invalid("coordinates", str(exc)) from exc
    if data.coord_system not in geo.SYSTEMS:
        raise Invalid("coord_system", "坐标系应为 wgs84、gcj02 或 bd09")
    if not isinstance(data.radius_m, int) or not 10 <= data.radius_m <= 5000:
        raise Invalid("radius", "签到半径应在10至5000米之间")
    if data.capacity is not None and (not isinstance(data.capacity, int) or not 1 <= data.capacity <= 10000):
        raise Invalid("capacity", "招募人数应为1至10000，或不限")
    if data.audience not in ("team", "paired"):
        raise Invalid("audience", "报名范围应为 team 或 paired")
    if data.audience == "paired" and team.org.kind not in orgs.STREET_KINDS:
        raise Invalid("audience", "只有街道（乡镇）的项目可以限定结对院系团员报名")
    return dict(title=title, description=(data.description or "").strip(), starts_at=data.starts_at,
                ends_at=data.ends_at, site_lat=lat, site_lng=lng, site_coord_system=CoordSystem(data.coord_system),
                site_radius_m=data.radius_m, site_name=data.site_name or team.site_name,
                site_address=data.site_address or team.site_address, capacity=data.capacity,
                audience=Audience(data.audience))


def create_project(session: Session, actor_org_id: int, team_id: int, data: ProjectInput) -> Project:
    with unit_of_work(session):
        team = session.get(Team, team_id)
        if team is None:
            raise NotFound("team_not_found", "服务队不存在")
        require_manager(session, actor_org_id, team)
        project = Project(code=new_code(10), team_id=team.id, status=ProjectStatus.draft, **validated(data, team))
        session.add(project)
        session.flush()
        audit(session, ("org", actor_org_id), "project.create", ("project", project.id))
        return project


def update_project(session: Session, actor_org_id: int, project_id: int, data: ProjectInput) -> Project:
    with unit_of_work(session):
        project = managed_project(session, actor_org_id, project_id)
        if project.is_long_term:
            raise Invalid("long_term", "长期项目随服务队的服务地点变化，不能单独编辑")
        if project.status == ProjectStatus.closed:
            raise Conflict("project_closed", "项目已结束，不能修改")
        values = validated(data, project.team)
        if values["capacity"] is not None and values["capacity"] < enrolled_count(session, project.id):
            raise Conflict("capacity_below_enrolled", "招募人数不能少于已报名人数")
        before = {k: str(getattr(project, k)) for k in values}
        for key, value in values.items():
            setattr(project, key, value)
        audit(session, ("org", actor_org_id), "project.update", ("project", project.id), before=before)
        return project


def publish_project(session: Session, actor_org_id: int, project_id: int) -> Project:
    """The link goes live; pushing it to the members is services.push.runs.publish_and_push's part."""
    with unit_of_work(session):
        project = managed_project(session, actor_org_id, project_id)
        if project.status != ProjectStatus.draft:
            raise Conflict("not_draft", "只有草稿状态的项目可以发布")
        if project.ends_at is not None and project.ends_at <= utcnow():
            raise Invalid("ended", "项目结束时间已过，不能发布")
        project.status, project.published_at = ProjectStatus.published, utcnow()
        audit(session, ("org", actor_org_id), "project.publish", ("project", project.id))
    return project


def close_project(session: Session, actor_org_id: int, project_id: int) -> Project:
    with unit_of_work(session):
        project = managed_project(session, actor_org_id, project_id)
        if project.is_long_term:
            raise Invalid("long_term", "社区长期项目不能关闭")
        if project.status == ProjectStatus.closed:
            return project
        project.status, project.closed_at = ProjectStatus.closed, utcnow()
        audit(session, ("org", actor_org_id), "project.close", ("project", project.id))
        return project


def set_timekeepers(session: Session, actor_org_id: int, project_id: int, department_ids: list[int]) -> Project:
    """计时员: departments paired with the street, named on one of its projects to approve its hours."""
    with unit_of_work(session):
        project = managed_project(session, actor_org_id, project_id)
        if project.team.org.kind not in orgs.STREET_KINDS:
            raise Invalid("not_street_project", "只有街道（乡镇）的项目可以指定结对院系计时员")
        paired = set(paired_department_ids(session, project.team.org_id))
        if not set(department_ids) <= paired:
            raise Invalid("not_paired", "计时员须来自与本街道（乡镇）结对的院系")
        project.timekeepers = [ProjectTimekeeper(project_id=project.id, org_id=d) for d in sorted(set(department_ids))]
        audit(session, ("org", actor_org_id), "project.timekeepers", ("project", project.id),
              departments=sorted(set(department_ids)))
        return project


def is_timekeeper(session: Session, org_id: int, project_id: int) -> bool:
    return session.get(ProjectTimekeeper, (project_id, org_id)) is not None


def ineligibility(session: Session, member: Member, project: Project) -> str | None:
    """Why this member may not enrol in this project, in Chinese; None when they may."""
    team = project.team
    if project.audience == Audience.paired:
        if member.branch_id is not None and any(
                orgs.is_within(session, member.branch_id, department)
                for department in paired_department_ids(session, team.org_id)):
            return None
        return "该项目仅限与本街道（乡镇）结对院系的团员报名"
    if not is_team_member(session, team, member):
        return f"该项目仅限「{team.name}」成员报名，请先扫码加入服务队"
    return None


def open_projects_for(session: Session, member_id: int, *, now: dt.datetime | None = None) -> list[Project]:
    """Published projects not yet ended that this member may enrol in (the bot's 志愿服务 menu)."""
    now = now or utcnow()
    member = session.get(Member, member_id)
    if member is None:
        return []
    candidates = session.scalars(sa.select(Project).where(
        Project.team_id.in_(candidate_team_ids(session, member)), Project.status == ProjectStatus.published,
        sa.or_(Project.is_long_term, Project.ends_at > now)).order_by(Project.is_long_term, Project.starts_at))
    return [p for p in candidates if ineligibility(session, member, p) is None]
