"""/m/register: the real-name form, validated exactly as the mini-program API validates it (the same
pydantic model for shapes, the same services for the rules and their Chinese messages), with the
phone code; on success the WeChat openid holding the phone is bound to the new member."""
from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for
from pydantic import ValidationError

from mobile import bp
from mobile.auth import current_member, current_openid, openid_required
from mobile.result import result_page
from models import Organization
from runtime.extensions import db
from services.kernel.errors import DomainError
from services.organisations import orgs
from services.people import member_import, members, signup, sms, wechat_users
from web.bodies import RegisterIn, SmsCodeIn, field_messages
from web.guards import limiter

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
    q = request.values.get("branch_q", "").strip()[:30]
    found = orgs.search_branches(db.session, q) if q else []
    chosen = values.get("branch_id")
    chosen = int(chosen) if isinstance(chosen, str) and chosen.isdigit() and len(chosen) < 10 else chosen
    values["branch_id"] = chosen if isinstance(chosen, int) else None
    if values["branch_id"] and all(b.id != values["branch_id"] for b in found):
        branch = db.session.get(Organization, values["branch_id"])
        found = [branch] if branch is not None else []
    return [(b, orgs.path_label(db.session, b)) for b in found]


#: The two steps of the form: the account first, then identity and branch.
ACCOUNT_FIELDS = ("phone", "sms_code", "password")
#: A refusal from the services, by its code, beside the field it is about.
CODE_FIELDS = {"phone_taken": "phone", "id_taken": "id_number", "league_number_taken": "league_number",
               "sms_code_wrong": "sms_code", "sms_code_expired": "sms_code", "sms_code_exhausted": "sms_code",
               "branch": "branch_id", "id_probes": "id_number"}


def _problems(values: dict) -> dict[str, str]:
    """Every field's mistake at once: the shapes (the API's model), then the rules the form alone earns."""
    problems: dict[str, str] = {}
    try:
        RegisterIn.model_validate(values)
    except ValidationError as err:
        problems.update(field_messages(err))
    for field in ("consent_notice", "consent_sensitive"):
        if field in problems:
            problems["consent"] = problems.pop(field)
    form = members.Registration(
        **{k: values.get(k) or "" for k in ("name", "id_number", "phone", "password", "joined_league", "ethnicity",
                                            "education")},
        league_number=values.get("league_number"), student_number=values.get("student_number"),
        consent_notice=values["consent_notice"], consent_sensitive=values["consent_sensitive"])
    for field, message in members.form_problems(form).items():
        problems.setdefault(field, message)
    return problems


def _page(values: dict, problems: dict[str, str], status: int = 200, error: str | None = None):
    # A sent form comes back at its second step, unless the account's own fields are at fault.
    step = 2 if request.method == "POST" and not any(field in problems for field in ACCOUNT_FIELDS) else 1
    return render_template("mobile/register.html", values=values, problems=problems, error=error, step=step,
                           levels=members.EDUCATION_LEVELS, branches=_branches(values),
                           branch_q=request.values.get("branch_q", "")), status


@bp.route("/register", methods=["GET", "POST"])
@openid_required
def register():
    """Two short steps on one page, every mistake shown beside its field at once, nothing typed lost —
    the password and the SMS code included — and the branch search inside the form (issue 37.2)."""
    if current_member() is not None:
        return redirect(url_for("mobile.home"))
    if request.method == "GET":
        return _page({"volunteer": True}, {})
    values = _form_data()
    if request.form.get("action") == "search_branch":
        return _page(values, {})
    problems = _problems(values)
    if problems:
        return _page(values, problems, 400)
    body = RegisterIn.model_validate(values)
    try:
        member, joined = signup.register_with_code(
            db.session, members.Registration(**body.model_dump(exclude={"sms_code"})), body.sms_code,
            openid=_openid(), asker=signup.Asker(login=_openid(), address=request.remote_addr))
    except DomainError as err:
        field = CODE_FIELDS.get(err.code)
        return _page(values, {field: err.message} if field else {}, err.status, None if field else err.message)
    flash(f"注册成功，欢迎你，{member.name}！" + (f"已加入「{joined.team.name}」。" if joined else ""))
    return redirect(url_for("mobile.home"))


@bp.route("/claim", methods=["GET", "POST"])
@openid_required
@limiter.limit("10 per hour", methods=["POST"])
def claim():
    """认领账号 (issue 36.6): the account the branch entered from the league system, taken by its person
    with a code to the phone the branch registered; this WeChat is bound to it."""
    if current_member() is not None:
        return redirect(url_for("mobile.home"))
    form = request.form
    if request.method == "GET":
        return render_template("mobile/claim.html", values={}, error=None, levels=members.EDUCATION_LEVELS)
    try:
        member = member_import.claim(db.session, phone=form.get("phone", ""), sms_code=form.get("sms_code", ""),
                                     password=form.get("password", ""), openid=_openid(),
                                     ethnicity=form.get("ethnicity", ""), education=form.get("education", ""),
                                     consent_notice=bool(form.get("consent_notice")),
                                     consent_sensitive=bool(form.get("consent_sensitive")))
    except DomainError as err:
        return render_template("mobile/claim.html", values=form, error=err.message,
                               levels=members.EDUCATION_LEVELS), err.status
    return result_page("认领成功", f"{member.name}，你的账号已认领，微信已绑定。", next_url=url_for("mobile.home"),
                       next_label="进入首页")


@bp.post("/claim/code")
@openid_required
@limiter.limit("10 per hour")
def claim_code():
    body = SmsCodeIn.model_validate_json(request.get_data() or b"{}")
    waiting = member_import.unclaimed(db.session, body.phone) is not None
    # The same answer whether or not the phone was entered by a branch.
    return jsonify({"sent": True, "resend_after": sms.send_code(body.phone, "claim", deliver=waiting)})


@bp.post("/register/code")
@openid_required
def register_code():
    body = SmsCodeIn.model_validate_json(request.get_data() or b"{}")
    return jsonify({"sent": True, "resend_after": sms.send_code(body.phone, "register")})
