"""Pushing project links to members (issue 7 grows this). For now: WeChat's final word on a
template message, the TEMPLATESENDJOBFINISH event, recorded on its delivery row."""
from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import DeliveryStatus, PushDelivery, utcnow
from services.uow import unit_of_work

logger = logging.getLogger(__name__)


def record_template_result(session: Session, msgid: str, status: str) -> PushDelivery | None:
    """``status``: success, "failed:user block" or "failed: system failed" as WeChat sends it."""
    with unit_of_work(session):
        delivery = session.scalar(sa.select(PushDelivery).where(PushDelivery.msgid == msgid))
        if delivery is None:
            logger.info("template result for unknown msgid %s", msgid)
            return None
        delivery.status = (DeliveryStatus.delivered if status == "success" else
                           DeliveryStatus.blocked if "block" in status else DeliveryStatus.failed)
        delivery.errmsg = None if status == "success" else status[:200]
        delivery.updated_at = utcnow()
        return delivery
