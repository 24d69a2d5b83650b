"""个人信息保护 on the phone: the notice (public, versioned), agreeing again to a new version, and the
person's rights: download everything held about them, correct what is theirs, close the account."""
from __future__ import annotations

import json

from flask import Response, flash, jsonify, redirect, render_template, request, session, url_for

from mobile import bp
from mobile.auth import SESSION_KEY, _safe_next, current_member, member_required
from mobile.result import result_page
from runtime.extensions import db, protector
from services.kernel.errors import DomainError
from services.people import consent, my_data
from services.people.members import EDUCATION_LEVELS
from web.flashing import attempt


@bp.get("/privacy")
def privacy():
    """Readable by anyone (before registering too); a member whose agreement is older is asked again."""
    member = current_member()
    needs = member is not None and not consent.is_current(db.session, member.id)
    return render_template("mobile/privacy.html", notice=consent.notice_answer(member), member=member,
                           needs_consent=needs, next=_safe_next(request.args.get("next")))


@bp.post("/privacy")
@member_required(consent_needed=False)
def privacy_accept():
    member = current_member()
    try:
        consent.accept(db.session, member, notice=bool(request.form.get("consent_notice")),
                       sensitive=bool(request.form.get("consent_sensitive")))
    except DomainError as err:
        flash(err.message, "error")
        return redirect(url_for("mobile.privacy", next=request.form.get("next")))
    flash("已同意新版《个人信息保护说明》")
    return redirect(_safe_next(request.form.get("next")))


@bp.get("/my-data")
@member_required(consent_needed=False)
def my_data_page():
    member = current_member()
    return render_template("mobile/my_data.html", member=member, levels=EDUCATION_LEVELS,
                           phone=protector.decrypt(member.phone_enc), held=my_data.summary(db.session, member.id))


@bp.get("/my-data.json")
@member_required(consent_needed=False)
def my_data_download():
    data = my_data.export(db.session, current_member().id)
    return Response(json.dumps(data, ensure_ascii=False, indent=2), mimetype="application/json", headers={
        "Content-Disposition": 'attachment; filename="my-data.json"', "Cache-Control": "no-store"})


@bp.post("/my-data/correct")
@member_required(consent_needed=False)
def my_data_correct():
    changes = {name: request.form.get(name, "") for name in my_data.CORRECTABLE if name in request.form}
    attempt(lambda: my_data.correct(db.session, current_member().id, changes), "已更正")
    return redirect(url_for("mobile.my_data_page"))


@bp.post("/close/code")
@member_required(consent_needed=False)
def close_code():
    return jsonify({"sent": True, "resend_after": my_data.send_close_code(db.session, current_member().id)})


@bp.post("/close")
@member_required(consent_needed=False)
def close_account():
    try:
        my_data.close(db.session, current_member().id, request.form.get("code", ""))
    except DomainError as err:
        flash(err.message, "error")
        return redirect(url_for("mobile.my_data_page"))
    session.pop(SESSION_KEY, None)
    return result_page("账号已注销",
                           "你的个人信息已删除或匿名化；已认证的志愿服务记录以匿名形式保留在组织统计中。", final=True, status=200)
