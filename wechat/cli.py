"""`flask --app app wechat ...`: sync-menu and the message simulator."""
from __future__ import annotations

import click
import requests
from flask import current_app
from flask.cli import AppGroup

from wechat import menu, simulator
from wechat.client import get_client

wechat_cli = AppGroup("wechat", help="公众号：菜单同步与消息模拟")


@wechat_cli.command("sync-menu")
@click.option("--dry-run", is_flag=True, help="only validate")
def sync_menu(dry_run: bool) -> None:
    """Validate wechat/menu.json against WeChat's limits and push it with menu/create."""
    try:
        data = menu.validate(menu.load(current_app.config["PUBLIC_BASE_URL"]))
    except menu.MenuError as err:
        raise click.ClickException(f"菜单不符合微信限制：{err}") from err
    if dry_run:
        click.echo("菜单校验通过。")
        return
    menu.sync(get_client(), data)
    click.echo(f"菜单已同步：{' · '.join(b['name'] for b in data['button'])}")


@wechat_cli.command("simulate")
@click.argument("kind", type=click.Choice(simulator.KINDS))
@click.option("--openid", default="o_sim_demo_user", show_default=True)
@click.option("--key", help="EventKey: team:<code> / project:<code> for scans, menu key for clicks")
@click.option("--text", "content", help="text message content")
@click.option("--lat", type=float)
@click.option("--lng", type=float)
@click.option("--aes", is_flag=True, help="encrypt as in safe mode")
@click.option("--url", default=None, help="callback URL (default PUBLIC_BASE_URL/wechat)")
@click.option("--template", default=None, help="subscription template id (default PUSH_SUBSCRIBE_TEMPLATE_ID)")
@click.option("--status", default=None, help="popup/change: accept|reject|ban; sent: success|failed")
@click.option("--msgid", default=None, help="subscribe_msg_sent: the MsgID bizsend answered")
def simulate(kind, openid, key, content, lat, lng, aes, url, template, status, msgid) -> None:
    """Build, sign (and encrypt) a message as WeChat does, post it, print the decrypted reply."""
    config = current_app.config
    target = url or config["PUBLIC_BASE_URL"] + "/wechat"

    def send(query: dict, body: bytes) -> tuple[int, str]:
        response = requests.post(target, params=query, data=body, timeout=10)
        return response.status_code, response.text

    try:
        exchange = simulator.simulate(config, kind, openid, send, key=key, content=content, lat=lat, lng=lng,
                                      aes=aes, template=template, status=status, msgid=msgid)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    except requests.RequestException as exc:
        raise click.ClickException(f"无法连接 {target}：请先 make run（{exc.__class__.__name__}）") from exc
    click.echo(f"HTTP {exchange.status}")
    click.echo(exchange.reply)
