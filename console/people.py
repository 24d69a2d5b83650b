"""人员: an organisation's people (issue 36.1) — the admin invites, changes roles, disables and hands the
admin role over; a superior looks at a sub-organisation's people to disable one or give a way back in.
The invitation's own pages (/console/join) and 忘记密码 are open to the person without a login.

Every POST of the console passes ``require_ability``: what the person's role may do, by endpoint."""
from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for

from console import bp
from console.auth import current_account, login_required, require_org
from models import STAFF_ROLE_LABELS
from runtime.extensions import db
from runtime.privacy import mask_phone
from services.kernel.errors import DomainError, Forbidden
from services.organisations import contacts, orgs
from services.people import sms, staff
from web.bodies import SmsCodeIn
from web.flashing import attempt
from web.guards import limiter
from web.requestargs import int_arg

#: The console's POST endpoints by what they need; the rest need "manage" (teams, projects, members).
ABILITY_OF = {
    "console.staff_invite": "people", "console.staff_role": "people", "console.staff_disable": "people",
    "console.staff_hand_over": "people", "console.staff_reset_link": "people", "console.staff_revoke": "people",
    "console.generate_codes": "people", "console.revoke_code": "people", "console.reset_child_password": "people",
    "console.decide_hours": "hours", "console.edit_record_times": "hours", "console.decide_correction": "hours",
    "console.refresh_stats": "read", "console.poster_batch_start": "read", "console.reveal_phone": "read",
    "console.set_contact": "people", "console.designate_contact": "people", "console.org_import_check": "people",
    "console.org_import_apply": "people", "console.member_import_check": "manage", "console.member_import_apply": "manage",
}
OPEN = {"console.login", "console.logout", "console.change_password", "console.register_org", "console.join",
        "console.join_code", "console.forgot_password", "console.forgot_code"}


@bp.before_request
def require_ability():
    """A role's limits, checked once for every console action: 只读 changes nothing, 计时员 decides hours."""
    if request.method in ("GET", "HEAD", "OPTIONS") or request.endpoint in OPEN:
        return None
    account = current_account()
    if account is None:
        return None  # the view's own login gate sends them to log in
    staff.require(account, ABILITY_OF.get(request.endpoint, "manage"))
    return None


def _people_page(org, **shown):
    actor = current_account()
    return render_template("console/people.html", org=org, people=staff.people(db.session, org.id),
                           invitations=staff.open_invitations(db.session, org.id) if org.id == actor.org_id else [],
                           own=org.id == actor.org_id, can_manage=staff.may(actor, "people"),
                           roles=[(r.value, STAFF_ROLE_LABELS[r]) for r in staff.ROLES_TO_INVITE],
                           masked=lambda a: mask_phone(staff.phone_of(a)) if a.phone_enc else "—", **shown)


@bp.get("/people")
@login_required
def staff_list():
    org_id = int_arg(request.args, "org")
    return _people_page(require_org(org_id) if org_id else current_account().org)


def _shown_once(invitation, token: str, code: str) -> dict:
    return {"issued": {"invitation": invitation, "link": url_for("console.join", token=token, _external=True),
                       "code": f"{code[:4]}-{code[4:]}"}}


@bp.post("/people/contact")
@login_required
def set_contact():
    """The organisation's own contact, by its admin (posters, 社区服务 reply, team pages)."""
    org_id = current_account().org_id
    attempt(lambda: contacts.set_contact(db.session, org_id, org_id, request.form.get("contact_name"),
                                         request.form.get("contact_phone")),
            "联系人已更新；服务队海报、社区服务回复和服务队页面将显示新的联系人，请重新下载海报打印")
    return redirect(url_for("console.staff_list"))


@bp.post("/orgs/<int:org_id>/contact")
@login_required
def designate_contact(org_id: int):
    """The superior designates a sub-organisation's coordinator (seed 000: the street names each
    community's), and may invite them as its admin at once: the link and code are shown this once."""
    actor = current_account()
    try:
        if org_id == actor.org_id:
            raise Forbidden("own_org", "本组织的联系人请在“人员”页修改")
        org = contacts.set_contact(db.session, actor.org_id, org_id, request.form.get("contact_name"),
                                   request.form.get("contact_phone"))
        issued = None
        if request.form.get("invite"):
            invitation, token, code = staff.invite_to(db.session, actor, org.id, name=org.contact_name, role="admin")
            issued = _shown_once(invitation, token, code)
    except DomainError as err:
        flash(err.message, "error")
        return redirect(url_for("console.org_list"))
    flash(f"已指定「{org.name}」的负责人：{org.contact_name} {org.contact_phone}", "ok")
    if issued is None:
        return redirect(url_for("console.org_list"))
    return render_template("console/invitation_issued.html", org=org, **issued)


@bp.post("/people/invite")
@login_required
def staff_invite():
    """The link and code are shown this once (only their hashes are kept)."""
    try:
        invitation, token, code = staff.invite(db.session, current_account(), name=request.form.get("name"),
                                               role=request.form.get("role", ""))
    except DomainError as err:
        return _people_page(current_account().org, error=err.message), err.status
    return _people_page(current_account().org, **_shown_once(invitation, token, code))


@bp.post("/people/<int:account_id>/reset-link")
@login_required
def staff_reset_link(account_id: int):
    invitation, token, code = staff.reset_link(db.session, current_account(), account_id)
    return _people_page(require_org(invitation.org_id), **_shown_once(invitation, token, code))


def _back():
    org_id = int_arg(request.form, "org")
    return redirect(url_for("console.staff_list", org=org_id if org_id and org_id != current_account().org_id else None))


@bp.post("/people/<int:account_id>/role")
@login_required
def staff_role(account_id: int):
    attempt(lambda: staff.set_role(db.session, current_account(), account_id, request.form.get("role", "")),
            lambda a: f"已将{a.display_name}的角色改为{a.role_label}")
    return _back()


@bp.post("/people/<int:account_id>/<any(disable, enable):change>")
@login_required
def staff_disable(account_id: int, change: str):
    attempt(lambda: staff.set_disabled(db.session, current_account(), account_id, change == "disable"),
            lambda a: f"已{'停用' if change == 'disable' else '启用'}{a.display_name}的账号"
                      + ("，其登录已全部退出" if change == "disable" else ""))
    return _back()


@bp.post("/people/<int:account_id>/hand-over")
@login_required
def staff_hand_over(account_id: int):
    attempt(lambda: staff.hand_over_admin(db.session, current_account(), account_id),
            lambda a: f"已将管理员移交给{a.display_name}，你现在是协调员")
    return _back()


@bp.post("/invitations/<int:invitation_id>/revoke")
@login_required
def staff_revoke(invitation_id: int):
    attempt(lambda: staff.revoke_invitation(db.session, current_account(), invitation_id), "邀请已作废")
    return _back()


# The invited person's side: no login yet.

@bp.route("/join", methods=["GET", "POST"])
@bp.route("/join/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def join(token: str | None = None):
    form = request.form
    code = form.get("invite_code") or request.args.get("code")
    invitation, error = None, None
    try:
        if token or code:
            invitation = staff.find_invitation(db.session, token=token, code=code)
    except DomainError as err:
        error = err.message
    org_name = orgs.get_org(db.session, invitation.org_id).name if invitation else None
    if request.method == "GET" or invitation is None:
        status = 200 if error is None else 404
        return render_template("console/join.html", invitation=invitation, token=token, code=code, error=error,
                               values={}, role_labels=STAFF_ROLE_LABELS, org_name=org_name), status
    try:
        account = staff.accept(db.session, token=token, code=code, name=form.get("name", ""),
                               phone=form.get("phone", ""), sms_code=form.get("sms_code", ""),
                               password=form.get("password", ""))
    except DomainError as err:
        return render_template("console/join.html", invitation=invitation, token=token, code=code,
                               error=err.message, values=form, role_labels=STAFF_ROLE_LABELS,
                               org_name=org_name), err.status
    done = "密码已重置" if invitation.purpose == "reset" else f"已加入「{account.org.name}」，角色：{account.role_label}"
    return render_template("console/join_done.html", message=f"{done}。请用手机号和密码登录。")


@bp.post("/join/code")
@limiter.limit("10 per hour")
def join_code():
    body = SmsCodeIn.model_validate_json(request.get_data() or b"{}")
    return jsonify({"sent": True, "resend_after": sms.send_code(body.phone, "staff")})


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def forgot_password():
    if request.method == "GET":
        return render_template("console/forgot.html", error=None, values={})
    form = request.form
    if form.get("password", "") != form.get("confirm", ""):
        return render_template("console/forgot.html", error="两次输入的新密码不一致", values=form), 400
    try:
        staff.reset_by_sms(db.session, form.get("phone", ""), form.get("sms_code", ""), form.get("password", ""))
    except DomainError as err:
        return render_template("console/forgot.html", error=err.message, values=form), err.status
    return render_template("console/join_done.html", message="密码已重置，原有登录已全部退出。请用手机号和新密码登录。")


@bp.post("/password/forgot/code")
@limiter.limit("10 per hour")
def forgot_code():
    body = SmsCodeIn.model_validate_json(request.get_data() or b"{}")
    live = staff.live_account_by_phone(db.session, body.phone) is not None
    # The same answer whether or not the phone has an account (it must not tell who works where).
    return jsonify({"sent": True, "resend_after": sms.send_code(body.phone, "staff_reset", deliver=live)})
