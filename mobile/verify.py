"""/verify/<code>: anyone holding a 志愿服务证明 checks it here. Shows what the paper says (masked
name, period, hours, count, recording organisations, date) and nothing more: a standalone public page,
without the member menu or anyone's messages."""
from __future__ import annotations

from flask import Blueprint, render_template

from mobile.result import result_page
from models import Member
from runtime.extensions import db
from services.kernel.beijing_time import BEIJING
from services.kernel.errors import DomainError
from services.volunteering import certificates
from web.guards import limiter

verify_bp = Blueprint("verify", __name__, template_folder="templates")


@verify_bp.get("/verify/<code>")
@limiter.limit("30 per minute")  # public: slows anyone walking the code space
def verify(code: str):
    try:
        certificate = certificates.get(db.session, code[:32])
    except DomainError as err:
        return result_page("证明无法核验", err.message,
                               standalone=True, status=err.status)
    member = db.session.get(Member, certificate.member_id)
    return render_template("mobile/verify.html", certificate=certificate, beijing=BEIJING, standalone=True,
                           name=certificates.masked_name(member.name))
