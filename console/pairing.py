"""结对: the city hands pairing codes to universities, a university allocates one to each department,
a department applies to streets of the code's category, a street accepts up to its capacity."""
from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for

from console import bp
from console.auth import current_account, login_required
from console.flashing import attempt
from extensions import db
from models import Organization, OrgKind, StreetCategory
from requestargs import int_arg
from services import orgs, pairing

STATUS_LABELS = {"pending": "待审核", "accepted": "已结对", "rejected": "已拒绝", "lapsed": "已失效",
                 "dissolved": "已解除"}


@bp.get("/pairing")
@login_required
def pairing_page():
    org = current_account().org
    context = dict(org=org, status_labels=STATUS_LABELS, categories=pairing.CATEGORY_LABEL, q=request.args.get("q", ""))
    if org.kind == OrgKind.department:
        code = pairing.department_code(db.session, org.id)
        context.update(code=code, applications=pairing.of_department(db.session, org.id),
                       streets=pairing.open_streets(db.session, code.category, context["q"]) if code else [])
    elif org.kind in orgs.STREET_KINDS:
        context.update(pairs=pairing.of_street(db.session, org.id), used=pairing.accepted_count(db.session, org.id),
                       capacity=pairing.capacity_of(org))
    elif org.kind == OrgKind.university:
        departments = db.session.scalars(sa.select(Organization).where(
            Organization.parent_id == org.id, Organization.kind == OrgKind.department).order_by(Organization.name)).all()
        context.update(codes=pairing.university_codes(db.session, org.id), departments=departments,
                       names={d.id: d.name for d in departments})
    elif org.kind == OrgKind.city:
        context.update(universities=db.session.scalars(sa.select(Organization).where(
            Organization.parent_id == org.id, Organization.kind == OrgKind.university).order_by(Organization.name)).all())
    return render_template("console/pairing.html", **context)


def _do(action, done: str):
    attempt(action, done)
    return redirect(url_for("console.pairing_page"))


@bp.post("/pairing/apply")
@login_required
def pairing_apply():
    org_id = current_account().org_id
    return _do(lambda: pairing.apply(db.session, org_id, int_arg(request.form, "street", 0),
                                     request.form.get("code", "")), "结对申请已提交，等待街道（乡镇）审核")


@bp.post("/pairing/<int:pairing_id>/<any(accept, reject):decision>")
@login_required
def pairing_decide(pairing_id: int, decision: str):
    org_id = current_account().org_id
    return _do(lambda: pairing.decide(db.session, org_id, pairing_id, decision == "accept", request.form.get("reason")),
               "已同意结对" if decision == "accept" else "已拒绝该申请")


@bp.post("/pairing/<int:pairing_id>/dissolve")
@login_required
def pairing_dissolve(pairing_id: int):
    org_id = current_account().org_id
    return _do(lambda: pairing.dissolve(db.session, org_id, pairing_id, request.form.get("reason")), "已解除结对")


@bp.post("/pairing/capacity")
@login_required
def pairing_capacity():
    org_id = current_account().org_id
    return _do(lambda: pairing.set_capacity(db.session, org_id, org_id, int_arg(request.form, "capacity", 0)),
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
