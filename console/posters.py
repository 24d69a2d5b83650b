"""GET /qr/teams/<id>/poster.png|pdf: for the team's coordinators and their superiors only (the
console login; a team outside the account's sub-tree is 403, an unknown team 404)."""
from __future__ import annotations

import logging
from urllib.parse import quote

from flask import Blueprint, Response

from console.auth import current_account, login_required
from models import Team
from qr import poster
from runtime.extensions import db
from services.organisations import orgs, teams
from services.organisations.posters import poster_fields
from wechat.client import get_client

logger = logging.getLogger(__name__)

bp = Blueprint("qr", __name__, url_prefix="/qr")


def _team(team_id: int) -> Team:
    team = teams.get_team(db.session, team_id)
    orgs.require_within(db.session, team.org_id, current_account().org_id)
    return team


def team_poster(team: Team) -> poster.PosterData:
    """The team's poster as qr/ draws it (here and in `flask qr posters`)."""
    return poster.PosterData(**poster_fields(db.session, team, get_client))


def _download(team: Team, body: bytes, kind: str, mimetype: str) -> Response:
    filename = f"{team.name}-二维码海报.{kind}"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = poster_disposition(filename, f"team-{team.code}-poster.{kind}")
    response.headers["Cache-Control"] = "private, no-store"
    return response


def poster_disposition(filename: str, ascii_name: str) -> str:
    """RFC 6266: an ASCII fallback name, and the Chinese name for browsers that read filename*."""
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


@bp.get("/teams/<int:team_id>/poster.png")
@login_required
def poster_png(team_id: int):
    team = _team(team_id)
    return _download(team, poster.render_png(team_poster(team)), "png", "image/png")


@bp.get("/teams/<int:team_id>/poster.pdf")
@login_required
def poster_pdf(team_id: int):
    team = _team(team_id)
    return _download(team, poster.to_pdf(poster.render(team_poster(team))), "pdf", "application/pdf")
