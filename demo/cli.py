"""``flask --app app seed-demo``: the demo a newcomer's ``make run`` starts with."""
from __future__ import annotations

import click
from flask import Flask

from runtime.extensions import db


def register_commands(app: Flask) -> None:
    @app.cli.command("seed-demo")
    @click.option("--password", default=None, help="give every demo account this password")
    @click.option("--if-empty", is_flag=True, help="do nothing when the database already has organisations")
    def seed_demo_command(password: str | None, if_empty: bool) -> None:
        """Create the demo: Beijing organisations, teams, members, pairings, projects and records."""
        from demo.seed import DEFAULT_PASSWORD, already_seeded, print_logins, seed_demo

        if app.config["APP_ENV"] == "production":
            raise click.ClickException("生产环境（APP_ENV=production）不能生成演示数据：演示账号的密码是公开的")
        if already_seeded(db.session):
            if if_empty:
                click.echo("演示数据已存在，跳过生成。")
                print_logins(db.session, password or DEFAULT_PASSWORD, echo=click.echo)
                return
            raise click.ClickException("数据库里已有组织数据：演示数据只能生成在空数据库中（删除 instance/qingchun.db 后重试）")
        result = seed_demo(db.session, password=password or DEFAULT_PASSWORD, echo=click.echo)
        print_logins(db.session, result.password, echo=click.echo)
