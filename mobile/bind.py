"""/m/bind/<token>: the signed link the bot sends; the member proves who they are with phone and
password, and the openid is bound (completing any team scan that waited for it)."""
from __future__ import annotations

import logging

from flask import render_template, request, url_for

from mobile import bp
from mobile.result import result_page
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
        return result_page("链接无效", err.message, status=err.status,
                           hint="请回到“青春北京”公众号，重新点击菜单获取绑定链接。")
    if request.method == "GET":
        return render_template("mobile/bind.html", error=None)
    try:
        member = members.authenticate(db.session, request.form.get("phone", ""), request.form.get("password", ""))
        joined = wechat_users.bind(db.session, member.id, openid)
    except DomainError as err:
        return render_template("mobile/bind.html", error=err.message), err.status
    message = f"{member.name}，你的微信已绑定“青春北京”账号。"
    if joined is not None:
        message += f"已加入「{joined.team.name}」。"
    if joined is not None:
        return result_page("绑定成功", message,
                               next_url=url_for("mobile.my_team"), next_label="查看我的服务队")
    return result_page("绑定成功", message,
                           next_url=url_for("mobile.home"), next_label="进入首页")
