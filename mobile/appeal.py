"""/m/appeal: 身份认证 on the phone, where the registration's "ID taken" answer points. The person
uploads their ID photo (JPEG/PNG, at most 5 MB) with the phone and password they want, and sees how
the review went."""
from __future__ import annotations

from flask import render_template, request

from mobile import bp
from mobile.auth import current_openid, openid_required
from runtime.extensions import db
from services.kernel.errors import DomainError
from services.people import appeals, signup
from web.guards import limiter
from web.requestargs import read_upload


def _page(error: str | None = None, status: int = 200):
    return render_template("mobile/appeal.html", error=error, appeal=appeals.latest_for(db.session, current_openid()),
                           labels=appeals.STATUS_LABELS, values=request.form), status


@bp.route("/appeal", methods=["GET", "POST"])
@openid_required
@limiter.limit("5 per hour", methods=["POST"])
def appeal():
    if request.method == "GET":
        return _page()
    form = request.form
    try:
        appeals.submit(db.session, name=form.get("name", ""), id_number=form.get("id_number", ""),
                       phone=form.get("phone", ""), sms_code=form.get("sms_code", ""),
                       password=form.get("password", ""), photo=read_upload(request.files, "photo"),
                       openid=current_openid(), asker=signup.Asker(login=current_openid(), address=request.remote_addr))
    except DomainError as err:
        return _page(err.message, err.status)
    return _page()
