"""``flask --app app jobs worker`` and ``flask --app app push …``."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from rq import SimpleWorker

from extensions import db

jobs_cli = AppGroup("jobs", help="后台任务（RQ）。")
push_cli = AppGroup("push", help="向团员推送项目链接（模板消息）。")


class AppWorker(SimpleWorker):
    """Runs jobs in this process, inside the app context the CLI pushed, with a fresh database session
    per job. (A forking worker would share the parent's connection pool with its children.)"""

    def perform_job(self, job, queue):
        try:
            return super().perform_job(job, queue)
        finally:
            db.session.remove()


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="处理完队列中的任务后退出")
def worker(burst: bool) -> None:
    """Take jobs from Redis; first re-queue pushes a dead worker left unfinished or whose quota day is over."""
    from jobs.queue import connection, queue
    from services import push

    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("未设置 REDIS_URL：没有队列，任务在请求中同步执行，无需 worker")
    recovered = push.recover(db.session)
    if recovered:
        click.echo(f"重新排队的推送：{', '.join(map(str, recovered))}")
    AppWorker([queue()], connection=connection()).work(burst=burst, with_scheduler=True,
                                                         logging_level="WARNING")


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
    from services import push

    progress = push.progress(db.session, project)
    labels = {"sent": "已发送", "delivered": "已送达", "pending": "待发送", "sending": "发送中",
              "failed": "失败", "blocked": "被拒收", "unknown": "状态未知"}
    click.echo(f"项目「{project.title}」推送：共 {progress.total} 人；" + "，".join(
        f"{labels[k]} {progress.counts[k]}" for k in labels if progress.counts.get(k)))
    if progress.run is not None:
        click.echo(f"最近一次：{progress.run.state.value}" + (f"（{progress.run.last_error}）" if progress.run.last_error else ""))
    for status, reason, count in progress.reasons:
        click.echo(f"  {labels[status]} {count}：{reason}")
    if progress.unreachable:
        click.echo(f"  另有 {progress.unreachable} 名服务队成员未绑定微信，无法推送")


@push_cli.command("project")
@click.argument("ref")
@click.option("--resend-unknown", is_flag=True, help="也重发状态未知（可能已送达）的消息")
def push_project(ref: str, resend_unknown: bool) -> None:
    """Push project REF (its code or id) to its members; inline without Redis, else queued."""
    from jobs.queue import is_inline
    from services import push
    from services.errors import DomainError

    project = _project(db.session, ref)
    try:
        run = push.request_push(db.session, project.id, resend_unknown=resend_unknown, enqueue=not is_inline())
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    if not is_inline():
        click.echo(f"推送任务 {run.id} 已排队，由 `flask --app app jobs worker` 执行；查看进度：flask --app app push status {project.code}")
        return
    with click.progressbar(length=0, label="推送中", show_pos=True) as bar:
        def advance(total: int) -> None:
            bar.length = total
            bar.update(1)

        push.run(db.session, run.id, on_progress=advance)
    _print_progress(project)


@push_cli.command("status")
@click.argument("ref")
def push_status(ref: str) -> None:
    """Show a project's push progress and the failures' reasons."""
    _print_progress(_project(db.session, ref))


@push_cli.command("resume")
def push_resume() -> None:
    """Take up pushes a dead job left and those paused for the quota whose day is over (cron-able)."""
    from services import push

    ids = push.recover(db.session)
    click.echo(f"继续推送：{', '.join(map(str, ids))}" if ids else "没有需要继续的推送")
