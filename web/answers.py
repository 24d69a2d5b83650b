"""Answers shared by the surfaces: the JSON the mini-program API and the phone pages' fetch calls give,
and the 志愿服务证明 PDF as a download or shown in the phone's browser."""
from __future__ import annotations

from flask import Response

from services.push.runs import project_link
from services.volunteering.certificates import pdf


def checkin_answer(result) -> dict:
    """The JSON a phone gets after signing in or out (shared with the mini-program API)."""
    return {"action": result.action, "created": result.created, "message": result.message,
            "record": record_answer(result.view),  # taken before the commit: no reload
            "fence": result.decision.as_dict() if result.decision else None}


def team_answer(team) -> dict:
    return {"code": team.code, "name": team.name, "organisation": team.org.name, "is_community": team.is_community,
            "contact_name": team.contact_name, "contact_phone": team.contact_phone}


def project_answer(project) -> dict:
    return {"code": project.code, "title": project.title, "team": project.team.name,
            "starts_at": project.starts_at.isoformat() if project.starts_at else None,
            "ends_at": project.ends_at.isoformat() if project.ends_at else None,
            "is_long_term": project.is_long_term, "status": project.status.value, "site_name": project.site_name,
            "radius_m": project.site_radius_m, "capacity": project.capacity,
            "lat": project.site_lat, "lng": project.site_lng, "coord_system": project.site_coord_system.value,
            "link": project_link(project)}


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def record_answer(record, flags: list[str] | None = None) -> dict:
    answer = {"id": record.id, "project": record.project.title, "status": record.status.value,
              "signin_at": record.signin_at.isoformat(), "signout_at": _iso(record.signout_at),
              "duration_minutes": record.duration_minutes, "original_signin_at": _iso(record.original_signin_at),
              "original_signout_at": _iso(record.original_signout_at), "edit_reason": record.edit_reason}
    if flags is not None:
        answer["flags"] = flags
    return answer


def correction_answer(request) -> dict:
    """A member's correction request as a coordinator sees it (the member by name only)."""
    return {"id": request.id, "record": record_answer(request.record), "member": request.member.name,
            "signin_at": request.signin_at.isoformat(), "signout_at": request.signout_at.isoformat(),
            "reason": request.reason, "status": request.status.value, "decision_note": request.decision_note,
            "created_at": request.created_at.isoformat()}


def pdf_response(session, certificate, *, inline: bool = False):
    """The certificate's PDF as a download (the API, the console) or shown in the phone's browser."""
    disposition = "inline" if inline else "attachment"
    return Response(pdf(session, certificate), mimetype="application/pdf", headers={
        "Content-Disposition": f'{disposition}; filename="certificate-{certificate.code}.pdf"'})
