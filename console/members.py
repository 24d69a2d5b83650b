"""团员: the sub-tree's members (masked), join/transfer applications, cadre confirmation, 评议 and the
志愿服务证明 an organisation issues for one of its members."""
from __future__ import annotations

import sqlalchemy as sa
from flask import flash, jsonify, redirect, render_template, request, url_for

from console import bp
from console.auth import current_account, login_required, require_org
from models import REVIEW_LABELS, Team
from runtime.extensions import db
from services.kernel.beijing_time import BEIJING, beijing_today
from services.kernel.errors import DomainError
from services.organisations import teams
from services.organisations.orgs import in_subtree
from services.people import branches, members, residence
from services.reporting import access_log, phone_access, rosters, stats
from services.volunteering import certificates, participation, reviews
from web.answers import pdf_response
from web.errors import wants_page
from web.flashing import attempt
from web.requestargs import int_arg

PAGE_SIZE = 50


def roster_scope() -> tuple[str, sa.ColumnElement[bool], Team | None]:
    """Whose list, as a condition on the member: "branch": members whose branch is in the sub-tree (or in
    ``?org=``, a sub-organisation's); "team": members of the account's own team."""
    org = current_account().org
    team = teams.team_of_org(db.session, org.id)
    if request.args.get("scope") == "team" and team is not None:
        return "team", teams.serving_with(db.session, team), team
    if request.args.get("scope") == "home":  # who lives in the organisation's area, whatever their branch
        return "home", residence.living_in(org), team
    sub_org = int_arg(request.args, "org")
    if sub_org:  # a sub-organisation's members (its whole sub-tree)
        return "branch", in_subtree(require_org(sub_org)), team
    return "branch", in_subtree(org), team


def _listing(template: str, default_filter: str | None = None):
    scope, members_of, team = roster_scope()
    q = request.args.get("q", "")
    filter_ = request.args.get("filter", default_filter)
    year = stats.current_year()
    access_log.phone_search(db.session, current_account().org_id, q)
    query = rosters.search(members_of, year=year, periods=participation.own_periods(db.session), q=q, filter_=filter_)
    after = int_arg(request.args, "after", label="after（上一页最后一名团员）")
    shown = int_arg(request.args, "shown", 0, maximum=10_000_000, label="shown（已显示人数）")
    rows = rosters.page(db.session, query, limit=PAGE_SIZE + 1, after=after or None)
    more, rows = len(rows) > PAGE_SIZE, rows[:PAGE_SIZE]
    return dict(template=template, scope=scope, team=team, q=q, filter=filter_, year=year, rows=rows,
                filters=rosters.FILTERS, total=_total(query, scope), first=shown + 1, shown=shown + len(rows),
                next_after=rows[-1].id if more else None, page_size=PAGE_SIZE,
                own_period_note=participation.OWN_PERIOD_NOTE)


def _total(query: rosters.Roster, scope: str) -> dict:
    """A large sub-tree's whole list: as the last recount found it (counting a million members took
    seconds), labelled with its time; anything smaller, a team's, a search's or a filter's: counted,
    up to rosters.COUNT_CAP."""
    if scope == "branch" and not query.narrowed:
        sub_org = int_arg(request.args, "org")
        counted, at = stats.members_counted(db.session, require_org(sub_org) if sub_org else current_account().org)
        if at is not None and counted > rosters.COUNT_CAP:
            return {"count": counted, "more": False, "as_of": at.astimezone(BEIJING).strftime("%m-%d %H:%M")}
    counted, more = rosters.count_upto(db.session, query)
    return {"count": counted, "more": more, "as_of": None}


@bp.get("/members")
@login_required
def member_list():
    context = _listing("console/members.html")
    org = current_account().org
    context["applications"] = branches.pending_in_subtree(db.session, org)
    return render_template(context.pop("template"), beijing=BEIJING, **context)


@bp.post("/members/<int:member_id>/phone")
@login_required
def reveal_phone(member_id: int):
    """The whole number of a member the team organises, for its coordinators (logged in 访问记录)."""
    phone = phone_access.reveal(db.session, current_account(), member_id)
    if wants_page():
        return render_template("console/phone_shown.html", phone=phone, back=request.referrer)
    return jsonify({"phone": phone})


@bp.get("/review")
@login_required
def review_page():
    context = _listing("console/review.html", default_filter="not_excellent")
    org = current_account().org
    context.update(results=REVIEW_LABELS, is_branch=org.kind.value == "branch",
                   closed=reviews.is_closed(db.session, org.id, context["year"]))
    return render_template(context.pop("template"), **context)


@bp.post("/review/<int:member_id>")
@login_required
def record_review(member_id: int):
    year = int_arg(request.form, "year", stats.current_year())
    attempt(lambda: reviews.record(db.session, current_account().org_id, member_id, year, request.form.get("result", "")),
            lambda row: f"已录入{row.year}年度评议结果：{REVIEW_LABELS[row.result]}")
    return redirect(request.referrer if _same_site(request.referrer) else url_for("console.review_page"))


@bp.post("/review/close")
@login_required
def close_review():
    year = int_arg(request.form, "year", stats.current_year())
    attempt(lambda: reviews.close_year(db.session, current_account().org_id, year), f"{year}年度评议已结束，结果已锁定")
    return redirect(url_for("console.review_page"))


@bp.post("/members/<int:member_id>/activist")
@login_required
def set_activist(member_id: int):
    on = request.form.get("activist") == "1"
    attempt(lambda: reviews.set_activist(db.session, current_account().org_id, member_id, on),
            lambda member: f"已{'标记' if on else '取消'}{member.name}为入团积极分子")
    return redirect(request.referrer if _same_site(request.referrer) else url_for("console.member_list"))


@bp.get("/members/<int:member_id>/activist-statement")
@login_required
def activist_statement(member_id: int):
    """参加志愿服务情况 for the 入团志愿书, printed from the browser."""
    statement = reviews.activist_statement(db.session, current_account().org_id, member_id)
    return render_template("console/activist_statement.html", statement=statement, org=current_account().org)


def _same_site(url: str | None) -> bool:
    """Back to the list the form was on (its filter and page), never to another site."""
    return bool(url) and url.startswith(request.host_url + "console/")


@bp.post("/applications/<int:application_id>/<any(accept, reject):decision>")
@login_required
def decide_application(application_id: int, decision: str):
    def said(application) -> str:
        verb = "转入" if application.is_transfer else "加入"
        return f"已{'同意' if decision == 'accept' else '拒绝'}{application.member.name}{verb}「{application.branch.name}」"
    attempt(lambda: branches.decide(db.session, current_account().org_id, application_id, decision == "accept",
                                    request.form.get("reason")), said)
    return redirect(url_for("console.member_list"))


@bp.post("/members/<int:member_id>/confirm-cadre")
@login_required
def confirm_cadre(member_id: int):
    attempt(lambda: members.confirm_cadre(db.session, current_account().org_id, member_id),
            lambda member: f"已确认{member.name}的团干部身份")
    return redirect(url_for("console.member_list", filter="cadre_pending"))


@bp.route("/members/<int:member_id>/certificate", methods=["GET", "POST"])
@login_required
def issue_certificate(member_id: int):
    member = certificates.certifiable(db.session, member_id, current_account().org_id)
    error = None
    if request.method == "POST":
        try:
            start, end = certificates.parse_period(request.form.get("start"), request.form.get("end"))
            issued = certificates.issue(db.session, member.id, start, end, actor_org_id=current_account().org_id)
        except DomainError as err:
            error = err.message
        else:
            flash(f"已开具志愿服务证明，编号 {issued.code}", "ok")
            return redirect(url_for("console.certificate_pdf", code=issued.code))
    today = beijing_today()
    return render_template("console/certificate.html", member=member, masked=certificates.masked_name(member.name),
                           error=error, start=request.form.get("start") or today.replace(month=1, day=1).isoformat(),
                           end=request.form.get("end") or today.isoformat(), today=today), 400 if error else 200


@bp.get("/certificates/<code>.pdf")
@login_required
def certificate_pdf(code: str):
    issued = certificates.for_org(db.session, code, current_account().org_id)
    return pdf_response(db.session, issued)
