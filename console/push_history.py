"""推送记录: what the account sent in the organisation's name — the projects pushed to members and the
reminders members got (counts by state; who got what stays the member's own business)."""
from __future__ import annotations

from flask import current_app, render_template, request

from console import bp
from console.auth import current_account, login_required, require_org
from console.projects import RUN_LABELS
from models import DELIVERY_LABELS, REMINDER_STATUS_LABELS
from runtime.extensions import db
from services.kernel.beijing_time import BEIJING
from services.push import reminders, runs
from web.requestargs import int_arg


@bp.get("/pushes")
@login_required
def push_history():
    org_id = int_arg(request.args, "org")
    org = require_org(org_id) if org_id else current_account().org
    config = current_app.config
    return render_template("console/push_history.html", org=org, pushed=runs.history(db.session, org),
                           reminded=reminders.history(db.session, org), run_labels=RUN_LABELS,
                           delivery_labels={s.value: label for s, label in DELIVERY_LABELS.items()},
                           reminder_labels={s.value: label for s, label in REMINDER_STATUS_LABELS.items()},
                           beijing=BEIJING, hours=config["REMINDER_HOURS"], period_days=config["REMINDER_PERIOD_DAYS"],
                           reminders_on=config["REMINDER_INTERVAL"] > 0 and bool(
                               config.get("REMINDER_TEMPLATE_ID") or config.get("REMINDER_SUBSCRIBE_TEMPLATE_ID")))
