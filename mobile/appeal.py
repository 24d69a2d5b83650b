"""/m/appeal: 身份认证 on the phone, where the registration's "ID taken" answer points. The person
uploads their ID photo (JPEG/PNG, at most 5 MB) with the phone and password they want, and sees how
the review went."""
from __future__ import annotations

from flask import render_template, request, url_for

from mobile import bp
from mobile.auth import current_member, current_openid, member_required, openid_required
from mobile.result import result_page
from runtime.extensions import db
from services.kernel.beijing_time import BEIJING
from services.kernel.errors import DomainError
from services.people import appeal_review, appeals, signup
from web.guards import limiter
from web.requestargs import read_upload


def _page(error: str | None = None, status: int = 200):
    appeal = appeals.latest_for(db.session, current_openid())
    if appeal is not None and appeal.status.value == "accepted" and request.method == "GET":
        # The appeal's end is a result with one way on, not a form to fill again (issue 37.5).
        return result_page("身份认证已通过", "账号已转到你的名下，原持有人的登录已退出。请用申请时填写的手机号和密码登录。",
                           next_url=url_for("mobile.home"), next_label="登录使用")
    return render_template("mobile/appeal.html", error=error, appeal=appeal, values=request.form,
                           stage=appeal_review.stage_of(appeal) if appeal else None), status


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


@bp.route("/appeal/objection", methods=["GET", "POST"])
@member_required(consent_needed=False)
def objection():
    """Where the notice to an account's holder points: an accepted identity appeal would hand this account
    over in three days; the holder says it is theirs, and the handover stops until the reviewers look again."""
    member = current_member()
    if request.method == "POST":
        try:
            appeal_review.object_to(db.session, member.id, request.form.get("note"))
        except DomainError as err:
            return result_page("无法提出异议", err.message, status=err.status)
        return result_page("已提出异议",
                               "已暂停移交：团组织的审核人员会重新核实这份身份认证申请；如再次审核通过，你会再收到通知并可再次提出异议。")
    appeal = appeal_review.awaiting_objection(db.session, member.id)
    return render_template("mobile/objection.html", appeal=appeal, beijing=BEIJING)
