"""Subscription notifications (订阅通知): who accepted which template, from WeChat's events.

subscribe_msg_popup_event (the member answered the popup or the wx-open-subscribe button) and
subscribe_msg_change_event (changed it in the settings) each carry one or more (TemplateId,
SubscribeStatusString) items; the latest answer per member and template is kept. The push sends a
subscription notice only to members who accepted; the others are reported as "not subscribed"
without asking WeChat. subscribe_msg_sent_event settles a sent notice like TEMPLATESENDJOBFINISH.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Subscription, utcnow
from services.kernel.uow import unit_of_work

STATUSES = ("accept", "reject", "ban")
NOT_SUBSCRIBED = 43101  # WeChat's errcode for "user refuse to accept the msg"
NOT_SUBSCRIBED_TEXT = "未订阅该通知（未在订阅弹窗中选择接收）"


def items(raw: dict, container: str) -> list[dict]:
    """The <List> items of an event's container, one or many (xmltodict gives a dict or a list)."""
    found = (raw.get(container) or {}).get("List") or []
    return [found] if isinstance(found, dict) else [item for item in found if isinstance(item, dict)]


def record(session: Session, openid: str, answers: list[dict]) -> int:
    """Store each (TemplateId, SubscribeStatusString); the number stored."""
    stored = 0
    with unit_of_work(session):
        for answer in answers:
            template_id, status = str(answer.get("TemplateId") or ""), str(answer.get("SubscribeStatusString") or "")
            if not template_id or status not in STATUSES:
                continue
            row = session.get(Subscription, (openid, template_id))
            if row is None:
                session.add(Subscription(openid=openid, template_id=template_id, status=status, updated_at=utcnow()))
            else:
                row.status, row.updated_at = status, utcnow()
            stored += 1
    return stored


def accepted(template_id: str) -> sa.Select:
    """Openids that accepted ``template_id``."""
    return sa.select(Subscription.openid).where(Subscription.template_id == template_id,
                                               Subscription.status == "accept")
