"""/j/<token>: the signed join link printed on a team poster when WeChat is not configured.

GET shows the team and a button; the POST joins (a GET never changes anything, so a link preview or
a prefetch cannot enrol anyone). Joining is the same idempotent service as the WeChat scan; a
member who has not bound yet gets the team kept pending, exactly like a scan before binding.
"""
from __future__ import annotations

from flask import Blueprint, render_template, request

from mobile.auth import current_member, current_openid, need_binding_page, openid_required
from mobile.result import result_page
from runtime.extensions import db
from services.kernel.errors import DomainError
from services.organisations import joining, team_extras, teams
from services.organisations.team_qr import team_from_join_token
from services.people import wechat_users

join_bp = Blueprint("join", __name__, template_folder="templates")


def _message(title: str, message: str, status: int = 200):
    return result_page(title, message, status=status,
                       hint="二维码可能已更换：请向服务队负责人索取最新的报到二维码。")


@join_bp.route("/j/<token>", methods=["GET", "POST"])
@openid_required
def join(token: str):
    try:
        team = team_from_join_token(db.session, token)
    except DomainError as err:
        return _message("链接无效", err.message, err.status)
    member = current_member()
    if member is None:
        wechat_users.set_pending_team(db.session, current_openid(), team.id)
        return need_binding_page(f"绑定或注册后将自动加入「{team.name}」。")
    if request.method == "GET":
        already = teams.is_team_member(db.session, team, member)
        return render_template("mobile/join.html", team=team, already=already)
    try:
        result = joining.join_team(db.session, member.id, team.id, source="link")
    except DomainError as err:
        return _message("无法加入", err.message, err.status)
    head = "报到成功" if result.created else "已在服务队中"
    return render_template("mobile/joined.html", title=head, team=team, created=result.created,
                           has_group_qr=team_extras.has_group_qr(db.session, team.id))
