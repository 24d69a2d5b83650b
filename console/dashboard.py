"""数据概览: the sub-tree's registration and hours rates, sub-organisations ranked against the targets."""
from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, request, url_for

from console import bp
from console.auth import current_account, login_required, require_org
from jobs.queue import is_inline
from jobs.stats import request_refresh
from models.calendar import PERIOD_LABELS
from runtime.extensions import db
from services.kernel.beijing_time import BEIJING
from services.kernel.errors import Invalid
from services.organisations import orgs, targets, teams
from services.reporting import history, milestones, stats
from services.volunteering import participation
from web.flashing import attempt
from web.requestargs import int_arg

CHART_ROWS = 20


@bp.app_template_filter("pct")
def pct(rate: float | None) -> str:
    return stats.percent(rate)


def _viewed_org():
    org_id = int_arg(request.args, "org")
    return require_org(org_id) if org_id else current_account().org


@bp.get("/")
@login_required
def index():
    org = _viewed_org()
    request_refresh(org, only_if_stale=True)
    board = stats.dashboard(db.session, org)
    key = request.args.get("sort", "reported")
    if key not in stats.RATE_KEYS:
        key = "reported"
    ranked = board.ranked(key)
    team = teams.team_of_org(db.session, org.id)
    return render_template("console/dashboard.html", org=org, board=board, key=key, ranked=ranked,
                           chart=ranked[:CHART_ROWS], labels=stats.RATE_LABELS, keys=stats.RATE_KEYS,
                           team=team, beijing=BEIJING, own=org.id == current_account().org_id,
                           own_period_note=participation.OWN_PERIOD_NOTE,
                           trend=list(reversed(history.trend(db.session, org)))[:8], rate_labels=history.RATE_LABELS,
                           near=milestones.standings(db.session, org, only_near=True))


@bp.get("/progress")
@login_required
def progress_page():
    """进度通报: the sub-organisations' rates now and two days before (seeds 001, 003 定期公布)."""
    org = _viewed_org()
    every = int_arg(request.args, "every", 2, maximum=30, label="every（间隔天数）") or 2
    return render_template("console/progress.html", org=org, progress=history.progress(db.session, org, every=every),
                           every=every, keys=history.RATE_KEYS, labels=history.RATE_LABELS,
                           own=org.id == current_account().org_id)


@bp.get("/short-communities")
@login_required
def short_communities():
    org = _viewed_org()
    return render_template("console/short_communities.html", org=org, rows=stats.short_communities(db.session, org),
                           refreshed_at=stats.refreshed_at(db.session, org), beijing=BEIJING,
                           own=org.id == current_account().org_id)


@bp.post("/stats/refresh")
@login_required
def refresh_stats():
    org = _viewed_org()
    request_refresh(org, only_if_stale=False)
    flash("统计数据已更新" if is_inline() else "已开始重新统计，请稍后刷新页面", "ok")
    return redirect(url_for("console.index", org=None if org.id == current_account().org_id else org.id))


@bp.route("/targets", methods=["GET", "POST"])
@login_required
def target_settings():
    """注册志愿者率目标: set for the account's sub-tree (or a sub-organisation's) and a year."""
    org = current_account().org
    if request.method == "POST":
        percent = request.form.get("percent", "").strip()
        attempt(lambda: targets.set_target(
            db.session, org.id, int_arg(request.form, "org", org.id), int_arg(request.form, "year", stats.current_year()),
            int_arg(request.form, "percent", minimum=1, maximum=100, label="目标（%）") if percent else None),
            "目标已保存")
        return redirect(url_for("console.target_settings"))
    subs = orgs.children_of(db.session, org)
    year = stats.current_year()
    return render_template("console/targets.html", org=org, subs=subs, rows=targets.listed(db.session, org),
                           year=year, defaults=(targets.UNIVERSITY, targets.DEFAULT),
                           calendar=participation.calendar(db.session, year), kinds=PERIOD_LABELS)


@bp.post("/calendar")
@login_required
def set_calendar_period():
    """学期与假期: the city sets a year's semester or holiday dates (the participation rules use them)."""
    def save():
        try:
            starts_on = dt.date.fromisoformat(request.form.get("starts_on", ""))
            ends_on = dt.date.fromisoformat(request.form.get("ends_on", ""))
        except ValueError:
            raise Invalid("period", "请填写开始和结束日期") from None
        return participation.set_period(db.session, current_account().org_id, int_arg(request.form, "year", 0),
                                        request.form.get("kind", ""), starts_on, ends_on)
    attempt(save, "学期与假期已保存")
    return redirect(url_for("console.target_settings"))
