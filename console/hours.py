"""时长审核: records waiting for this organisation (its sub-tree's projects, or as a timekeeper), with
the flags that say what to look at, approved or rejected one by one, by selection or all at once."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for

from console import bp
from console.auth import current_account, login_required
from jobs import notify
from models import RECORD_STATUS_LABELS
from runtime.extensions import db
from services.kernel.beijing_time import BEIJING, from_local_input
from services.people import members
from services.volunteering import approval, corrections, projects
from web.flashing import attempt
from web.requestargs import int_arg


@bp.get("/hours")
@login_required
def hours_page():
    org_id = current_account().org_id
    waiting = approval.projects_awaiting(db.session, org_id)
    project_id = int_arg(request.args, "project") or (waiting[0][0].id if waiting else None)
    project = projects.get_project(db.session, project_id) if project_id else None
    records = approval.pending_for_project(db.session, org_id, project.id) if project else []
    names = members.names(db.session, (record.member_id for record, _ in records))
    return render_template("console/hours.html", waiting=waiting, project=project, records=records, names=names,
                           corrections=corrections.pending_for(db.session, org_id),
                           flag_labels=approval.FLAG_LABELS, status_labels=RECORD_STATUS_LABELS, beijing=BEIJING)


@bp.post("/records/<int:record_id>/times")
@login_required
def edit_record_times(record_id: int):
    """修改时间: wrong times or a missing sign-out, with a reason; the first times stay on the record."""
    form = request.form
    record = attempt(lambda: corrections.edit_times(
        db.session, current_account().org_id, record_id, from_local_input(form.get("signin_at"), "signin_at"),
        from_local_input(form.get("signout_at"), "signout_at"), form.get("reason", "")),
        "已修改服务时间，原始时间已保留；请核实后审核")
    return redirect(url_for("console.hours_page", project=record.project_id if record else int_arg(form, "project")))


@bp.post("/corrections/<int:request_id>/<any(accept, refuse):decision>")
@login_required
def decide_correction(request_id: int, decision: str):
    def decide():
        decided = corrections.decide_correction(db.session, current_account().org_id, request_id,
                                                decision == "accept", request.form.get("reason"))
        notify.tell(decided.member_id, corrections.decision_notice(decided))
        return decided
    attempt(decide, lambda d: f"已{'通过' if decision == 'accept' else '驳回'}{d.member.name}的更正申请，"
                              f"{members.told_by_wechat(d.member)}")
    return redirect(url_for("console.hours_page"))


@bp.post("/hours/<int:project_id>/decide")
@login_required
def decide_hours(project_id: int):
    approve = (request.form.get("decision") or request.form.get("all")) == "approve"
    note = request.form.get("note")
    org_id = current_account().org_id

    def decide():
        if request.form.get("all"):
            return approval.decide_all_pending(db.session, org_id, project_id, approve, note)
        ids = [int(v) for v in request.form.getlist("record") if v.isdigit()]
        return approval.decide_records(db.session, org_id, ids, approve, note)

    def said(result) -> str:
        message = f"已{'通过' if approve else '驳回'} {len(result.decided)} 条记录"
        if result.skipped:
            message += f"，{len(result.skipped)} 条未处理（已被审核或缺少签退，需先修改时长）"
        return message
    attempt(decide, said)
    return redirect(url_for("console.hours_page", project=project_id))
