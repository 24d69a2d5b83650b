"""Sign in / sign out with {lat, lng, accuracy, coord_type}; my hours."""
from __future__ import annotations

from flask import jsonify, request

from miniprogram_api import bp
from miniprogram_api.auth import current_member_id, member_required
from miniprogram_api.openapi import documented
from miniprogram_api.responses import CheckinOut, HoursOut
from runtime.extensions import db
from services.people import members
from services.reporting import commendations
from services.volunteering import checkin, hours, participation
from services.volunteering.projects import get_project_by_code
from web.answers import checkin_answer
from web.bodies import LocationIn


def _location():
    return LocationIn.model_validate_json(request.get_data() or b"{}").location()


@bp.post("/projects/<code>/signin")
@documented("签到（带位置；可带 Idempotency-Key）", body=LocationIn, response=CheckinOut)
@member_required
def sign_in(code: str):
    location = _location()
    project = get_project_by_code(db.session, code)
    # The client's Idempotency-Key makes a retried request (lost answer) return the same record.
    key = (request.headers.get("Idempotency-Key") or "").strip()[:64] or None
    result = checkin.sign_in(db.session, current_member_id(), project.id, location,
                             key=f"mp:{current_member_id()}:{key}" if key else None, source="api")
    return jsonify(checkin_answer(result))


@bp.post("/projects/<code>/signout")
@documented("签退（带位置）", body=LocationIn, response=CheckinOut)
@member_required
def sign_out(code: str):
    location = _location()
    project = get_project_by_code(db.session, code)
    return jsonify(checkin_answer(checkin.sign_out(db.session, current_member_id(), project.id, location,
                                                   source="api")))


@bp.get("/me/hours")
@documented("我的时长：本年、累计、20小时进度、星级，以及本期（季度、学期或假期）是否已参加", response=HoursOut)
@member_required
def my_hours():
    summary = hours.summary(db.session, current_member_id())
    standing = participation.standing(db.session, members.get_member(db.session, current_member_id()))
    return jsonify({"year": summary.year, "year_hours": hours.hours_of(summary.year_minutes),
                    "target_hours": 20, "progress": min(1.0, round(summary.year_minutes / 1200, 3)),
                    "total_hours": hours.hours_of(summary.total_minutes), "star": summary.star,
                    "next_star_hours": summary.next_star_hours,
                    "participation": {"rule": standing.rule, "rule_label": standing.rule_label,
                                      "period": standing.period.label, "starts_on": standing.period.starts_on.isoformat(),
                                      "ends_on": standing.period.ends_on.isoformat(), "done": standing.done},
                    "honours": commendations.honours(db.session, current_member_id())})
