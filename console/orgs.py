"""下级组织 and 注册码: a superior hands out single-use codes; a new organisation registers with one."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from console import bp
from console.auth import current_account, login_required
from models import ORG_KIND_LABELS, OrgKind, StreetCategory
from runtime.extensions import db
from services.kernel.beijing_time import BEIJING
from services.kernel.errors import DomainError, Invalid
from services.organisations import orgs
from services.people import recovery
from web.flashing import attempt
from web.guards import limiter
from web.requestargs import int_arg

CODES_SHOWN = 300


@bp.get("/orgs")
@login_required
def org_list():
    org = current_account().org
    children = orgs.children_of(db.session, org, with_account=True)
    codes, unused = orgs.issued_codes(db.session, org, CODES_SHOWN)
    return render_template("console/orgs.html", org=org, children=children, codes=codes, unused=unused,
                           can_have_children=bool(orgs.ALLOWED_CHILDREN[org.kind]), beijing=BEIJING,
                           max_batch=orgs.MAX_CODES_PER_BATCH,
                           child_kinds=[ORG_KIND_LABELS[k] for k in sorted(orgs.ALLOWED_CHILDREN[org.kind])])


@bp.post("/orgs/codes")
@login_required
def generate_codes():
    count = int_arg(request.form, "count", 0)
    attempt(lambda: orgs.generate_registration_codes(db.session, current_account().org_id, count),
            lambda codes: f"已生成 {len(codes)} 个注册码，请分发给下级组织，每个注册码只能使用一次")
    return redirect(url_for("console.org_list"))


@bp.post("/orgs/<int:org_id>/reset-password")
@login_required
def reset_child_password(org_id: int):
    """A sub-organisation that lost its password asks its superior (the seeds' way of help)."""
    attempt(lambda: recovery.reset_account_password(db.session, current_account().org_id, org_id,
                                                    request.form.get("password", "")),
            lambda account: f"已重置账号 {account.username} 的密码，请当面或电话告知对方；该账号原有登录已全部退出")
    return redirect(url_for("console.org_list"))


@bp.post("/orgs/codes/<code>/revoke")
@login_required
def revoke_code(code: str):
    attempt(lambda: orgs.revoke_registration_code(db.session, current_account().org_id, code), f"注册码 {code} 已作废")
    return redirect(url_for("console.org_list"))


REGISTRABLE = [kind for kind in OrgKind if kind != OrgKind.city]


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])  # public: slows anyone trying codes at random
def register_org():
    """组织注册: public, since the new organisation has no account yet; the code is the credential."""
    form = request.form
    if request.method == "POST":
        try:
            org = orgs.register_organization(
                db.session, form.get("code", ""), form.get("name", ""), _kind(form.get("kind")),
                form.get("username", ""), form.get("password", ""),
                category=form.get("category") or None, contact_name=form.get("contact_name") or None,
                contact_phone=form.get("contact_phone") or None)
            flash(f"「{org.name}」注册成功，请用用户名 {org.accounts[0].username} 登录", "ok")
            return redirect(url_for("console.login"))
        except DomainError as err:
            flash(err.message, "error")
            return _register_page(form), err.status
    return _register_page(form)


def _kind(value: str | None) -> OrgKind:
    try:
        return OrgKind(value or "")
    except ValueError:
        raise Invalid("org_kind", "请选择组织类别") from None


def _register_page(form):
    return render_template("console/register.html", form=form, kinds=[(k.value, ORG_KIND_LABELS[k]) for k in REGISTRABLE],
                           categories=[(c.value, label) for c, label in
                                       ((StreetCategory.urban, "城区"), (StreetCategory.suburban, "郊区"))])
