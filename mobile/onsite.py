"""/m/onsite/<code>/<token>: what a member's phone opens on scanning the coordinator's on-site QR
(and /m/report/<code>/<token>, the community's 现场报到 screen, below).

The page asks the browser for its position (WGS-84 with an accuracy, as browsers give it) and posts
it; the service checks the 30-second token and the geofence and signs in or out. The answer shows
the distance and the allowed radius, also when it refuses.
"""
from __future__ import annotations

from flask import jsonify, render_template, request, url_for

from mobile import bp
from mobile.auth import current_member, member_required
from mobile.result import result_page
from runtime.extensions import db
from services.kernel.beijing_time import BEIJING
from services.kernel.errors import DomainError
from services.organisations import onsite_report
from services.organisations.teams import get_team_by_code
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


@bp.get("/report/<code>/<token>")
@member_required
def onsite_report_page(code: str, token: str):
    """现场报到: the page the coordinator's screen opens; one button confirms (a GET changes nothing)."""
    team = get_team_by_code(db.session, code)
    return render_template("mobile/onsite_report.html", team=team, code=code, token=token,
                           confirmed_at=onsite_report.confirmed_at(db.session, current_member().id, team.id))


@bp.post("/report/<code>/<token>")
@member_required
def onsite_report_confirm(code: str, token: str):
    try:
        done = onsite_report.confirm(db.session, current_member().id, code, token)
    except DomainError as err:
        return result_page("现场报到未完成", err.message, status=err.status, hint="请重新扫描现场屏幕上的二维码。")
    when = done.confirmed_at.astimezone(BEIJING).strftime("%m月%d日 %H:%M")
    message = (f"你已于 {when} 在「{done.team.name}」完成现场报到。" if done.already else
               f"已在「{done.team.name}」完成现场报到（{when}）。" + ("线上报到同时完成。" if done.joined_now else ""))
    return result_page("现场报到成功", message, next_url=url_for("mobile.my_team"), next_label="查看我的服务队")
