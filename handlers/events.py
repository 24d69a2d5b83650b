"""Event handlers: subscribe, SCAN, LOCATION, CLICK, VIEW, unsubscribe, template-send results."""
from __future__ import annotations

import logging

from handlers import common, texts
from handlers.context import Context
from handlers.registry import on_event
from models import Member, Project
from services.organisations import belonging
from services.people import members, wechat_users
from services.push import reminders, runs, subscriptions
from services.volunteering import hours, member_card, projects

logger = logging.getLogger(__name__)


@on_event("subscribe")
def subscribe(ctx: Context) -> str | None:
    wechat_users.follow(ctx.session, ctx.openid, ctx.raw.get("UnionId"))
    key = ctx.raw.get("EventKey") or ""
    if key.startswith("qrscene_"):
        return common.scene(ctx, key[len("qrscene_"):])
    if ctx.member_id is not None:  # followed again: the binding was kept, so greet them by name
        member = members.get_member(ctx.session, ctx.member_id)
        return texts.welcome_back(member.name)
    return texts.welcome(common.register_url(ctx), wechat_users.bind_url(ctx.openid))


@on_event("scan")
def scan(ctx: Context) -> str | None:
    return common.scene(ctx, ctx.raw.get("EventKey") or "")


@on_event("location")
def location_event(ctx: Context) -> None:
    """Stored for five minutes with the configured coordinate system; WeChat allows no reply here."""
    try:
        lat, lng = float(ctx.raw["Latitude"]), float(ctx.raw["Longitude"])
        precision = float(ctx.raw["Precision"]) if ctx.raw.get("Precision") else None
    except (KeyError, TypeError, ValueError):
        logger.info("LOCATION event without usable coordinates")
        return None
    wechat_users.remember_location(ctx.openid, lat, lng, ctx.setting("WECHAT_LOCATION_EVENT_COORD"), precision,
                                   at=ctx.now.timestamp())
    return None


@on_event("unsubscribe")
def unsubscribe(ctx: Context) -> None:
    wechat_users.unfollow(ctx.session, ctx.openid)
    return None


@on_event("view", "view_miniprogram")
def silent(ctx: Context) -> None:
    return None


@on_event("subscribe_msg_popup_event", "subscribe_msg_change_event")
def subscription_answer(ctx: Context) -> None:
    """The member accepted or refused a subscription notice (the popup) or changed it (the settings)."""
    container = "SubscribeMsgPopupEvent" if "SubscribeMsgPopupEvent" in ctx.raw else "SubscribeMsgChangeEvent"
    subscriptions.record(ctx.session, ctx.openid, subscriptions.items(ctx.raw, container))
    return None


@on_event("subscribe_msg_sent_event")
def subscription_sent(ctx: Context) -> None:
    """The final fate of a subscription notice, settled like TEMPLATESENDJOBFINISH."""
    for item in subscriptions.items(ctx.raw, "SubscribeMsgSentEvent"):
        status = str(item.get("ErrorStatus") or "")
        _settle(ctx, str(item.get("MsgID") or ""),
                "success" if status == "success" else f"failed: {status} {item.get('ErrorCode', '')}")
    return None


@on_event("templatesendjobfinish")
def template_finished(ctx: Context) -> None:
    """TEMPLATESENDJOBFINISH: the final fate of a pushed template message."""
    _settle(ctx, str(ctx.raw.get("MsgID") or ctx.raw.get("MsgId") or ""), str(ctx.raw.get("Status") or ""))
    return None


def _settle(ctx: Context, msgid: str, status: str) -> None:
    """A reminder's by its msgid first: the push's fallback by openid would take it for an interrupted push."""
    if reminders.record_result(ctx.session, msgid, status) is None:
        runs.record_template_result(ctx.session, msgid, status, openid=ctx.openid)


def my_team(ctx: Context) -> str:
    """社区服务: every team the member reported to — the community team they scanned and, for a paired
    department's member, the paired street's team — as the phone page shows them (issue 38 row 15)."""
    reported = belonging.reported_teams(ctx.session, ctx.session.get(Member, ctx.member_id))
    summary = hours.summary(ctx.session, ctx.member_id, now=ctx.now)
    if not reported:
        return "你还没有加入社区（村）服务队。请到居住地社区（村）扫描服务队二维码报到。"
    lines = [f"{entry.via_label or '我的服务队'}：{entry.team.name}\n"
             f"联系人：{entry.team.contact_name or '—'}  电话：{entry.team.contact_phone or '—'}" for entry in reported]
    return "\n".join(lines) + f"\n本年度已确认时长：{summary.year_hours:g} 小时"


def my_hours(ctx: Context) -> str:
    """我的时长: the year against the 20 h target, the total, the star and what the next one needs."""
    summary = hours.summary(ctx.session, ctx.member_id, now=ctx.now)
    year = f"{summary.year}年已确认时长：{summary.year_hours:g} 小时（目标 20 小时，"
    year += "已达标）" if summary.year_target_met else f"还差 {texts.minutes_text(20 * 60 - summary.year_minutes)}）"
    star = hours.star_label(summary.star)
    following = f"，下一星级需累计 {summary.next_star_hours} 小时" if summary.next_star_hours else ""
    return f"{year}\n累计 {summary.total_hours:g} 小时，{star}{following}\n明细：{ctx.url('/m/hours')}"


def my_profile(ctx: Context) -> str:
    # By openid first: the bound member, their card and hours in one statement (the 时长 reply is half
    # of what members send on 报到 day); an openid bound only by unionid is bound on the way by member_id.
    found = member_card.card_and_hours(ctx.session, openid=ctx.openid, now=ctx.now)
    if found is None:
        if ctx.member_id is None:
            return common.unbound_reply(ctx)
        found = member_card.card_and_hours(ctx.session, ctx.member_id, now=ctx.now)
    member, summary = found
    star = hours.star_label(summary.star)
    return (f"{member.name}（{member.branch or '尚未加入团支部'}）\n"
            f"注册志愿者：{'是' if member.is_volunteer else '否'}\n"
            f"{summary.year}年已确认时长：{summary.year_hours:g} / 20 小时"
            f"{'（已达标）' if summary.year_target_met else ''}\n"
            f"累计时长：{summary.total_hours:g} 小时  星级：{star}")


def open_projects(ctx: Context) -> str:
    found: list[Project] = projects.open_projects_for(ctx.session, ctx.member_id, now=ctx.now)[:8]
    if not found:
        return texts.NO_PROJECT
    lines = ["可报名的志愿项目："]
    lines += [f"· {p.title} {ctx.url('/m/projects/' + p.code)}" for p in found]
    return "\n".join(lines)


MENU_ACTIONS = {"MY_TEAM": my_team, "MY_PROFILE": my_profile, "MY_HOURS": my_hours,
                "OPEN_PROJECTS": open_projects}


@on_event("click")
def click(ctx: Context) -> str | None:
    key = ctx.raw.get("EventKey") or ""
    if key == "CHECKIN_HELP":
        return texts.ASK_LOCATION
    action = MENU_ACTIONS.get(key)
    if action is None:
        return texts.HELP
    if ctx.member_id is None:
        return common.unbound_reply(ctx)
    return action(ctx)
