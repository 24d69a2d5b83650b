"""The RQ worker ``flask jobs worker`` runs: jobs in this process, inside the app context the CLI pushed,
with a fresh database session per job (a forking worker would share the parent's connection pool with
its children). Two things RQ's SimpleWorker leaves undone after faults, done here with its own methods:

- a job's entry in the started registry lives as long as the job's timeout (an hour for a push), since
  nothing beats for it while the job runs in this thread; a SIGKILLed worker's job then showed
  "started" for that hour. A thread beats every ``beat_every`` seconds (``maintain_heartbeats``, as
  RQ's forking worker does while it watches its work horse), with a TTL of three beats, so a dead
  worker's job is moved to the failed registry by the next registry cleanup, minutes later;
- after Redis restarted, a live worker was missing from ``rq:workers`` (the dashboard showed none):
  each heartbeat that finds the worker gone from the registry registers its birth again.
"""
from __future__ import annotations

import logging
import threading

import redis
from rq import SimpleWorker, worker_registration
from rq.worker import WorkerStatus

from runtime.extensions import db

logger = logging.getLogger(__name__)


class AppWorker(SimpleWorker):
    def __init__(self, *args, beat_every: int = 30, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.beat_every = beat_every

    def get_heartbeat_ttl(self, job) -> int:
        return 3 * self.beat_every

    def heartbeat(self, timeout=None, pipeline=None):
        if pipeline is None and not self.connection.sismember(worker_registration.REDIS_WORKER_KEYS, self.key):
            self.connection.delete(self.key)  # what a heartbeat after the restart wrote of it
            self.register_birth()
            logger.warning("worker %s registered again (Redis lost its registry)", self.name)
        return super().heartbeat(timeout, pipeline)

    def execute_job(self, job, queue):
        self.prepare_execution(job)
        done = threading.Event()
        beating = threading.Thread(target=self._beat, args=(job, done), daemon=True, name="job-heartbeat")
        beating.start()
        try:
            self.perform_job(job, queue)
        finally:
            done.set()
            beating.join(timeout=5)
        self.set_state(WorkerStatus.IDLE)

    def _beat(self, job, done: threading.Event) -> None:
        while not done.wait(self.beat_every):
            try:
                self.maintain_heartbeats(job)
            except redis.RedisError as exc:
                logger.warning("job %s heartbeat not sent: %s", job.id, type(exc).__name__)

    def perform_job(self, job, queue):
        try:
            return super().perform_job(job, queue)
        finally:
            try:
                db.session.remove()
            except Exception:  # noqa: BLE001 - a database restart must not take the worker with it
                logger.warning("database session of job %s could not be closed", job.id, exc_info=True)
