"""A tree import run (services/organisations/tree_import.py) in the background, its progress in the
shared store for the console's progress page, and the file that goes back to the importer: one line per
organisation made, with its admin's one-time invitation link and code (批量生成社区服务队账号, seed 000).

The upload, the plan's summary and the invitations file live under ``ORG_IMPORT_DIR`` (the instance
folder by default), kept a week; the invitations file holds one-time secrets and is given only to the
importing organisation.
"""
from __future__ import annotations

import csv
import secrets
from collections.abc import Callable
from pathlib import Path

from flask import current_app

from jobs.kept import Kept
from jobs.queue import enqueue, in_app_context

IMPORTS = Kept("org-import", "ORG_IMPORT_DIR", 7 * 86400)
state, save, folder = IMPORTS.state, IMPORTS.save, IMPORTS.folder
OUT_HEADERS = ["组织", "类别", "上级", "联系人", "邀请链接", "邀请码"]


def upload_path(import_id: str, filename: str) -> Path:
    return folder() / f"{import_id}{'.xlsx' if filename.lower().endswith('.xlsx') else '.csv'}"


def invitations_path(import_id: str) -> Path:
    return folder() / f"{import_id}-invitations.csv"


def stash(data: bytes, filename: str, root_id: int, account_id: int | None) -> str:
    """Keep an uploaded file for its confirmation: an unguessable id names it."""
    IMPORTS.clear_old()  # what README promises: a week, then gone
    import_id = secrets.token_urlsafe(12)
    upload_path(import_id, filename).write_bytes(data)
    save(import_id, root_id=root_id, account_id=account_id, filename=filename, status="planned", done=0, total=0)
    return import_id


def start(import_id: str) -> None:
    entry = state(import_id)
    save(import_id, **{**entry, "status": "queued"})
    enqueue(run_import, import_id, description=f"org import {import_id}")


def run_import(import_id: str) -> dict:
    """RQ entry point."""
    return in_app_context(run, import_id, None)


def run(import_id: str, tick: Callable[[int, int], None] | None) -> dict:
    from models import ORG_KIND_LABELS
    from runtime.extensions import db
    from services.organisations import orgs, tree_import
    from services.people import staff

    entry = state(import_id)
    data = upload_path(import_id, entry["filename"]).read_bytes()
    planned = tree_import.plan(db.session, entry["root_id"], tree_import.read_rows(data, entry["filename"]))
    total, base = len(planned.rows), current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    root_name = orgs.get_org(db.session, entry["root_id"]).name
    out_file = invitations_path(import_id)
    new_file = not out_file.exists()
    with out_file.open("a", encoding="utf-8-sig" if new_file else "utf-8", newline="") as out:
        writer = csv.writer(out)
        if new_file:
            writer.writerow(OUT_HEADERS)

        def progress(done: int, made: list) -> None:
            rows = {org_id: row for org_id, row in made}
            issued = staff.invite_admins(db.session, [(org_id, row.contact_name) for org_id, row in made],
                                         created_by=entry["account_id"])
            for org_id, token, code in issued:
                row = rows[org_id]
                writer.writerow([row.name, ORG_KIND_LABELS[row.kind], row.parent or root_name, row.contact_name or "",
                                 f"{base}/console/join/{token}", f"{code[:4]}-{code[4:]}"])
            out.flush()
            save(import_id, **{**entry, "status": "running", "done": done, "total": total})
            if tick:
                tick(done, total)

        try:
            counts = tree_import.apply(db.session, planned, progress=progress)
        except Exception:
            save(import_id, **{**entry, "status": "failed", "total": total})
            raise
    counts.update(_place_sites(import_id, entry, total, tick))
    save(import_id, **{**entry, "status": "done", "done": total, "total": total, "counts": counts})
    return counts


def unplaced_path(import_id: str) -> Path:
    return folder() / f"{import_id}-unplaced.csv"


def _place_sites(import_id: str, entry: dict, total: int, tick) -> dict[str, int]:
    """Every team below the importer with an address and no point is looked up by its address (issue
    36.5); those the geocoder cannot place are listed for the importer to fix by hand."""
    import sqlalchemy as sa

    from models import Organization, Team
    from runtime import geocoder
    from runtime.extensions import db
    from services.organisations import orgs, teams

    root = orgs.get_org(db.session, entry["root_id"])
    waiting = db.session.execute(sa.select(Team.id, Organization.name, Team.site_address, Team.site_radius_m)
                                 .join(Organization, Team.org_id == Organization.id)
                                 .where(orgs.subtree_filter(root), Team.site_address.is_not(None),
                                        Team.site_lat.is_(None)).order_by(Team.id)).all()
    placed, unplaced = 0, []
    for n, (team_id, name, address, radius) in enumerate(waiting, start=1):
        place = geocoder.locate(address)
        if place is None:
            unplaced.append((name, address))
        else:
            teams.set_site(db.session, team_id, lat=place.lat, lng=place.lng, coord_system=place.coord_system,
                           radius_m=radius or 300, address=address)
            placed += 1
        if n % 50 == 0 or n == len(waiting):
            save(import_id, **{**entry, "status": "placing", "done": total, "total": total,
                               "placing": n, "to_place": len(waiting)})
    with unplaced_path(import_id).open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["组织", "地址", "说明"])
        writer.writerows([(name, address, "未能按地址定位，请在服务队页面手工填写坐标") for name, address in unplaced])
    return {"placed": placed, "unplaced": len(unplaced)}
