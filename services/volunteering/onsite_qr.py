"""The on-site check-in QR shown on a coordinator's screen.

Its token is an HMAC of the project code and the current 30-second window, so a photo forwarded
to someone away from the site stops working within a minute; the geofence is still checked on
scan. The previous window is accepted too, for the seconds between the screen changing and the scan.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac

from flask import current_app
from sqlalchemy.orm import Session

from models import Project, ProjectStatus, utcnow
from services.kernel.errors import Conflict, Invalid
from services.kernel.uow import normalise_code
from services.volunteering import checkin
from services.volunteering.approval import require_approver
from services.volunteering.projects import get_project, get_project_by_code

STEP_SECONDS = 30


def screen_project(session: Session, actor_org_id: int, project_id: int) -> Project:
    """The project whose on-site code an account may put on a screen: one it approves hours for
    (its team's managers, a paired department's timekeepers), published and not yet ended."""
    project = get_project(session, project_id)
    require_approver(session, actor_org_id, project)
    if project.status != ProjectStatus.published:
        raise Conflict("project_not_open", "项目未发布或已结束，不能现场签到")
    return project


def _window(now: dt.datetime) -> int:
    return int(now.timestamp()) // STEP_SECONDS


def _token(code: str, window: int) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(secret, f"onsite:{code}:{window}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest)[:10].decode()


def current(project: Project, *, now: dt.datetime | None = None) -> tuple[str, dt.datetime]:
    """The token to show now and when the screen must change it."""
    now = now or utcnow()
    window = _window(now)
    expires = dt.datetime.fromtimestamp((window + 1) * STEP_SECONDS, tz=dt.UTC)
    return _token(project.code, window), expires


def payload(project: Project, base_url: str, *, now: dt.datetime | None = None) -> str:
    token, _ = current(project, now=now)
    return f"{base_url}/m/onsite/{project.code}/{token}"


def verify(code: str, token: str, *, now: dt.datetime | None = None) -> bool:
    window = _window(now or utcnow())
    given = normalise_code(token)
    return any(hmac.compare_digest(given, _token(code, w)) for w in (window, window - 1))


def scan(session: Session, member_id: int, code: str, token: str, location: checkin.Location, *,
         now: dt.datetime | None = None, source: str = "onsite") -> checkin.CheckinResult:
    project = get_project_by_code(session, code)
    if not verify(project.code, token, now=now):
        raise Invalid("qr_expired", "二维码已过期，请扫描现场屏幕上的最新二维码")
    return checkin.toggle(session, member_id, project.id, location, now=now, source=source)
