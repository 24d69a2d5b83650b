"""/m/register: the real-name form, validated exactly as the mini-program API validates it (the same
pydantic model for shapes, the same services for the rules and their Chinese messages), with the
phone code; on success the WeChat openid holding the phone is bound to the new member."""
from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for
from pydantic import ValidationError

from mobile import bp
from mobile.auth import current_member, current_openid, openid_required
from models import Organization
from runtime.extensions import db
from services.kernel.errors import DomainError
from services.organisations import orgs
from services.people import members, signup, sms, wechat_users
from web.bodies import RegisterIn, SmsCodeIn, describe

FIELDS = ("name", "id_number", "phone", "sms_code", "password", "joined_league", "ethnicity", "education",
          "league_number", "student_number")


def _openid() -> str:
    """The phone's openid; a bind link from the bot may name it when the page is opened outside the
    authorised session (the link is signed and short-lived)."""
    token = request.values.get("bind")
    if token:
        try:
            return wechat_users.read_bind_token(token)
        except DomainError:
            pass
    return current_openid()


def _form_data() -> dict:
    data = {name: request.form.get(name, "").strip() for name in FIELDS}
    for optional in ("league_number", "student_number"):
        data[optional] = data[optional] or None
    data["cadre"] = bool(request.form.get("cadre"))
    data["volunteer"] = bool(request.form.get("volunteer"))
    data["consent_notice"] = bool(request.form.get("consent_notice"))
    data["consent_sensitive"] = bool(request.form.get("consent_sensitive"))
    data["branch_id"] = request.form.get("branch_id", "").strip()[:12] or None  # RegisterIn checks it
    return data


def _branches(values: dict) -> list[tuple]:
    """The branches offered to choose from: the search's results, or after a refused form the one chosen."""
    q = request.args.get("branch_q", "").strip()[:30]
    found = orgs.search_branches(db.session, q) if q else []
    chosen = values.get("branch_id")
    chosen = int(chosen) if isinstance(chosen, str) and chosen.isdigit() and len(chosen) < 10 else None
    values["branch_id"] = chosen
    if chosen and all(b.id != chosen for b in found):
        branch = db.session.get(Organization, chosen)
        found = [branch] if branch is not None else []
    return [(b, orgs.path_label(db.session, b)) for b in found]


@bp.route("/register", methods=["GET", "POST"])
@openid_required
def register():
    if current_member() is not None:
        return redirect(url_for("mobile.home"))
    values = {"volunteer": True}
    if request.method == "POST":
        values = _form_data()
        try:
            body = RegisterIn.model_validate(values)
            member, joined = signup.register_with_code(
                db.session, members.Registration(**body.model_dump(exclude={"sms_code"})), body.sms_code,
                openid=_openid(), asker=signup.Asker(login=_openid(), address=request.remote_addr))
        except ValidationError as err:
            error, status = describe(err)[0], 400
        except DomainError as err:
            error, status = err.message, err.status
        else:
            flash(f"注册成功，欢迎你，{member.name}！" + (f"已加入「{joined.team.name}」。" if joined else ""))
            return redirect(url_for("mobile.home"))
        values.pop("password", None)
        values.pop("sms_code", None)
        return render_template("mobile/register.html", values=values, error=error, levels=members.EDUCATION_LEVELS,
                               branches=_branches(values), branch_q=request.args.get("branch_q", "")), status
    return render_template("mobile/register.html", values=values, error=None, levels=members.EDUCATION_LEVELS,
                           branches=_branches(values), branch_q=request.args.get("branch_q", ""))


@bp.post("/register/code")
@openid_required
def register_code():
    body = SmsCodeIn.model_validate_json(request.get_data() or b"{}")
    return jsonify({"sent": True, "resend_after": sms.send_code(body.phone, "register")})
