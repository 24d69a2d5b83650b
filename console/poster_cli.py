"""flask --app app qr posters --org <id> --out DIR"""
from __future__ import annotations

import time
from pathlib import Path

import click
from flask.cli import AppGroup

from console.posters import team_poster
from qr.batch import render_all, write_pdf, write_zip
from qr.fonts import FontMissing, cjk_font_path
from runtime.extensions import db
from services.kernel.errors import DomainError
from services.organisations.orgs import get_org
from services.organisations.posters import teams_to_print

qr_cli = AppGroup("qr", help="服务队二维码与海报")


@qr_cli.command("posters")
@click.option("--org", "org_id", type=int, required=True, help="团组织ID：打印其下全部服务队的海报")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="输出目录（每队一张PNG，另有ZIP与多页PDF）")
@click.option("--jobs", type=int, default=None, help="并行进程数，默认为CPU核数")
@click.option("--community-only", is_flag=True, help="只打印社区（村）服务队")
def posters(org_id: int, out_dir: Path, jobs: int | None, community_only: bool) -> None:
    """Print every team poster of an organisation's sub-tree."""
    try:
        cjk_font_path()  # fail before any work when no Chinese font is installed
        org = get_org(db.session, org_id)
    except (FontMissing, DomainError) as exc:
        raise click.ClickException(getattr(exc, "message", str(exc))) from exc
    teams = teams_to_print(db.session, org, community_only=community_only)
    if not teams:
        raise click.ClickException(f"「{org.name}」下没有服务队")
    started = time.perf_counter()
    with click.progressbar(teams, label="准备二维码", show_pos=True) as bar:
        data = [team_poster(team) for team in bar]
    render_started = time.perf_counter()
    with click.progressbar(length=len(data), label="绘制海报", show_pos=True, show_eta=True) as bar:
        pngs = render_all(data, out_dir, processes=jobs, progress=bar.update)
    rendered = time.perf_counter() - render_started
    click.echo("打包 ZIP …")
    zip_path = write_zip(pngs, out_dir / "posters.zip")
    click.echo("合成多页 PDF …")
    pdf_path = write_pdf(pngs, out_dir / "posters.pdf")
    click.echo(f"完成：{len(pngs)} 张海报（绘制 {len(pngs) / rendered:.1f} 张/秒，共用时 "
               f"{time.perf_counter() - started:.1f} 秒）\n  PNG：{out_dir}\n  ZIP：{zip_path}\n  PDF：{pdf_path}")
