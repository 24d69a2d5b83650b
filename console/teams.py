"""The teams of the account's sub-tree: posters, the WeChat group QR, members and the 现场报到 screen."""
from __future__ import annotations

from urllib.parse import quote

from flask import Response, current_app, flash, redirect, render_template, request, send_file, url_for

import geo
from console import bp
from console.auth import current_account, login_required
from jobs import notify
from jobs import posters as poster_batches
from qr.poster import qr_png
from runtime import geocoder
from runtime.extensions import db
from services.kernel import rotating_codes
from services.kernel.beijing_time import BEIJING
from services.kernel.errors import DomainError, Invalid, NotFound
from services.organisations import founding, onsite_report, team_changes, team_extras, teams
from services.organisations.orgs import require_within, subtree_teams_page
from services.organisations.posters import count_to_print
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
    may_found = org.kind in founding.OWN_TEAM_KINDS and teams.team_of_org(db.session, org.id) is None
    return render_template("console/teams.html", org=org, teams=rows, q=q, page=page, total=total,
                           pages=max(1, -(-total // PAGE_SIZE)), may_found=may_found,
                           own_team_name=founding.team_name_for(org) if may_found else None)


@bp.post("/teams/found")
@login_required
def found_own_team():
    """成立本组织志愿服务队 (issue 38 row 7)."""
    team = attempt(lambda: teams.found_own_team(db.session, current_account().org_id),
                   lambda made: f"已成立「{made.name}」：本组织团员即为成员，可发布志愿项目")
    return redirect(url_for("console.team_detail", team_id=team.id) if team else url_for("console.team_list"))


@bp.post("/teams/posters")
@login_required
def poster_batch_start():
    """批量下载海报: the sub-tree's posters drawn into one ZIP in the background; the progress page follows."""
    org = current_account().org
    total = count_to_print(db.session, org)
    if total == 0:
        flash("本组织及下级没有服务队", "error")
        return redirect(url_for("console.team_list"))
    batch_id = poster_batches.start(org.id, org.name, total)
    return redirect(url_for("console.poster_batch", batch_id=batch_id))


def _batch(batch_id: str) -> dict:
    batch = poster_batches.state(batch_id)
    if batch is None:
        raise NotFound("poster_batch_not_found", "该批海报不存在或已过期（保留一天），请重新生成")
    require_within(db.session, batch["org_id"], current_account().org_id)
    return batch


@bp.get("/posters/<batch_id>")
@login_required
def poster_batch(batch_id: str):
    return render_template("console/poster_batch.html", batch=_batch(batch_id), batch_id=batch_id)


@bp.get("/posters/<batch_id>.zip")
@login_required
def poster_batch_zip(batch_id: str):
    batch = _batch(batch_id)
    path = poster_batches.zip_path(batch_id)
    if batch["status"] != "done" or not path.exists():
        raise NotFound("poster_batch_not_ready", "海报尚未生成完毕或已过期，请返回进度页查看")
    return send_file(path, mimetype="application/zip", as_attachment=True,
                     download_name=f"{batch['org_name']}-服务队海报.zip")


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


@bp.get("/teams/<int:team_id>/onsite")
@login_required
def team_onsite_screen(team_id: int):
    """现场报到 on the community's 报到 day: the team's rotating code on a screen (issue 38 row 8)."""
    team = onsite_report.screen_team(db.session, current_account().org_id, team_id)
    screen = {"kind": "现场报到", "heading": team.name, "place": "现场报到",
              "png": url_for("console.team_onsite_png", team_id=team.id),
              "instruction": "请用微信“扫一扫”扫码完成现场报到（还没有加入服务队的将同时加入）"}
    return render_template("console/onsite.html", screen=screen, step=rotating_codes.STEP_SECONDS)


@bp.get("/teams/<int:team_id>/onsite.png")
@login_required
def team_onsite_png(team_id: int):
    team = onsite_report.screen_team(db.session, current_account().org_id, team_id)
    response = Response(qr_png(onsite_report.payload(team, current_app.config["PUBLIC_BASE_URL"]), 720),
                        mimetype="image/png")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/teams/<int:team_id>")
@login_required
def team_detail(team_id: int):
    return _team_page(_team(team_id))


def _team_page(team, found: dict | None = None):
    members = teams.member_count(db.session, team)
    page = page_arg(request.args)
    joined = [(member, membership, members_service.profile(member, viewer_is_owner=False))
              for member, membership in team_changes.joined_members(
                  db.session, team, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)]
    return render_template("console/team.html", team=team, members=members, coord_systems=COORD_LABELS,
                           joined=joined, page=page, beijing=BEIJING, skills_text=profile_extras.skills_text,
                           targets=team_changes.movable_teams(db.session, current_account().org_id), found=found)


@bp.post("/teams/<int:team_id>/locate")
@login_required
def locate_site(team_id: int):
    """按地址定位 (issue 36.5): the address looked up (Baidu's geocoder through geopy; the sandbox offline),
    the point put into the site form in the team's own coordinate system for the coordinator to check
    and save; nothing is saved until they do."""
    team = _team(team_id)
    address = (request.form.get("site_address") or team.site_address or "").strip()
    place = geocoder.locate(address)
    if place is None:
        flash("未能按地址找到位置：请核对地址，或在地图上取点后填写纬度、经度", "error")
        return redirect(url_for("console.team_detail", team_id=team.id))
    system = team.site_coord_system.value if team.site_coord_system else "gcj02"
    lat, lng = geo.convert(place.lat, place.lng, "bd09", system)
    return _team_page(team, found={
        "lat": round(lat, 6), "lng": round(lng, 6), "coord_system": system, "level": place.level or "—",
        "address": address,
        "map_url": f"https://api.map.baidu.com/marker?location={place.lat},{place.lng}&title={quote(team.name)}"
                   f"&content={quote(address)}&output=html&coord_type=bd09ll"})


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
