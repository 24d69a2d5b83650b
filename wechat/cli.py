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
@click.argument("kind", type=click.Choice(["subscribe", "scan", "location", "location_event", "click", "text",
                                           "unsubscribe"]))
@click.option("--openid", default="o_sim_demo_user", show_default=True)
@click.option("--key", help="EventKey: team:<code> / project:<code> for scans, menu key for clicks")
@click.option("--text", "content", help="text message content")
@click.option("--lat", type=float)
@click.option("--lng", type=float)
@click.option("--aes", is_flag=True, help="encrypt as in safe mode")
@click.option("--url", default=None, help="callback URL (default PUBLIC_BASE_URL/wechat)")
def simulate(kind, openid, key, content, lat, lng, aes, url) -> None:
    """Build, sign (and encrypt) a message as WeChat does, post it, print the decrypted reply."""
    config = current_app.config
    if aes and not config["WECHAT_ENCODING_AES_KEY"]:
        raise click.ClickException("--aes 需要配置 WECHAT_ENCODING_AES_KEY")
    fields = {}
    if key:
        fields["key"] = ("qrscene_" + key) if kind == "subscribe" else key
    if content is not None:
        fields["content"] = content
    if lat is not None:
        fields.update(lat=lat, lng=lng)
    xml = simulator.build_xml(kind, openid, **fields)
    signed = simulator.sign(xml, token=config["WECHAT_TOKEN"], appid=config["WECHAT_APP_ID"],
                            aes_key=config["WECHAT_ENCODING_AES_KEY"], encrypt=aes)
    response = requests.post(url or config["PUBLIC_BASE_URL"] + "/wechat", params=signed.query, data=signed.body,
                             timeout=10)
    click.echo(f"HTTP {response.status_code}")
    click.echo(simulator.decrypt_reply(response.text, token=config["WECHAT_TOKEN"], appid=config["WECHAT_APP_ID"],
                                       aes_key=config["WECHAT_ENCODING_AES_KEY"], query=signed.query))
