"""身份认证审核: the city committee (every appeal) and district committees (IDs held in their sub-tree)
look at the photo and hand the account to its real owner, or refuse with a reason; and the record of
those looks and of every member-list export (访问记录), for the city committee."""
from __future__ import annotations

from flask import Response, redirect, render_template, request, url_for

from console import bp
from console.auth import current_account, login_required
from jobs import notify
from runtime.extensions import db
from runtime.privacy import mask_phone
from services.kernel.beijing_time import BEIJING
from services.people import appeals
from services.reporting import access_log
from web.flashing import attempt
from web.requestargs import page_arg


@bp.get("/appeals")
@login_required
def appeal_list():
    rows = appeals.pending_for(db.session, current_account().org_id)
    return render_template("console/appeals.html", appeals=rows, beijing=BEIJING,
                           phones={a.id: mask_phone(appeals.appellant_phone(a)) for a in rows})


@bp.get("/appeals/<int:appeal_id>/photo")
@login_required
def appeal_photo(appeal_id: int):
    data = appeals.photo(db.session, current_account().org_id, appeal_id)
    kind = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    return Response(data, mimetype=kind, headers={"Cache-Control": "no-store, private"})


@bp.post("/appeals/<int:appeal_id>/<any(accept, reject):decision>")
@login_required
def decide_appeal(appeal_id: int, decision: str):
    def decide():
        done = appeals.decide(db.session, current_account().org_id, appeal_id, decision == "accept",
                              request.form.get("reason"))
        if done.appeal.openid:
            notify.tell_openid(done.appeal.openid, appeals.appellant_notice(done.appeal))
        if done.previous_openid:
            notify.tell_openid(done.previous_openid, appeals.PREVIOUS_HOLDER_NOTICE)
        return done
    attempt(decide, "已通过身份认证，账号已转给申请人" if decision == "accept" else "已驳回，申请人将收到原因")
    return redirect(url_for("console.appeal_list"))


@bp.get("/access-log")
@login_required
def access_log_page():
    """访问记录: who looked at unmasked personal data or exported member lists; the city committee only."""
    page = page_arg(request.args)
    rows = access_log.recent(db.session, current_account().org, limit=100, offset=(page - 1) * 100)
    return render_template("console/access_log.html", rows=rows, page=page, beijing=BEIJING)
