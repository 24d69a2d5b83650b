"""From a team in the database to the plain fields its poster is drawn from (qr.poster draws them,
called by the console: services do not draw). The WeChat client comes from the caller.

The batch path resolves every team's QR content first, in one process, so the worker processes that
draw posters need no database and no WeChat.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from models import Organization, Team
from services.organisations.orgs import subtree_teams
from services.organisations.team_qr import qr_content


def teams_to_print(session: Session, org: Organization, *, community_only: bool = False) -> list[Team]:
    """The sub-tree's teams a batch prints, with the organisation and its parent each poster names
    loaded with them (not one query per poster)."""
    return list(session.scalars(subtree_teams(org, community_only=community_only).options(
        joinedload(Team.org).joinedload(Organization.parent))))


def count_to_print(session: Session, org: Organization) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(subtree_teams(org).subquery())) or 0


def organisation_line(team: Team) -> str:
    org = team.org
    return f"{org.parent.name} · {org.name}" if org.parent is not None else org.name


def poster_fields(session: Session, team: Team, make_client) -> dict:
    """What the poster shows: the team, its organisation, its contact, its QR's content and its
    WeChat group's QR (``make_client()``: the WeChat API client, asked for only when needed)."""
    return dict(title=team.name, organisation=organisation_line(team), contact_name=team.contact_name,
                contact_phone=team.contact_phone, qr_content=qr_content(session, team, make_client),
                team_code=team.code, group_qr=team.group_qr_png)
