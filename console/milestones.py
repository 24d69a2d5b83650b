"""工作节点: the city's milestones and, for each committee, who in its sub-tree is short of them
(issue 38 row 4)."""
from __future__ import annotations

import datetime as dt

from flask import redirect, render_template, request, url_for

from console import bp
from console.auth import current_account, login_required
from models import MEASURE_LABELS
from runtime.extensions import db
from services.kernel.errors import Invalid
from services.reporting import milestones
from web.flashing import attempt


@bp.get("/milestones")
@login_required
def milestones_page():
    org = current_account().org
    return render_template("console/milestones.html", org=org, standings=milestones.standings(db.session, org),
                           measures=MEASURE_LABELS, city=org.kind.value == "city")


def _date(value: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(value or "")
    except ValueError:
        raise Invalid("due_on", "请填写截止日期（年-月-日）") from None


@bp.post("/milestones")
@login_required
def milestones_create():
    form = request.form
    attempt(lambda: milestones.create(db.session, current_account().org_id, form.get("name", ""),
                                      _date(form.get("due_on")), form.get("measure", "")),
            lambda row: f"已设置工作节点「{row.name}」（{row.due_on:%m月%d日}）")
    return redirect(url_for("console.milestones_page"))


@bp.post("/milestones/<int:milestone_id>/remove")
@login_required
def milestones_remove(milestone_id: int):
    attempt(lambda: milestones.remove(db.session, current_account().org_id, milestone_id), "已删除工作节点")
    return redirect(url_for("console.milestones_page"))


@bp.get("/milestones/<int:milestone_id>")
@login_required
def milestone_detail(milestone_id: int):
    org = current_account().org
    milestone = milestones.get(db.session, milestone_id)
    return render_template("console/milestone.html", org=org, milestone=milestone, measures=MEASURE_LABELS,
                           short=milestones.short_of(db.session, milestone, org))
