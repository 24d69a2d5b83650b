"""Message handlers: text commands, location messages and everything else."""
from __future__ import annotations

import logging

from handlers import common, texts
from handlers.context import Context
from handlers.events import my_profile
from handlers.registry import fallback, on_message
from services.kernel.errors import DomainError
from services.people import wechat_users
from services.volunteering import checkin
from services.volunteering.projects import get_project_by_code

logger = logging.getLogger(__name__)

COMMANDS = {"帮助": "help", "help": "help", "?": "help", "？": "help", "签到": "signin", "签退": "signout",
            "时长": "hours", "我的时长": "hours"}


@on_message("text")
def text(ctx: Context) -> str:
    command = COMMANDS.get((ctx.raw.get("Content") or "").strip().lower())
    if command in (None, "help"):
        return texts.HELP
    if command == "hours":
        return my_profile(ctx)  # says so itself when the openid is not bound
    if ctx.member_id is None:
        return common.unbound_reply(ctx)
    location = common.recent_location(ctx)
    if location is None:
        wechat_users.remember_intent(ctx.openid, command)
        return texts.ASK_LOCATION
    project = checkin.project_on_now(ctx.session, ctx.member_id, now=ctx.now, location=location)
    if project is None:
        return texts.NO_PROJECT
    return common.checkin_with(ctx, project.id, location, command)


@on_message("location")
def location(ctx: Context) -> str:
    """A location message signs in or out: for the project just scanned, else the one on now."""
    if ctx.member_id is None:
        return common.unbound_reply(ctx)
    try:
        point = checkin.Location(float(ctx.raw["Location_X"]), float(ctx.raw["Location_Y"]),
                                 ctx.setting("WECHAT_LOCATION_MESSAGE_COORD"), None)
    except (KeyError, TypeError, ValueError):
        return "位置信息无法识别，请重新发送当前位置。"
    intent = wechat_users.pop_intent(ctx.openid)
    project = None
    if intent and intent.startswith("project:"):
        try:
            project = get_project_by_code(ctx.session, intent.split(":", 1)[1])
        except DomainError as err:
            return err.message
        intent = None
    if project is None:
        project = checkin.project_on_now(ctx.session, ctx.member_id, now=ctx.now, location=point)
    if project is None:
        return texts.NO_PROJECT
    return common.checkin_with(ctx, project.id, point, intent if intent in ("signin", "signout") else None)


@fallback
def anything_else(ctx: Context) -> str | None:
    # Unknown events (kinds newer than wechatpy 1.8) get no reply; unknown messages get the help.
    return None if str(ctx.raw.get("MsgType", "")).lower() == "event" else texts.HELP
