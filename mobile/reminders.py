"""提醒设置: the member chooses which reminders the account sends them (services.push.reminders), and
may subscribe to them as 订阅通知 inside WeChat."""
from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for

from mobile import bp
from mobile.auth import current_member, member_required
from mobile.projects import subscribe_offer
from models import REMINDER_LABELS, ReminderKind
from runtime.extensions import db
from services.push import reminders
from web.flashing import attempt


@bp.get("/reminders")
@member_required
def reminder_settings():
    member = current_member()
    return render_template("mobile/reminders.html", switches=reminders.switches(db.session, member.id),
                           labels=REMINDER_LABELS, hints=reminders.KIND_HINTS, bound=member.openid is not None,
                           subscribe=subscribe_offer(current_app.config.get("REMINDER_SUBSCRIBE_TEMPLATE_ID")))


@bp.post("/reminders")
@member_required
def save_reminder_settings():
    """Every kind is on the form: a checked box is on, an unchecked one (not sent) off."""
    chosen = set(request.form.getlist("on"))
    attempt(lambda: reminders.set_switches(db.session, current_member().id,
                                           {kind.value: kind.value in chosen for kind in ReminderKind}),
            "提醒设置已保存")
    return redirect(url_for("mobile.reminder_settings"))
