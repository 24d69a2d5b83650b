"""Where jobs go: an RQ queue when REDIS_URL is set, else they run inline (the newcomer's default).

Jobs are plain functions importable by path; RQ pickles only the path and the arguments, so a job
takes ids, never ORM objects. The worker runs them inside an app context (see ``jobs.cli``).
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

import redis
from flask import Flask, current_app
from rq import Queue, Retry

from runtime.sharedstore import fail_fast

logger = logging.getLogger(__name__)

QUEUE_NAME = "qingchun"
JOB_TIMEOUT = 3600  # a 10,000-member push at 50/s takes ~3.5 min; leave room for quota waits and retries


def connection(app: Flask | None = None) -> redis.Redis:
    """The workers' connection: RQ's blocking pops wait on it, so it has no socket timeout."""
    app = app or current_app
    key = "rq_connection"
    if key not in app.extensions:
        app.extensions[key] = redis.Redis.from_url(app.config["REDIS_URL"])
    return app.extensions[key]


def enqueue_connection(app: Flask | None = None) -> redis.Redis:
    """The web's connection for enqueueing: a hung Redis costs a request half a second, not ten."""
    app = app or current_app
    key = "rq_enqueue_connection"
    if key not in app.extensions:
        app.extensions[key] = redis.Redis.from_url(app.config["REDIS_URL"], **fail_fast())
    return app.extensions[key]


def queue(app: Flask | None = None) -> Queue:
    return Queue(QUEUE_NAME, connection=connection(app))


def in_app_context(func: Callable, *args):
    """Call ``func`` inside the app context of the worker that runs it. The one entry point that builds
    the app is ``flask --app app jobs worker`` (Flask's CLI calls ``app.create_app``, and the worker runs
    every job in its own process): jobs/ never imports ``app``, so nothing here builds a second one."""
    from flask import has_app_context

    if not has_app_context():
        raise RuntimeError("jobs run in `flask --app app jobs worker`, which builds the app; a bare `rq worker` has none")
    return func(*args)


def is_inline() -> bool:
    return not current_app.config.get("REDIS_URL")


def enqueue(func: Callable, *args, at: dt.datetime | None = None, description: str | None = None,
            retry: bool = False) -> str | None:
    """Run ``func(*args)`` in the background; the RQ job id, or None when it ran inline (or, for a
    later ``at``, will be picked up by ``flask --app app push resume``), or when Redis could not take it."""
    if is_inline():
        if at is None:
            func(*args)
        else:
            logger.info("inline mode: %s deferred until %s (run `flask --app app push resume` then)",
                        func.__name__, at.isoformat())
        return None
    options = {"job_timeout": JOB_TIMEOUT, "description": description, "result_ttl": 86400,
               "failure_ttl": 7 * 86400}
    if retry:  # a job that failed (a database restart as it ran) goes again, after these pauses
        intervals = list(current_app.config["JOB_RETRY_INTERVALS"])
        options["retry"] = Retry(max=len(intervals), interval=intervals)
    target = Queue(QUEUE_NAME, connection=enqueue_connection())
    try:
        job = target.enqueue_at(at, func, *args, **options) if at else target.enqueue(func, *args, **options)
    except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
        # The work is recorded in the database (a push run, a stale dashboard): the recovery job or the
        # next look picks it up. The request that asked goes on.
        logger.warning("could not queue %s: %s", func.__name__, type(exc).__name__)
        return None
    return job.id
