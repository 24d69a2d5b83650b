"""From a team in the database to the plain data its poster is drawn from (qr.poster draws it).

The batch path resolves every team's QR content first, in one process, so the worker processes that
draw posters need no database and no WeChat.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator

from sqlalchemy.orm import Session, joinedload

from models import Organization, Team
from qr.codes import qr_content
from qr.poster import PosterData
from services.orgs import subtree_teams

logger = logging.getLogger(__name__)


def organisation_line(team: Team) -> str:
    org = team.org
    return f"{org.parent.name} · {org.name}" if org.parent is not None else org.name


def poster_data(session: Session, team: Team) -> PosterData:
    return PosterData(title=team.name, organisation=organisation_line(team), contact_name=team.contact_name,
                      contact_phone=team.contact_phone, qr_content=qr_content(session, team),
                      team_code=team.code, group_qr=team.group_qr_png)


def iter_poster_data(session: Session, org: Organization, *, community_only: bool = False) -> Iterator[PosterData]:
    query = subtree_teams(org, community_only=community_only).options(
        joinedload(Team.org).joinedload(Organization.parent))
    for team in session.scalars(query):
        yield poster_data(session, team)
