"""/m/onsite/<code>/<token>: what a member's phone opens on scanning the coordinator's on-site QR.

The page asks the browser for its position (WGS-84 with an accuracy, as browsers give it) and posts
it; the service checks the 30-second token and the geofence and signs in or out. The answer shows
the distance and the allowed radius, also when it refuses.
"""
from __future__ import annotations

from flask import jsonify, render_template, request

from mobile import bp
from mobile.auth import current_member, member_required
from runtime.extensions import db
from services.volunteering import onsite_qr
from services.volunteering.projects import get_project_by_code
from web.answers import checkin_answer
from web.bodies import OnsiteIn


@bp.get("/onsite/<code>/<token>")
@member_required
def onsite_page(code: str, token: str):
    project = get_project_by_code(db.session, code)
    return render_template("mobile/onsite.html", project=project, code=code, token=token)


@bp.post("/onsite/<code>/<token>")
@member_required
def onsite_checkin(code: str, token: str):
    body = OnsiteIn.model_validate_json(request.get_data() or b"{}")
    result = onsite_qr.scan(db.session, current_member().id, code, token, body.location(), source="onsite")
    return jsonify(checkin_answer(result))
