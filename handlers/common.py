"""Helpers shared by several handlers: team and project scenes, sign-in/out replies."""
from __future__ import annotations

import logging

from handlers import texts
from handlers.context import Context
from services.kernel.errors import DomainError
from services.organisations import joining, teams
from services.people import wechat_users
from services.volunteering import checkin
from services.volunteering.projects import get_project_by_code

logger = logging.getLogger(__name__)


def register_url(ctx: Context) -> str:
    return ctx.url("/m/register?bind=" + wechat_users.bind_token(ctx.openid))


def unbound_reply(ctx: Context, then: str = "") -> str:
    return texts.need_binding(wechat_users.bind_url(ctx.openid), register_url(ctx), then)


def join_by_code(ctx: Context, code: str) -> str:
    try:
        # The member bound to the openid, the team and the checks in one statement (报到 day's hot path).
        result = joining.join_team_by_code(ctx.session, code, openid=ctx.openid, source="scan")
        if result is None and ctx.member_id is not None:  # just bound by unionid
            result = joining.join_team_by_code(ctx.session, code, member_id=ctx.member_id, source="scan")
        if result is None:
            team = teams.get_team_by_code(ctx.session, code)
            wechat_users.set_pending_team(ctx.session, ctx.openid, team.id)
            return unbound_reply(ctx, f"绑定或注册后将自动加入「{team.name}」。")
    except DomainError as err:
        return err.message
    team = result.team
    return texts.joined(team.name, team.contact_name, team.contact_phone, result.created, ctx.url("/m/skills"))


def checkin_reply(result: checkin.CheckinResult) -> str:
    text = result.message
    if result.decision is not None:
        text += f"\n{result.decision.message}"
    return text


def checkin_with(ctx: Context, project_id: int, location: checkin.Location, intent: str | None) -> str:
    """Sign in or out as asked ("signin"/"signout"), or toggle when the scan or message did not say."""
    try:
        if intent == "signin":
            result = checkin.sign_in(ctx.session, ctx.member_id, project_id, location, now=ctx.now, key=ctx.key,
                                     source="wechat")
        elif intent == "signout":
            result = checkin.sign_out(ctx.session, ctx.member_id, project_id, location, now=ctx.now, key=ctx.key,
                                      source="wechat")
        else:
            result = checkin.toggle(ctx.session, ctx.member_id, project_id, location, now=ctx.now, key=ctx.key,
                                    source="wechat")
    except DomainError as err:
        return err.message
    return checkin_reply(result)


def recent_location(ctx: Context) -> checkin.Location | None:
    reported = wechat_users.last_location(ctx.openid, now=ctx.now.timestamp())
    if reported is None:
        return None
    return checkin.Location(reported.lat, reported.lng, reported.coord_system, reported.accuracy_m)


def project_scene(ctx: Context, code: str) -> str:
    if ctx.member_id is None:
        return unbound_reply(ctx, "绑定后再扫码签到。")
    try:
        project = get_project_by_code(ctx.session, code)
    except DomainError as err:
        return err.message
    location = recent_location(ctx)
    if location is None:
        wechat_users.remember_intent(ctx.openid, f"project:{project.code}")
        return texts.ASK_LOCATION
    return checkin_with(ctx, project.id, location, None)


def scene(ctx: Context, value: str) -> str:
    kind, _, code = (value or "").partition(":")
    if kind == "team" and code:
        return join_by_code(ctx, code)
    if kind == "project" and code:
        return project_scene(ctx, code)
    return texts.BAD_SCENE
