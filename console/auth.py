"""Console login and the one gate every console page passes: a logged-in account, and targets
inside its own organisation's sub-tree."""
from __future__ import annotations

import logging

from flask import current_app, flash, redirect, render_template, request, session, url_for

from console import bp
from models import OrgAccount, SessionKind
from runtime import logsetup
from runtime.extensions import db
from services.kernel.errors import DomainError
from services.kernel.uow import act_as
from services.organisations import orgs
from services.people import accounts, auth_sessions
from web.guards import limiter
from web.security import CONSOLE_COOKIE, live_login, login_gate

logger = logging.getLogger(__name__)

SESSION_KEY = CONSOLE_COOKIE


def current_account() -> OrgAccount | None:
    """The account of a live server-side session (revoked by logout or a password change, ended after
    2 hours idle or 12 hours in all); the cookie holds only that session's random token."""
    current = live_login(SESSION_KEY, SessionKind.console)
    # The session's identity map keeps the account for the rest of the request.
    account = db.session.get(OrgAccount, current.account_id) if current and current.account_id else None
    return account if account is not None and account.disabled_at is None else None


def _who(account: OrgAccount) -> None:
    logsetup.who(org_id=account.org_id)
    act_as(account.id)  # every audit row of the request names the person


login_required = login_gate(lambda: current_account(), "console.login", then=_who)


def require_org(org_id: int):
    """The organisation, if it is the account's own or below it; Forbidden otherwise."""
    return orgs.require_within(db.session, org_id, current_account().org_id)


def _safe_next(target: str | None) -> str:
    # Only local paths: an open redirect after login is a phishing tool.
    if target and target.startswith("/console") and not target.startswith("//"):
        return target
    return url_for("console.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])  # per client address, beside each account's own lockout
def login():
    if request.method == "GET":
        return render_template("console/login.html", error=None)
    try:
        account = accounts.authenticate(db.session, request.form.get("username", ""),
                                        request.form.get("password", ""))
    except DomainError as err:
        return render_template("console/login.html", error=err.message,
                               username=request.form.get("username", "")), err.status
    session.clear()  # a fresh session on login: no fixation
    session[SESSION_KEY] = auth_sessions.start(db.session, SessionKind.console, account_id=account.id)
    session.permanent = True
    return redirect(_safe_next(request.args.get("next")))


@bp.post("/logout")
def logout():
    auth_sessions.revoke(db.session, session.pop(SESSION_KEY, None))
    return redirect(url_for("console.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    if request.method == "GET":
        return render_template("console/password.html", error=None)
    form = request.form
    if form.get("new_password", "") != form.get("confirm_password", ""):
        return render_template("console/password.html", error="两次输入的新密码不一致"), 400
    try:
        accounts.change_password(db.session, current_account().id, form.get("current_password", ""),
                                 form.get("new_password", ""), keep_token=session.get(SESSION_KEY))
    except DomainError as err:
        return render_template("console/password.html", error=err.message), err.status
    flash("密码已修改，该账号在其他地方的登录已全部退出", "ok")
    return redirect(url_for("console.index"))


@bp.app_context_processor
def inject_account():
    if request.blueprint not in ("console", "console_dev"):
        return {}
    return {"console_account": current_account,
            "dev_tools": "console_dev.simulator_page" in current_app.view_functions,
            "rq_dashboard_on": "rq_dashboard" in current_app.blueprints}


@bp.errorhandler(DomainError)
def domain_error(err: DomainError):
    """Console pages answer in HTML (the JSON API answers in JSON), with the same code and message."""
    return render_template("console/error.html", message=err.message, status=err.status), err.status
