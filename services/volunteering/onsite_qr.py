"""The on-site check-in QR shown on a coordinator's screen: a rotating code
(services/kernel/rotating_codes.py) of the project; the geofence is still checked on scan."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from models import Project, ProjectStatus
from services.kernel import rotating_codes
from services.kernel.errors import Conflict, Invalid
from services.volunteering import checkin
from services.volunteering.approval import require_approver
from services.volunteering.projects import get_project, get_project_by_code

STEP_SECONDS = rotating_codes.STEP_SECONDS
PURPOSE = "onsite"


def screen_project(session: Session, actor_org_id: int, project_id: int) -> Project:
    """The project whose on-site code an account may put on a screen: one it approves hours for
    (its team's managers, a paired department's timekeepers), published and not yet ended."""
    project = get_project(session, project_id)
    require_approver(session, actor_org_id, project)
    if project.status != ProjectStatus.published:
        raise Conflict("project_not_open", "项目未发布或已结束，不能现场签到")
    return project


def current(project: Project, *, now: dt.datetime | None = None) -> tuple[str, dt.datetime]:
    """The token to show now and when the screen must change it."""
    return rotating_codes.current(PURPOSE, project.code, now=now)


def payload(project: Project, base_url: str, *, now: dt.datetime | None = None) -> str:
    token, _ = current(project, now=now)
    return f"{base_url}/m/onsite/{project.code}/{token}"


def verify(code: str, token: str, *, now: dt.datetime | None = None) -> bool:
    return rotating_codes.verify(PURPOSE, code, token, now=now)


def scan(session: Session, member_id: int, code: str, token: str, location: checkin.Location, *,
         now: dt.datetime | None = None, source: str = "onsite") -> checkin.CheckinResult:
    project = get_project_by_code(session, code)
    if not verify(project.code, token, now=now):
        raise Invalid("qr_expired", "二维码已过期，请扫描现场屏幕上的最新二维码")
    return checkin.toggle(session, member_id, project.id, location, now=now, source=source)
