"""/m/: the member's own page (the "我的" menu's destination)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import render_template

from extensions import db
from mobile import bp
from mobile.auth import current_member, member_required
from models import Team, TeamMembership
from services import hours


@bp.get("/")
@member_required
def home():
    member = current_member()
    joined = db.session.scalars(sa.select(Team).join(TeamMembership, TeamMembership.team_id == Team.id).where(
        TeamMembership.member_id == member.id, TeamMembership.left_at.is_(None)).order_by(Team.name)).all()
    return render_template("mobile/home.html", member=member, teams=joined,
                           hours=hours.summary(db.session, member.id))
