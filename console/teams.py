"""The teams of the account's sub-tree: posters and the WeChat group QR."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from console import bp
from console.auth import current_account, login_required
from jobs import notify
from runtime.extensions import db
from services.kernel.beijing_time import BEIJING
from services.kernel.errors import DomainError, Invalid
from services.organisations import team_changes, team_extras, teams
from services.organisations.orgs import require_within, subtree_teams_page
from services.people import members as members_service
from services.people import profile_extras
from web.flashing import attempt
from web.requestargs import int_arg, page_arg

PAGE_SIZE = 50


@bp.get("/teams")
@login_required
def team_list():
    org = current_account().org
    q, page = request.args.get("q", "").strip(), page_arg(request.args)
    rows, total = subtree_teams_page(db.session, org, q, page, PAGE_SIZE)
    return render_template("console/teams.html", org=org, teams=rows, q=q, page=page, total=total,
                           pages=max(1, -(-total // PAGE_SIZE)))


def _team(team_id: int):
    team = teams.get_team(db.session, team_id)
    require_within(db.session, team.org_id, current_account().org_id)
    return team


@bp.post("/teams/<int:team_id>/group-qr")
@login_required
def upload_group_qr(team_id: int):
    team = _team(team_id)
    upload = request.files.get("image")
    data = None if request.form.get("remove") else (upload.read() if upload else b"")
    try:
        if data == b"":
            flash("请选择微信群二维码图片", "error")
        else:
            team_extras.set_group_qr(db.session, team.id, data, actor=("account", current_account().id))
            flash("已删除微信群二维码" if data is None else "微信群二维码已更新，海报将包含该二维码", "ok")
    except DomainError as err:
        flash(err.message, "error")
    return redirect(url_for("console.team_detail", team_id=team.id) if request.form.get("back") == "detail"
                    else url_for("console.team_list", q=request.form.get("q") or None))


@bp.get("/teams/<int:team_id>")
@login_required
def team_detail(team_id: int):
    team = _team(team_id)
    members = teams.member_count(db.session, team)
    page = page_arg(request.args)
    joined = [(member, membership, members_service.profile(member, viewer_is_owner=False))
              for member, membership in team_changes.joined_members(
                  db.session, team, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)]
    return render_template("console/team.html", team=team, members=members, coord_systems=COORD_LABELS,
                           joined=joined, page=page, beijing=BEIJING, skills_text=profile_extras.skills_text,
                           targets=team_changes.movable_teams(db.session, current_account().org_id))


@bp.post("/teams/<int:team_id>/members/<int:member_id>/<any(remove, move):change>")
@login_required
def change_membership(team_id: int, member_id: int, change: str):
    """修改报到: remove a member from the team, or move them to another team of the sub-tree; told by WeChat."""
    actor, reason = current_account().org_id, request.form.get("reason")

    def act():
        done = (team_changes.remove(db.session, actor, team_id, member_id, reason) if change == "remove" else
                team_changes.move(db.session, actor, team_id, member_id, int_arg(request.form, "to_team", 0), reason))
        notify.tell(member_id, done.notice)
        return done
    attempt(act, lambda done: "已将该团员移出服务队" if done.new is None else f"已将该团员调整到「{done.new.name}」")
    return redirect(url_for("console.team_detail", team_id=team_id) + "#members")


COORD_LABELS = {"gcj02": "GCJ-02（高德、腾讯地图）", "wgs84": "WGS-84（GPS）", "bd09": "BD-09（百度地图）"}


@bp.post("/teams/<int:team_id>/site")
@login_required
def save_site(team_id: int):
    team = _team(team_id)
    form = request.form

    def save():
        try:
            lat, lng = float(form.get("lat", "")), float(form.get("lng", ""))
            radius = int(form.get("radius_m", ""))
        except ValueError:
            raise Invalid("coordinates", "请填写数字形式的纬度、经度和签到半径") from None
        if form.get("coord_system") not in COORD_LABELS:
            raise Invalid("coord_system", "请选择坐标系")
        return teams.set_site(db.session, team.id, lat=lat, lng=lng, coord_system=form["coord_system"],
                              radius_m=radius, name=form.get("site_name") or None,
                              address=form.get("site_address") or None)
    attempt(save, "服务场地已保存；长期项目的签到场地随之更新")
    return redirect(url_for("console.team_detail", team_id=team.id))


@bp.post("/teams/<int:team_id>/zyb")
@login_required
def save_zyb(team_id: int):
    team = _team(team_id)
    form = request.form
    unbind = bool(form.get("unbind"))
    attempt(lambda: team_extras.bind_zyb(db.session, team.id, None if unbind else form.get("zyb_team_id"),
                                   None if unbind else form.get("zyb_username"),
                                   None if unbind else form.get("zyb_password"), actor=("account", current_account().id)),
            "已解除志愿北京绑定" if unbind else "已绑定志愿北京团队账号")
    return redirect(url_for("console.team_detail", team_id=team.id))
