"""导入组织架构 (issue 36.4): upload an Excel/CSV file of the tree below the account's organisation, see
every row's problem and what would change (nothing written), confirm, watch the progress, and download
the new organisations' admin invitations (批量生成社区服务队账号)."""
from __future__ import annotations

import io

from flask import Response, flash, redirect, render_template, request, send_file, url_for

from console import bp
from console.auth import current_account, login_required
from jobs import org_import
from runtime.extensions import db
from services.kernel.errors import Invalid, NotFound
from services.organisations import orgs, tree_import
from services.people import member_import, staff
from web.requestargs import read_upload

TEMPLATE_ROWS = [["名称", "类别", "上级", "城乡", "地址", "联系人", "联系电话"],
                 ["共青团北京市东城区委员会", "团区委", "", "", "", "东城区团委", "010-64000000"],
                 ["东华门街道团工委", "街道", "共青团北京市东城区委员会", "城区", "北京市东城区东华门大街1号", "张三", "13800000000"],
                 ["多福巷社区团组织", "社区", "共青团北京市东城区委员会/东华门街道团工委", "", "北京市东城区多福巷23号", "李四", "010-65250000"]]


@bp.get("/orgs/import")
@login_required
def org_import_page():
    staff.require(current_account(), "people")
    return render_template("console/org_import.html", org=current_account().org, planned=None)


@bp.get("/orgs/import/template.csv")
@login_required
def org_import_template():
    import csv

    buffer = io.StringIO()
    csv.writer(buffer).writerows(TEMPLATE_ROWS)
    return Response("\ufeff" + buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=org-import-template.csv; "
                                                    "filename*=UTF-8''%E7%BB%84%E7%BB%87%E6%9E%B6%E6%9E%84%E6%A8%A1%E6%9D%BF.csv"})


@bp.post("/orgs/import")
@login_required
def org_import_check():
    """The dry run: every row's problem and what would change; nothing is written yet."""
    account = current_account()
    data, filename = _uploaded("要导入的组织架构文件")
    planned = tree_import.plan(db.session, account.org_id, tree_import.read_rows(data, filename))
    import_id = org_import.stash(data, filename, account.org_id, account.id) if not planned.problems else None
    return render_template("console/org_import.html", org=account.org, planned=planned, import_id=import_id,
                           filename=filename), 200 if not planned.problems else 400


def _uploaded(what: str) -> tuple[bytes, str]:
    """The uploaded file's bytes and name, or a clear refusal when none came."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise Invalid("file_missing", f"请选择{what}（Excel .xlsx 或 CSV 文件）")
    name = upload.filename
    return read_upload(request.files, "file") or b"", name


def _import(import_id: str) -> dict:
    entry = org_import.state(import_id)
    if entry is None:
        raise NotFound("import_not_found", "该次导入不存在或已过期（保留7天），请重新上传")
    orgs.require_within(db.session, entry["root_id"], current_account().org_id)
    if entry["root_id"] != current_account().org_id:
        raise NotFound("import_not_found", "该次导入不存在或已过期（保留7天），请重新上传")
    return entry


@bp.post("/orgs/import/<import_id>/apply")
@login_required
def org_import_apply(import_id: str):
    entry = _import(import_id)
    if entry["status"] == "planned":
        org_import.start(import_id)
    return redirect(url_for("console.org_import_progress", import_id=import_id))


@bp.get("/orgs/import/<import_id>")
@login_required
def org_import_progress(import_id: str):
    return render_template("console/org_import_progress.html", entry=_import(import_id), import_id=import_id)


def _download(path, download_name: str, missing: NotFound):
    """One of an import's files, once the job has written it."""
    if not path.exists():
        raise missing
    return send_file(path, mimetype="text/csv", as_attachment=True, download_name=download_name)


@bp.get("/orgs/import/<import_id>/unplaced.csv")
@login_required
def org_import_unplaced(import_id: str):
    _import(import_id)
    return _download(org_import.unplaced_path(import_id), "未能定位的服务队.csv",
                     NotFound("unplaced_not_ready", "清单尚未生成"))


@bp.get("/orgs/import/<import_id>/invitations.csv")
@login_required
def org_import_invitations(import_id: str):
    staff.require(current_account(), "people")
    _import(import_id)
    return _download(org_import.invitations_path(import_id), "新建组织管理员邀请.csv",
                     NotFound("invitations_not_ready", "邀请文件尚未生成"))


# 导入团员: a branch's members from the league system's export (issue 36.6), checked, then written.

@bp.get("/members/import")
@login_required
def member_import_page():
    return render_template("console/member_import.html", org=current_account().org, rows=None)


@bp.post("/members/import")
@login_required
def member_import_check():
    account = current_account()
    data, filename = _uploaded("团员系统导出的名单")
    rows = member_import.plan(db.session, account.org_id, member_import.read_rows(data, filename))
    problems = [row for row in rows if row.problems]
    import_id = org_import.stash(data, filename, account.org_id, account.id) if not problems else None
    return render_template("console/member_import.html", org=account.org, rows=rows, problems=problems,
                           import_id=import_id, filename=filename,
                           new=sum(1 for r in rows if r.action == "new" and not r.problems),
                           existing=sum(1 for r in rows if r.action == "existing")), 400 if problems else 200


@bp.post("/members/import/<import_id>/apply")
@login_required
def member_import_apply(import_id: str):
    entry = _import(import_id)
    if entry["status"] != "planned":
        raise Invalid("import_done", "该文件已经导入过")
    data = org_import.upload_path(import_id, entry["filename"]).read_bytes()
    rows = member_import.plan(db.session, entry["root_id"], member_import.read_rows(data, entry["filename"]))
    counts = member_import.apply(db.session, entry["root_id"], rows)
    org_import.save(import_id, **{**entry, "status": "done"})
    flash(f"已登记 {counts['new']} 名团员（另有 {counts['existing']} 名已在本支部）；请通知他们在“青春北京”公众号"
          "用登记的手机号“认领账号”", "ok")
    return redirect(url_for("console.member_list"))
