"""Refreshing the dashboards' counts (``services.reporting.stats.refresh``) on the queue."""
from __future__ import annotations

from flask import current_app

from jobs.queue import enqueue, in_app_context
from models import Organization


def refresh_stats(org_id: int, max_age_seconds: int = 0) -> int:
    """RQ entry point; skips the work when a refresh newer than ``max_age_seconds`` already landed
    (several people opening a stale dashboard queue one refresh each; only the first counts)."""
    return in_app_context(_refresh, org_id, max_age_seconds)


def _refresh(org_id: int, max_age_seconds: int) -> int:
    from runtime.extensions import db
    from services.organisations import orgs
    from services.reporting import stats

    org = orgs.get_org(db.session, org_id)
    if max_age_seconds and not stats.is_stale(db.session, org, max_age_seconds):
        return 0
    return stats.refresh(db.session, org)


def request_refresh(org: Organization, *, only_if_stale: bool) -> str | None:
    """Recount ``org``'s sub-tree now (inline) or on the queue; with ``only_if_stale`` nothing happens
    while its snapshot is younger than ``STATS_MAX_AGE_SECONDS`` (the job checks again when it runs)."""
    from runtime.extensions import db
    from services.reporting import stats

    max_age = current_app.config["STATS_MAX_AGE_SECONDS"] if only_if_stale else 0
    if max_age and not stats.is_stale(db.session, org, max_age):
        return None
    return enqueue(refresh_stats, org.id, max_age, description=f"stats refresh {org.id}")
