"""/m/: the member's own page (the "我的" menu's destination)."""
from __future__ import annotations

from flask import render_template

from mobile import bp
from mobile.auth import current_member, member_required
from runtime.extensions import db
from services.organisations import belonging
from services.volunteering import hours


@bp.get("/")
@member_required
def home():
    member = current_member()
    return render_template("mobile/home.html", member=member, teams=[entry.team for entry in belonging.service_teams(db.session, member)],
                           hours=hours.summary(db.session, member.id))
