"""Issue 35.7: what faults left behind. After a Redis restart live workers were missing from
``rq:workers`` (the dashboard showed none); a SIGKILLed worker's job stayed ``started`` for its
hour-long timeout; a killed scheduler stayed registered; ``keys rotate`` killed among the photos left a
``*.rotating`` copy that retention never deleted. Real worker and scheduler processes, a Redis of the
test's own."""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import redis
from rq import Queue, Worker, cron_scheduler_registry
from rq.job import Job, JobStatus

from jobs import periodic
from jobs.queue import QUEUE_NAME
from runtime.extensions import protector
from services.people import keys
from tests.faults.test_scheduler import _until
from tests.faults.test_workers_heal import processes, sandbox_server  # noqa: F401 - the fixtures


def test_a_worker_is_back_in_the_registry_after_redis_restarts(fault_app, own_redis, processes):  # noqa: F811
    connection = redis.Redis.from_url(own_redis.url)
    processes.start("worker", WORKER_HEARTBEAT_SECONDS="1")
    _until(lambda: len(Worker.all(connection=connection)) == 1, 15, "the worker registered")
    own_redis.restart()
    connection = redis.Redis.from_url(own_redis.url)
    _until(lambda: len(Worker.all(connection=connection)) == 1, 30, "the worker registered again after the restart")


def test_a_killed_workers_job_leaves_started(fault_app, own_redis, processes):  # noqa: F811
    connection = redis.Redis.from_url(own_redis.url)
    fast = {"WORKER_HEARTBEAT_SECONDS": "1", "WORKER_MAINTENANCE_SECONDS": "2"}
    worker = processes.start("worker", **fast)
    job = Queue(QUEUE_NAME, connection=connection).enqueue(time.sleep, 120, job_timeout=3600)
    _until(lambda: Job.fetch(job.id, connection=connection).get_status() == JobStatus.STARTED, 15, "the job started")
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    processes.start("worker", **fast)  # its replacement runs the scheduler's recovery job, which cleans them
    processes.start("scheduler", PUSH_RECOVERY_INTERVAL="1")
    _until(lambda: Job.fetch(job.id, connection=connection).get_status() == JobStatus.FAILED, 60,
           "the dead worker's job moved to failed")


def test_a_killed_scheduler_is_forgotten_by_the_next(fault_app, own_redis, processes):  # noqa: F811
    connection = redis.Redis.from_url(own_redis.url)
    first = processes.start("scheduler")
    _until(lambda: connection.zcard(cron_scheduler_registry.get_registry_key()) == 1, 15, "the scheduler registered")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    processes.start("scheduler")  # waits out the dead one's lock (30 s at most), then takes over
    time.sleep(2)
    _until(lambda: connection.zcard(cron_scheduler_registry.get_registry_key()) == 1
           and connection.zscore(cron_scheduler_registry.get_registry_key(),
                                 connection.zrange(cron_scheduler_registry.get_registry_key(), 0, 0)[0]) > time.time() - 20,
           60, "only the live scheduler registered")


def test_a_killed_rotation_leaves_no_copy_behind(fault_app, tmp_path):
    folder = tmp_path / "appeals"
    folder.mkdir()
    fault_app.config["APPEAL_PHOTO_DIR"] = str(folder)
    with fault_app.app_context():
        photo = folder / "a.bin"
        photo.write_bytes(protector.encrypt_bytes(b"photo"))
        leftover = folder / "a.bin.rotating"  # keys rotate killed between writing the copy and renaming it
        leftover.write_bytes(b"partial")
        old = time.time() - 7200
        os.utime(leftover, (old, old))
        assert keys.rotate_files(folder) == 0 and not leftover.exists()  # a rerun drops it, rotates nothing new
        leftover.write_bytes(b"partial")
        os.utime(leftover, (old, old))
        periodic.delete_appeal_photos()  # and the hourly retention job does too
        assert sorted(p.name for p in Path(folder).iterdir()) == ["a.bin"]
        assert protector.decrypt_bytes(photo.read_bytes()) == b"photo"
