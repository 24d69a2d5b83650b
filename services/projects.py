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
                      audience=Audience.team, status=ProjectStatus.published, published_at=utcnow())
    project.copy_site_from(team)
    session.add(project)
    return project


def follow_team_site(session: Session, team: Team) -> None:
    project = session.query(Project).filter_by(team_id=team.id, is_long_term=True).one_or_none()
    if project is not None:
        project.copy_site_from(team)
