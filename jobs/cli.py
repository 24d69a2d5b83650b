"""``flask --app app jobs worker`` and ``flask --app app push …``."""
from __future__ import annotations

import logging
import threading
import time

import click
import redis
from flask import current_app
from flask.cli import AppGroup

from jobs import push as push_job
from jobs.worker import AppWorker
from models import DELIVERY_LABELS
from runtime.extensions import db

logger = logging.getLogger(__name__)

jobs_cli = AppGroup("jobs", help="后台任务（RQ）。")
push_cli = AppGroup("push", help="向团员推送项目链接（模板消息）。")


def supervise(start, *, burst: bool = False, stopped=lambda: False, wait: float = 1.0) -> None:
    """Run ``start()`` again whenever it ends without being asked to: RQ's worker quits on a Redis
    timeout or any error outside a job (a 3-second Redis blip used to stop pushing until a person
    restarted it). ``stopped()`` tells a requested shutdown (SIGTERM) from such an end."""
    pause = wait
    while True:
        began = time.monotonic()
        try:
            start()
        except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
            logger.warning("lost Redis: %s", type(exc).__name__)
        if burst or stopped():
            return
        pause = wait if time.monotonic() - began > 60 else min(pause * 2, 30.0)
        logger.warning("started again in %.0f s", pause)
        time.sleep(pause)


def _recover_at_start() -> None:
    from services.push import runs

    try:
        recovered = runs.recover(db.session)
    except Exception:  # noqa: BLE001 - the periodic recovery will try again
        logger.warning("could not look for unfinished pushes at start", exc_info=True)
        db.session.rollback()
        return
    if recovered:
        click.echo(f"重新排队的推送：{', '.join(map(str, recovered))}")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="处理完队列中的任务后退出")
def worker(burst: bool) -> None:
    """Take jobs from Redis, through Redis and database outages; first re-queue pushes a dead worker left
    unfinished or whose quota day is over."""
    from jobs.queue import connection, queue

    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("未设置 REDIS_URL：没有队列，任务在请求中同步执行，无需 worker")
    port = current_app.config["WORKER_METRICS_PORT"]
    if port:  # what this worker counts (push deliveries) for Prometheus, beside the web nodes' /metrics
        from prometheus_client import start_http_server

        start_http_server(port, addr=current_app.config["WORKER_METRICS_ADDR"])
    _recover_at_start()
    current: list[AppWorker] = []

    def start() -> None:
        config = current_app.config
        current[:] = [AppWorker([queue()], connection=connection(), beat_every=config["WORKER_HEARTBEAT_SECONDS"],
                                maintenance_interval=config["WORKER_MAINTENANCE_SECONDS"])]
        # RQ's own scheduler (jobs at a time, retries after a pause) runs in `flask jobs scheduler`, not
        # in a child forked from here: that child inherited the worker's database connection, and kept
        # it (and the transaction a SIGKILLed worker had open) alive after the worker died.
        current[0].work(burst=burst, with_scheduler=burst, logging_level="WARNING")

    supervise(start, burst=burst,
              stopped=lambda: bool(current) and current[0]._shutdown_requested_date is not None)


@jobs_cli.command("scheduler")
def scheduler() -> None:
    """RQ's cron scheduler: push recovery, missing sign-outs, session purge (jobs/periodic.py), queued
    for the workers on their clocks. A second one waits on the first one's lock (jobs/scheduler_lock.py)
    and takes over when it ends."""
    from rq import cron_scheduler_registry
    from rq.cron import CronScheduler

    from jobs import scheduler_lock
    from jobs.periodic import schedule
    from jobs.queue import QUEUE_NAME, connection

    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("未设置 REDIS_URL：没有队列，无法定时排队任务")
    stopped = {"asked": False}
    done = threading.Event()
    # The thread gets the app itself: a new thread has no app context (it died at every start for want of
    # one, so delayed jobs and RQ's retries never ran).
    app = current_app._get_current_object()
    threading.Thread(target=_move_due_jobs, args=(app, done), daemon=True, name="rq-scheduled").start()

    def start() -> None:
        release = scheduler_lock.hold(connection(), say=click.echo)
        try:
            # Holding the lock, this is the only live scheduler: any other in RQ's registry was killed.
            cron_scheduler_registry.cleanup(connection(), threshold=0)
            cron = CronScheduler(connection=connection(), logging_level="WARNING")
            for job, seconds in schedule():
                cron.register(job, QUEUE_NAME, interval=seconds, job_timeout=600)
            cron.start()  # returns only when asked to stop (SIGTERM, SIGINT); a Redis error escapes it
            stopped["asked"] = True
        except scheduler_lock.LockLost:
            logger.warning("scheduler lock lost: waiting for it again")
        finally:
            release()

    click.echo("定时任务：" + "，".join(f"{job.__name__} 每 {seconds} 秒" for job, seconds in schedule()))
    try:
        supervise(start, stopped=lambda: stopped["asked"])
    finally:
        done.set()


def _move_due_jobs(app, done: threading.Event) -> None:
    """RQ's scheduler work (a push paused until the quota day, a failed job's retry after its pause):
    due jobs go from the scheduled registry to the queue, every second. Its lock is tried again every
    second too, not every ten minutes as RQ's worker does, so a restarted scheduler takes over as soon as
    a killed one's lock expires (about a minute)."""
    from rq.scheduler import RQScheduler

    from jobs.queue import QUEUE_NAME, connection

    rq_scheduler = RQScheduler([QUEUE_NAME], connection=connection(app), logging_level="WARNING")
    refreshed = 0.0
    while not done.is_set():
        try:
            if not rq_scheduler.acquired_locks or time.monotonic() - refreshed > 15:
                rq_scheduler.acquire_locks()
                refreshed = time.monotonic()
            if rq_scheduler.acquired_locks:
                rq_scheduler.enqueue_scheduled_jobs()
        except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
            logger.warning("scheduled jobs not moved: %s", type(exc).__name__)
        done.wait(1.0)


def _project(session, ref: str):
    """A project by its code or id, whatever its state (the operator's view)."""
    import sqlalchemy as sa

    from models import Project

    column = Project.id if ref.isdigit() else Project.code
    project = session.scalar(sa.select(Project).where(column == (int(ref) if ref.isdigit() else ref)))
    if project is None:
        raise click.ClickException(f"没有编号为 {ref} 的项目")
    return project


def _print_progress(project) -> None:
    from services.push import runs

    progress = runs.progress(db.session, project)
    click.echo(f"项目「{project.title}」推送：共 {progress.total} 人；" + "，".join(
        f"{DELIVERY_LABELS[k]} {progress.counts[k]}" for k in DELIVERY_LABELS if progress.counts.get(k)))
    if progress.run is not None:
        click.echo(f"最近一次：{progress.run.state.value}" + (f"（{progress.run.last_error}）" if progress.run.last_error else ""))
    for status, reason, count in progress.reasons:
        click.echo(f"  {DELIVERY_LABELS[status]} {count}：{reason}")
    if progress.unreachable:
        click.echo(f"  另有 {progress.unreachable} 名服务队成员未绑定微信，无法推送")


@push_cli.command("project")
@click.argument("ref")
@click.option("--resend-unknown", is_flag=True, help="也重发状态未知（可能已送达）的消息")
def push_project(ref: str, resend_unknown: bool) -> None:
    """Push project REF (its code or id) to its members; inline without Redis, else queued."""
    from jobs.queue import is_inline
    from services.kernel.errors import DomainError
    from services.push import execution, runs

    project = _project(db.session, ref)
    try:
        run = runs.request_push(db.session, project.id, resend_unknown=resend_unknown, enqueue=not is_inline())
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    if not is_inline():
        click.echo(f"推送任务 {run.id} 已排队，由 `flask --app app jobs worker` 执行；查看进度：flask --app app push status {project.code}")
        return
    with click.progressbar(length=0, label="推送中", show_pos=True) as bar:
        def advance(total: int) -> None:
            bar.length = total
            bar.update(1)

        execution.run(db.session, run.id, client=push_job.client(), on_progress=advance)
    _print_progress(project)


@push_cli.command("status")
@click.argument("ref")
def push_status(ref: str) -> None:
    """Show a project's push progress and the failures' reasons."""
    _print_progress(_project(db.session, ref))


@push_cli.command("resume")
def push_resume() -> None:
    """Take up pushes a dead job left and those paused for the quota whose day is over (the scheduler does it every minute)."""
    from services.push import runs

    ids = runs.recover(db.session)
    click.echo(f"继续推送：{', '.join(map(str, ids))}" if ids else "没有需要继续的推送")
