"""身份认证审核: the city committee (every appeal) and district committees (IDs held in their sub-tree)
compare the photo with the number claimed and the account's holder, confirm both match, and start the
handover to the real owner (after a second reviewer where the names differ, and a waiting period in
which the holder may object), or refuse with a reason; and the record of those looks and of every
member-list export (访问记录), for the city committee."""
from __future__ import annotations

from flask import Response, redirect, render_template, request, url_for

from console import bp
from console.auth import current_account, login_required
from jobs import notify
from runtime.extensions import db
from services.kernel.beijing_time import BEIJING
from services.people import appeal_review, appeals
from services.reporting import access_log
from web.flashing import attempt
from web.requestargs import page_arg


@bp.get("/appeals")
@login_required
def appeal_list():
    reviews = appeal_review.reviews_for(db.session, current_account().org_id)
    return render_template("console/appeals.html", reviews=reviews, beijing=BEIJING)


@bp.get("/appeals/<int:appeal_id>/photo")
@login_required
def appeal_photo(appeal_id: int):
    data = appeal_review.photo(db.session, current_account().org_id, appeal_id)
    kind = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    return Response(data, mimetype=kind, headers={"Cache-Control": "no-store, private"})


DONE = {"rejected": "已驳回，申请人将收到原因",
        "second_review": "已记录你的通过意见：申请人姓名与账号登记的姓名不一致，需另一位审核人复核",
        "waiting": "审核通过：已通知账号现持有人，3天内无异议即移交给申请人"}


@bp.post("/appeals/<int:appeal_id>/<any(accept, reject):decision>")
@login_required
def decide_appeal(appeal_id: int, decision: str):
    account, form = current_account(), request.form

    def decide():
        done = appeal_review.decide(db.session, account.org_id, appeal_id, decision == "accept", form.get("reason"),
                                    account_id=account.id, number_matches=bool(form.get("number_matches")),
                                    name_matches=bool(form.get("name_matches")))
        if done.stage == "waiting":
            notify.tell_holder(done.appeal.id)
        if done.stage != "second_review" and done.appeal.openid:
            notify.tell_openid(done.appeal.openid, appeals.appellant_notice(done.appeal))
        return done
    attempt(decide, lambda done: DONE[done.stage])
    return redirect(url_for("console.appeal_list"))


@bp.get("/access-log")
@login_required
def access_log_page():
    """访问记录: who looked at unmasked personal data or exported member lists; the city committee only."""
    page = page_arg(request.args)
    rows = access_log.recent(db.session, current_account().org, limit=100, offset=(page - 1) * 100)
    return render_template("console/access_log.html", rows=rows, page=page, beijing=BEIJING)
