"""/m/password/reset: 忘记密码 on the phone. Open to anyone (the person has no working login); the code
goes only to a registered phone, and the answer does not say whether it is registered."""
from __future__ import annotations

from flask import jsonify, render_template, request

from mobile import bp
from mobile.result import result_page
from runtime.extensions import db
from services.kernel.errors import DomainError
from services.people import recovery
from web.bodies import ResetCodeIn
from web.guards import limiter


@bp.route("/password/reset", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def password_reset():
    if request.method == "GET":
        return render_template("mobile/password_reset.html", error=None, phone="")
    form = request.form
    phone = form.get("phone", "")
    if form.get("password", "") != form.get("confirm", ""):
        return render_template("mobile/password_reset.html", error="两次输入的新密码不一致", phone=phone), 400
    try:
        recovery.reset_password(db.session, phone, form.get("code", ""), form.get("password", ""))
    except DomainError as err:
        return render_template("mobile/password_reset.html", error=err.message, phone=phone), err.status
    return result_page("密码已重置",
                           "新密码已生效，原来的登录已全部退出。请用新密码绑定或登录。")


@bp.post("/password/reset/code")
@limiter.limit("20 per hour")
def password_reset_code():
    body = ResetCodeIn.model_validate_json(request.get_data() or b"{}")
    return jsonify({"sent": True, "resend_after": recovery.send_reset_code(db.session, body.phone)})
