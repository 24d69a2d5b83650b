"""毕业转出: a university's, a department's or a school's committee moves its graduates out (issue 38
row 2): a branch's members, all or chosen, to a destination branch or 离校待接收; each is told."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for

from console import bp
from console.auth import current_account, login_required
from jobs import notify
from runtime.extensions import db
from services.organisations import orgs
from services.people import graduation
from web.flashing import attempt
from web.requestargs import int_arg


@bp.get("/graduates")
@login_required
def graduates_page():
    org = current_account().org
    branch_id = int_arg(request.args, "branch")
    q = (request.args.get("q") or "").strip()[:30]
    return render_template(
        "console/graduates.html", org=org, committee=org.kind in graduation.COMMITTEE_KINDS,
        branches=graduation.branches_of(db.session, org), branch_id=branch_id, q=q,
        members=graduation.members_of_branch(db.session, org.id, branch_id) if branch_id else [],
        found=[(b, orgs.path_label(db.session, b)) for b in orgs.search_branches(db.session, q)] if q else [],
        leaving=graduation.leaving_in(db.session, org), unknown=graduation.UNKNOWN_DESTINATION)


@bp.post("/graduates")
@login_required
def graduates_move_out():
    form = request.form
    member_ids = [int(v) for v in form.getlist("member_ids") if v.isdigit()]
    destination = int_arg(form, "destination") or None

    def move():
        done = graduation.move_out(db.session, current_account().org_id, member_ids=member_ids,
                                   destination_branch_id=destination)
        for member_id in done.moved:
            notify.tell(member_id, graduation.notice(done.destination))
        return done

    def said(done) -> str:
        text = f"已将 {len(done.moved)} 名团员转出（{done.destination}），并已通知本人"
        if done.skipped:
            text += "；未转出：" + "、".join(f"{name}（{why}）" for name, why in done.skipped[:10])
        return text
    attempt(move, said)
    return redirect(url_for("console.graduates_page", branch=form.get("branch") or None))


@bp.post("/graduates/<int:member_id>/undo")
@login_required
def graduates_undo(member_id: int):
    attempt(lambda: graduation.take_back(db.session, current_account().org_id, member_id),
            lambda member: f"已撤回{member.name}的转出")
    return redirect(url_for("console.graduates_page"))
