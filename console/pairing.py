"""结对: the city hands pairing codes to universities and may lower a street's cap, a university
allocates one code to each department, a department pairs at once with a street of the code's category
that has a place (先到先得), and both sides confirm the offline pairing within three days."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from console import bp
from console.auth import current_account, login_required
from models import OrgKind, StreetCategory
from runtime.extensions import db
from services.kernel.beijing_time import BEIJING
from services.organisations import orgs, pairing
from services.reporting import stats
from web.flashing import attempt
from web.requestargs import int_arg

STATUS_LABELS = {"pending": "待审核", "accepted": "已结对", "rejected": "已拒绝", "lapsed": "已失效",
                 "dissolved": "已解除", "withdrawn": "已撤回"}


@bp.get("/pairing")
@login_required
def pairing_page():
    org = current_account().org
    context = dict(org=org, beijing=BEIJING, status_labels=STATUS_LABELS, categories=pairing.CATEGORY_LABEL, q=request.args.get("q", ""))
    if org.kind == OrgKind.department:
        code = pairing.department_code(db.session, org.id)
        context.update(code=code, applications=pairing.of_department(db.session, org.id),
                       streets=pairing.open_streets(db.session, code.category, context["q"]) if code else [])
    elif org.kind in orgs.STREET_KINDS:
        pairs = pairing.of_street(db.session, org.id)
        context.update(pairs=pairs, used=pairing.accepted_count(db.session, org.id),
                       capacity=pairing.capacity_of(org), category_cap=pairing.category_cap(org),
                       affected={p.department_id: stats.members_counted(db.session, p.department)[0] for p in pairs})
    elif org.kind == OrgKind.university:
        departments = orgs.children_of(db.session, org, OrgKind.department)
        context.update(codes=pairing.university_codes(db.session, org.id), departments=departments,
                       names={d.id: d.name for d in departments})
    elif org.kind == OrgKind.city:
        context.update(universities=orgs.children_of(db.session, org, OrgKind.university),
                       streets=pairing.streets_with_caps(db.session, org))
    return render_template("console/pairing.html", **context)


def _do(action, done: str):
    attempt(action, done)
    return redirect(url_for("console.pairing_page"))


@bp.post("/pairing/pair")
@login_required
def pairing_pair():
    org_id = current_account().org_id
    return _do(lambda: pairing.pair(db.session, org_id, int_arg(request.form, "street", 0), request.form.get("code", "")),
               "已线上结对，请在三日内与街道（乡镇）完成线下结对并在此确认")


@bp.post("/pairing/<int:pairing_id>/confirm")
@login_required
def pairing_confirm(pairing_id: int):
    org_id = current_account().org_id
    return _do(lambda: pairing.confirm_offline(db.session, org_id, pairing_id), "已确认线下结对")


@bp.post("/pairing/<int:pairing_id>/dissolve")
@login_required
def pairing_dissolve(pairing_id: int):
    org_id = current_account().org_id
    return _do(lambda: pairing.dissolve(db.session, org_id, pairing_id, request.form.get("reason")), "已解除结对")


@bp.post("/pairing/capacity")
@login_required
def pairing_capacity():
    org_id = current_account().org_id
    capacity = int_arg(request.form, "capacity", 0) or None  # empty: back to the category's cap
    return _do(lambda: pairing.set_capacity(db.session, org_id, int_arg(request.form, "street", 0), capacity),
               "结对名额已更新")


@bp.post("/pairing/allocate")
@login_required
def pairing_allocate():
    org_id = current_account().org_id
    return _do(lambda: pairing.allocate_code(db.session, org_id, request.form.get("code", ""),
                                             int_arg(request.form, "department", 0)), "结对码已分配给院系")


@bp.post("/pairing/issue")
@login_required
def pairing_issue():
    org_id = current_account().org_id
    category = request.form.get("category")
    if category not in {c.value for c in StreetCategory}:
        flash("请选择城区或郊区", "error")
        return redirect(url_for("console.pairing_page"))
    return _do(lambda: pairing.issue_codes(db.session, org_id, int_arg(request.form, "university", 0), category,
                                           int_arg(request.form, "count", 0)), "结对码已下发")
