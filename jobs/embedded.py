"""The periodic jobs without Redis: under ``make run`` nothing ran RQ's scheduler, so pairings never
lapsed, sign-outs were never marked missing and dashboards were recounted only when looked at.

With ``EMBEDDED_SCHEDULER=1`` (``make run`` sets it) and no ``REDIS_URL``, the web process runs the
same schedule as ``flask jobs scheduler`` (``jobs.periodic.schedule``) on APScheduler's background
thread, each run inside an app context. One per machine: the process that takes the file lock
(filelock) beside the database runs it; another process (a second ``flask run``, Flask's reloader) finds
it taken and leaves the schedule alone. With Redis, the RQ scheduler does this work and this stays off.
"""
from __future__ import annotations

import atexit
import datetime as dt
import logging
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler
from filelock import FileLock, Timeout
from flask import Flask

logger = logging.getLogger(__name__)

EXTENSION = "embedded_scheduler"


def lock_path(app: Flask) -> Path:
    return Path(app.config.get("EMBEDDED_SCHEDULER_LOCK") or Path(app.instance_path) / "scheduler.lock")


def start(app: Flask) -> BackgroundScheduler | None:
    """The scheduler, started; None when it is not this process's to run."""
    if app.config.get("REDIS_URL") or not app.config.get("EMBEDDED_SCHEDULER") or EXTENSION in app.extensions:
        return None
    lock_path(app).parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(lock_path(app)))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        logger.info("embedded scheduler: another process on this machine runs it")
        return None
    from jobs.periodic import schedule

    with app.app_context():
        jobs = schedule()
    scheduler = BackgroundScheduler(timezone="Asia/Shanghai", daemon=True)
    first = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=app.config["EMBEDDED_SCHEDULER_FIRST_RUN"])
    for job, seconds in jobs:
        scheduler.add_job(_run, "interval", seconds=seconds, args=(app, job), id=job.__name__, name=job.__name__,
                          next_run_time=first, max_instances=1, coalesce=True, misfire_grace_time=seconds)
    scheduler.start()
    app.extensions[EXTENSION] = (scheduler, lock)
    atexit.register(stop, app)
    logger.info("embedded scheduler: %s", ", ".join(f"{job.__name__} every {seconds}s" for job, seconds in jobs))
    return scheduler


def stop(app: Flask) -> None:
    scheduler, lock = app.extensions.pop(EXTENSION, (None, None))
    if scheduler is not None:
        scheduler.shutdown(wait=False)
        lock.release()


def _run(app: Flask, job) -> None:
    with app.app_context():
        try:
            job()
        except Exception:  # one failed round is logged; the next comes on its clock
            logger.exception("embedded scheduler: %s failed", job.__name__)
        finally:
            from runtime.extensions import db

            db.session.remove()
