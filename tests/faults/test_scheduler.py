"""Issue 35.4 and 35.6, with the real ``flask jobs scheduler`` and ``flask jobs worker`` processes on a
Redis of the test's own: a job queued for later runs on time (the scheduler's thread for delayed jobs
used to die at every start without an app context, so RQ's retries and ``enqueue_at`` did nothing),
and a second scheduler waits on the first one's lock instead of queueing every periodic job twice."""
from __future__ import annotations

import datetime as dt
import time

import redis
from rq import Queue
from rq.job import Job, JobStatus

from jobs import periodic
from jobs.queue import QUEUE_NAME
from tests.faults.test_workers_heal import processes, sandbox_server  # noqa: F401 - the fixtures


def _until(condition, seconds: float, what: str) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if condition():
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds} s: {what}")


def test_a_delayed_job_runs_on_time(fault_app, own_redis, processes):  # noqa: F811
    connection = redis.Redis.from_url(own_redis.url)
    processes.start("scheduler")
    processes.start("worker")
    time.sleep(2)  # both up
    at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=3)
    job = Queue(QUEUE_NAME, connection=connection).enqueue_at(at, periodic.purge_sessions)
    took = _until(lambda: Job.fetch(job.id, connection=connection).get_status() == JobStatus.FINISHED, 20,
                  "the delayed job finished")
    assert took < 10, f"ran {took:.1f} s after it was queued for 3 s later"


def test_a_second_scheduler_waits_for_the_first(fault_app, own_redis, processes):  # noqa: F811
    connection = redis.Redis.from_url(own_redis.url)
    first = processes.start("scheduler", PUSH_RECOVERY_INTERVAL="1")
    time.sleep(1.5)
    processes.start("scheduler", PUSH_RECOVERY_INTERVAL="1")
    queue = Queue(QUEUE_NAME, connection=connection)
    time.sleep(6)
    queued = [job for job in queue.get_jobs() if job.func_name == "jobs.periodic.recover_pushes"]
    assert 4 <= len(queued) <= 8, f"{len(queued)} recovery jobs in 6 s at one a second"  # one scheduler's share
    first.terminate()
    first.wait(timeout=20)
    queue.empty()
    _until(lambda: any(job.func_name == "jobs.periodic.recover_pushes" for job in queue.get_jobs()), 45,
           "the waiting scheduler took over")
