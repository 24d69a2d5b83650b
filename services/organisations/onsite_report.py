"""现场报到 (issue 38 row 8; seed 000: members report at their community on its 报到 days): joining a
community team online is 报到 already; on the community's day the member also confirms on site by
scanning the coordinator's screen, a rotating code of the team (services/kernel/rotating_codes.py).
A member not yet in the team joins it by that scan, with the usual rule (one community team at a time).
Both states are kept: the membership (报到) and when it was confirmed on site."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Team, TeamMembership, utcnow
from services.kernel import rotating_codes
from services.kernel.errors import Invalid
from services.kernel.uow import audit, unit_of_work
from services.organisations import joining
from services.organisations.orgs import require_within
from services.organisations.teams import get_team, get_team_by_code

PURPOSE = "report"


def screen_team(session: Session, actor_org_id: int, team_id: int) -> Team:
    """A community team whose 现场报到 code an account of it (or above it) may put on a screen."""
    team = get_team(session, team_id)
    require_within(session, team.org_id, actor_org_id)
    if not team.is_community:
        raise Invalid("not_community", "现场报到只用于社区（村）服务队")
    return team


def payload(team: Team, base_url: str, *, now: dt.datetime | None = None) -> str:
    token, _ = rotating_codes.current(PURPOSE, team.code, now=now)
    return f"{base_url}/m/report/{team.code}/{token}"


_SCANNED = re.compile(r"/m/report/([A-Za-z0-9]{1,16})/([A-Za-z0-9]{1,20})/?$")


def read_payload(payload: str) -> tuple[str, str]:
    """(team code, token) from what the mini-program's scanner read off the screen."""
    match = _SCANNED.search((payload or "").strip())
    if match is None:
        raise Invalid("payload", "这不是现场报到二维码，请扫描社区（村）现场屏幕上的二维码")
    return match.group(1), match.group(2)


@dataclass(frozen=True)
class Confirmed:
    team: Team
    joined_now: bool        # the scan was also the member's 报到
    confirmed_at: dt.datetime
    already: bool           # confirmed before: nothing changed


def confirm(session: Session, member_id: int, code: str, token: str, *,
            now: dt.datetime | None = None) -> Confirmed:
    now = now or utcnow()
    team = get_team_by_code(session, code)
    if not rotating_codes.verify(PURPOSE, team.code, token, now=now):
        raise Invalid("qr_expired", "二维码已过期，请扫描现场屏幕上的最新二维码")
    if not team.is_community:
        raise Invalid("not_community", "现场报到只用于社区（村）服务队")
    joined = joining.join_team(session, member_id, team.id, source="onsite")
    with unit_of_work(session):
        membership = session.scalar(sa.select(TeamMembership).where(
            TeamMembership.id == joined.membership_id).with_for_update())
        already = membership.onsite_confirmed_at is not None
        if not already:
            membership.onsite_confirmed_at = now
            audit(session, ("member", member_id), "team.onsite_report", ("team", team.id))
        return Confirmed(team, joined.created, membership.onsite_confirmed_at, already)


def confirmed_at(session: Session, member_id: int, team_id: int) -> dt.datetime | None:
    """When the member's active membership of the team was confirmed on site (None: online only)."""
    return session.scalar(sa.select(TeamMembership.onsite_confirmed_at).where(
        TeamMembership.member_id == member_id, TeamMembership.team_id == team_id, TeamMembership.left_at.is_(None)))
