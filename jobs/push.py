"""The push job: ``services.push.execution.run`` on the queue, with the WeChat client it sends with."""
from __future__ import annotations

import datetime as dt

from jobs.queue import enqueue, in_app_context


def push_project(run_id: int) -> dict | None:
    """RQ entry point."""
    return in_app_context(_run, run_id)


def client():
    """The WeChat API client a push run sends with (its own timeout, PUSH_HTTP_TIMEOUT)."""
    from flask import current_app

    from wechat.client import get_client

    return get_client(timeout=current_app.config["PUSH_HTTP_TIMEOUT"])


def _run(run_id: int) -> dict | None:
    from runtime.extensions import db
    from services.push import execution

    report = execution.run(db.session, run_id, client=client())
    return None if report is None else {"sent": report.sent, "failed": report.failed,
                                        "unknown": report.unknown, "state": report.state.value}


def enqueue_run(run_id: int, *, at: dt.datetime | None = None) -> str | None:
    return enqueue(push_project, run_id, at=at, description=f"push run {run_id}", retry=True)


def init_app(app) -> None:
    """The push queue services.push.runs hands its runs to (services never reach for the queue themselves)."""
    app.extensions["push_queue"] = enqueue_run
