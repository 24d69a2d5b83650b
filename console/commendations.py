"""年度表彰: a committee ranks its sub-tree's volunteers, teams and projects of a year and nominates
(issue 38 row 6); the nominations are exported."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for

from console import bp
from console.auth import current_account, login_required
from models import COMMENDATION_LABELS
from runtime.extensions import db
from services.reporting import commendations, stats
from web.flashing import attempt
from web.requestargs import int_arg


def _year() -> int:
    this_year = stats.current_year()
    return int_arg(request.args, "year", this_year, maximum=this_year, label="year（年度）") or this_year


@bp.get("/commendations")
@login_required
def commendations_page():
    org, year = current_account().org, _year()
    category = request.args.get("kind") or "volunteer"  # not ``kind``: base.html uses that name
    return render_template("console/commendations.html", org=org, year=year, category=category,
                           labels=COMMENDATION_LABELS,
                           candidates=commendations.candidates(db.session, org, year, category),
                           nominated=commendations.nominated(db.session, org, year))


@bp.post("/commendations")
@login_required
def commendations_nominate():
    form = request.form
    year, kind = int_arg(form, "year", stats.current_year()), form.get("kind", "")
    attempt(lambda: commendations.nominate(db.session, current_account().org_id, year, kind,
                                           int_arg(form, "subject_id", 0), form.get("note")),
            lambda row: f"已推荐为{row.year}年度{COMMENDATION_LABELS[row.kind]}")
    return redirect(url_for("console.commendations_page", year=year, kind=kind or None))


@bp.post("/commendations/<int:commendation_id>/withdraw")
@login_required
def commendations_withdraw(commendation_id: int):
    done = attempt(lambda: commendations.withdraw(db.session, current_account().org_id, commendation_id), "已撤回推荐")
    return redirect(url_for("console.commendations_page", year=done.year if done else None))
