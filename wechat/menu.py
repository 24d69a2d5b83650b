"""The official account's menu: a data file (menu.json), checked against WeChat's limits, pushed
with menu/create. WeChat allows 3 top-level buttons with up to 5 sub-buttons each, names of at most
16 bytes at the top and 60 below (UTF-8: a Chinese character is 3 bytes, so 5 at the top)."""
from __future__ import annotations

import json
import logging
from pathlib import Path

from wechat.client import SharedTokenClient

logger = logging.getLogger(__name__)

MENU_FILE = Path(__file__).with_name("menu.json")
MAX_BUTTONS, MAX_SUB_BUTTONS = 3, 5
MAX_NAME_BYTES, MAX_SUB_NAME_BYTES = 16, 60
TYPES = {"click": "key", "view": "url", "miniprogram": "pagepath"}


class MenuError(ValueError):
    """Says which button breaks which limit."""


def load(base_url: str, path: Path = MENU_FILE) -> dict:
    return json.loads(path.read_text(encoding="utf-8").replace("{PUBLIC_BASE_URL}", base_url))


def _check_leaf(button: dict, where: str) -> None:
    kind = button.get("type")
    if kind not in TYPES:
        raise MenuError(f"{where}: type 应为 {', '.join(TYPES)}")
    if not button.get(TYPES[kind]):
        raise MenuError(f"{where}: {kind} 按钮缺少 {TYPES[kind]}")
    if kind == "click" and len(button["key"].encode()) > 128:
        raise MenuError(f"{where}: key 超过128字节")


def validate(menu: dict) -> dict:
    buttons = menu.get("button")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= MAX_BUTTONS:
        raise MenuError(f"一级菜单应为1至{MAX_BUTTONS}个")
    for i, button in enumerate(buttons, 1):
        name = button.get("name", "")
        if not name or len(name.encode()) > MAX_NAME_BYTES:
            raise MenuError(f"一级菜单{i}「{name}」名称应为1至{MAX_NAME_BYTES}字节")
        subs = button.get("sub_button")
        if subs is None:
            _check_leaf(button, f"一级菜单{i}「{name}」")
            continue
        if not 1 <= len(subs) <= MAX_SUB_BUTTONS:
            raise MenuError(f"一级菜单{i}「{name}」的二级菜单应为1至{MAX_SUB_BUTTONS}个")
        for j, sub in enumerate(subs, 1):
            sub_name = sub.get("name", "")
            if not sub_name or len(sub_name.encode()) > MAX_SUB_NAME_BYTES:
                raise MenuError(f"二级菜单{i}.{j}「{sub_name}」名称应为1至{MAX_SUB_NAME_BYTES}字节")
            _check_leaf(sub, f"二级菜单{i}.{j}「{sub_name}」")
    return menu


def sync(client: SharedTokenClient, menu: dict) -> dict:
    """菜单创建 https://developers.weixin.qq.com/doc/offiaccount/Custom_Menus/Creating_Custom-Defined_Menu.html"""
    return client.menu.create(validate(menu))
