"""JSON answers shared by the mini-program API and the phone pages' fetch calls."""
from __future__ import annotations


def checkin_answer(result) -> dict:
    """The JSON a phone gets after signing in or out (shared with the mini-program API)."""
    record = result.record
    return {"action": result.action, "created": result.created, "message": result.message,
            "record": {"id": record.id, "status": record.status.value, "signin_at": record.signin_at.isoformat(),
                       "signout_at": record.signout_at.isoformat() if record.signout_at else None,
                       "duration_minutes": record.duration_minutes},
            "fence": result.decision.as_dict() if result.decision else None}
