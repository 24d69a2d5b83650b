"""批量下载海报: every team poster of a sub-tree drawn into one ZIP in the background, its progress in
the shared store for the console's progress page (the teams page once told coordinators to run
``flask qr posters``; that command stays for a city's print shop).

The ZIP is written under ``POSTER_BATCH_DIR`` (the instance folder by default; a deployment with
workers on other hosts points it at a shared volume) and kept a day.
"""
from __future__ import annotations

import os
import secrets
import zipfile
from pathlib import Path

from jobs.kept import Kept
from jobs.queue import enqueue, in_app_context

BATCHES = Kept("posters", "POSTER_BATCH_DIR", 86400)
state, _save, folder = BATCHES.state, BATCHES.save, BATCHES.folder


def zip_path(batch_id: str) -> Path:
    return folder() / f"{batch_id}.zip"


def start(org_id: int, org_name: str, total: int) -> str:
    """A new batch for ``org_id``'s sub-tree: its id (unguessable, it names the download), queued or,
    without Redis, drawn now."""
    batch_id = secrets.token_urlsafe(16)
    _save(batch_id, org_id=org_id, org_name=org_name, total=total, done=0, status="queued")
    BATCHES.clear_old()
    enqueue(build_zip, batch_id, org_id, description=f"poster zip {org_id}")
    return batch_id


def build_zip(batch_id: str, org_id: int) -> int:
    """RQ entry point."""
    return in_app_context(_build, batch_id, org_id)


def _build(batch_id: str, org_id: int) -> int:
    from qr import batch, poster
    from runtime.extensions import db
    from services.organisations import orgs
    from services.organisations.posters import poster_fields, teams_to_print
    from wechat.client import get_client

    org = orgs.get_org(db.session, org_id)
    teams = teams_to_print(db.session, org)
    target, part = zip_path(batch_id), zip_path(batch_id).with_suffix(".part")
    try:
        with zipfile.ZipFile(part, "w", compression=zipfile.ZIP_STORED) as archive:
            for index, team in enumerate(teams, start=1):
                data = poster.PosterData(**poster_fields(db.session, team, get_client))
                archive.writestr(batch.file_name(index, data), poster.render_png(data))
                if index % 5 == 0 or index == len(teams):
                    _save(batch_id, org_id=org_id, org_name=org.name, total=len(teams), done=index, status="running")
        os.replace(part, target)
    except Exception:
        part.unlink(missing_ok=True)
        _save(batch_id, org_id=org_id, org_name=org.name, total=len(teams), done=0, status="failed")
        raise
    _save(batch_id, org_id=org_id, org_name=org.name, total=len(teams), done=len(teams), status="done")
    return len(teams)
