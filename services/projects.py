"""Projects. Issue 5 grows this (edit, publish, enrol); the foundation needs the long-term project."""
from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from models import Audience, Project, ProjectStatus, Team, utcnow
from services.uow import new_code

logger = logging.getLogger(__name__)


def long_term_title(team: Team) -> str:
    # Seed 000: 发布一个"××社区（村）团员志愿者服务项目"的长期项目.
    return f"{team.org.name}团员志愿者服务项目"


def create_long_term_project(session: Session, team: Team) -> Project:
    project = Project(code=new_code(10), team_id=team.id, title=long_term_title(team), is_long_term=True,
                      description="团员自主到社区（村）开展的志愿服务，签到签退后由负责人确认时长。",
                      site_name=team.site_name, site_address=team.site_address, site_lat=team.site_lat,
                      site_lng=team.site_lng, site_coord_system=team.site_coord_system,
                      site_radius_m=team.site_radius_m, audience=Audience.team,
                      status=ProjectStatus.published, published_at=utcnow())
    session.add(project)
    return project


def follow_team_site(session: Session, team: Team) -> None:
    project = session.query(Project).filter_by(team_id=team.id, is_long_term=True).one_or_none()
    if project is not None:
        project.site_name, project.site_address = team.site_name, team.site_address
        project.site_lat, project.site_lng = team.site_lat, team.site_lng
        project.site_coord_system, project.site_radius_m = team.site_coord_system, team.site_radius_m
