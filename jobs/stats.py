"""Refreshing the dashboards' counts (``services.stats.refresh``) on the queue."""
from __future__ import annotations

from flask import current_app, has_app_context

from jobs.queue import enqueue


def refresh_stats(org_id: int, max_age_seconds: int = 0) -> int:
    """RQ entry point; skips the work when a refresh newer than ``max_age_seconds`` already landed
    (several people opening a stale dashboard queue one refresh each; only the first counts)."""
    if has_app_context():
        return _refresh(org_id, max_age_seconds)
    from app import create_app

    with create_app().app_context():
        return _refresh(org_id, max_age_seconds)


def _refresh(org_id: int, max_age_seconds: int) -> int:
    from extensions import db
    from services import orgs, stats

    org = orgs.get_org(db.session, org_id)
    if max_age_seconds and not stats.is_stale(db.session, org, max_age_seconds):
        return 0
    return stats.refresh(db.session, org)


def request_refresh(org_id: int, *, only_if_stale: bool) -> str | None:
    max_age = current_app.config["STATS_MAX_AGE_SECONDS"] if only_if_stale else 0
    return enqueue(refresh_stats, org_id, max_age, description=f"stats refresh {org_id}")
