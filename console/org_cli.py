"""flask --app app orgs import FILE --under ID [--dry-run] [--out FILE]: the organisation tree from an
Excel or CSV file, with the same checks, the same idempotent batches and the same invitations file as
the console's import page (jobs/org_import.py), and progress bars."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import click
from flask.cli import AppGroup

from jobs import org_import
from runtime.extensions import db
from services.kernel.errors import DomainError
from services.organisations import orgs, tree_import

orgs_cli = AppGroup("orgs", help="组织架构")


@orgs_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--under", "root_id", type=int, required=True, help="导入到哪个组织之下（其ID）")
@click.option("--dry-run", is_flag=True, help="只检查，列出每一行的问题，不写入")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="新建组织的管理员邀请链接写入此文件（默认：与导入文件同目录的 *-invitations.csv）")
def import_command(file: Path, root_id: int, dry_run: bool, out: Path | None) -> None:
    """Import (or update) the organisation tree below an organisation."""
    started = time.perf_counter()
    try:
        root = orgs.get_org(db.session, root_id)
        records = tree_import.read_rows(file.read_bytes(), file.name)
        planned = tree_import.plan(db.session, root.id, records)
    except DomainError as err:
        raise click.ClickException(err.message) from err
    click.echo(f"「{root.name}」之下：共 {len(planned.rows)} 行，新建 {planned.count('new')}，"
               f"更新 {planned.count('update')}，不变 {planned.count('unchanged')}，有问题 {len(planned.problems)} 行"
               f"（检查用时 {time.perf_counter() - started:.1f} 秒）")
    for row in planned.problems[:200]:
        click.echo(f"  第 {row.number} 行 {row.name or '（无名称）'}：{'；'.join(row.problems)}")
    if len(planned.problems) > 200:
        click.echo(f"  …… 另有 {len(planned.problems) - 200} 行有问题")
    if dry_run:
        return
    if planned.problems:
        raise click.ClickException("有问题的行须先改正，未写入任何数据")
    import_id = org_import.stash(file.read_bytes(), file.name, root.id, None)
    with click.progressbar(length=len(planned.rows), label="导入", show_pos=True, show_eta=True) as bar:
        last = {"done": 0}

        def tick(done: int, total: int) -> None:
            bar.update(done - last["done"])
            last["done"] = done
        counts = org_import.run(import_id, tick)
    target = out or file.with_name(file.stem + "-invitations.csv")
    shutil.copyfile(org_import.invitations_path(import_id), target)
    unplaced = target.with_name(target.stem.replace("-invitations", "") + "-unplaced.csv")
    shutil.copyfile(org_import.unplaced_path(import_id), unplaced)
    click.echo(f"完成：新建 {counts['new']}，更新 {counts['update']}，不变 {counts['unchanged']}，"
               f"按地址定位 {counts['placed']} 个，未能定位 {counts['unplaced']} 个（{unplaced}），"
               f"用时 {time.perf_counter() - started:.1f} 秒\n  管理员邀请链接：{target}（含一次性链接，请妥善分发）")
