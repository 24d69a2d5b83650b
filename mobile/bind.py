"""/m/bind/<token>: the signed link the bot sends; the member proves who they are with phone and
password, and the openid is bound (completing any team scan that waited for it)."""
from __future__ import annotations

import logging

from flask import render_template, request

from mobile import bp
from runtime.extensions import db
from services.kernel.errors import DomainError
from services.people import members, wechat_users
from web.guards import limiter

logger = logging.getLogger(__name__)


@bp.route("/bind/<token>", methods=["GET", "POST"])
@limiter.limit("40 per minute", methods=["POST"])  # per address: a password guessed across many phones
def bind(token: str):
    try:
        openid = wechat_users.read_bind_token(token)
    except DomainError as err:
        return render_template("mobile/message.html", title="链接无效", message=err.message), err.status
    if request.method == "GET":
        return render_template("mobile/bind.html", error=None)
    try:
        member = members.authenticate(db.session, request.form.get("phone", ""), request.form.get("password", ""))
        joined = wechat_users.bind(db.session, member.id, openid)
    except DomainError as err:
        return render_template("mobile/bind.html", error=err.message), err.status
    message = f"{member.name}，你的微信已绑定“北京共青团”账号。"
    if joined is not None:
        message += f"已加入「{joined.team.name}」。"
    return render_template("mobile/message.html", title="绑定成功", message=message)
