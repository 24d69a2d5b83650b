"""One push message: sent with retries, and what WeChat's answer means for the delivery row (sent;
failed, with the reason in the coordinator's words; unknown when it may have arrived, never resent;
or a stop for the whole run: the day's quota, a refused token).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import requests
from flask import current_app
from wechatpy.exceptions import WeChatClientException

from models import DeliveryStatus, utcnow
from services.push import channels, subscriptions

TOKEN_ERRORS = (40001, 40014, 42001)

#: Why a message did not go, in the coordinator's words.
REASONS = {
    43004: "对方未关注公众号（或已取消关注）",
    43101: subscriptions.NOT_SUBSCRIBED_TEXT,
    40003: "openid 无效",
    40037: "模板 ID 无效",
    47003: "模板参数不合规",
    45009: "今日模板消息额度已用完",
    -1: "微信系统繁忙，多次重试未成功",
}
NETWORK_ERROR = "网络错误，多次重试未成功"
TIMEOUT_UNKNOWN = "微信未在时限内答复，可能已送达；为免重复不自动重发"
INTERRUPTED_UNKNOWN = "推送任务中断于发送途中，可能已送达；为免重复不自动重发"
HTTP_ERROR_UNKNOWN = "微信接口返回服务器错误，可能已送达；为免重复不自动重发"


@dataclass
class Outcome:
    status: DeliveryStatus
    msgid: str | None = None
    errcode: int | None = None
    errmsg: str | None = None
    stop: str | None = None  # "quota" or "token": the run cannot go on now


def _never_reached(exc: requests.RequestException) -> bool:
    """True when the request certainly did not reach WeChat (so resending cannot duplicate)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.ConnectionError):
        import urllib3

        reason = getattr(exc.args[0], "reason", None) if exc.args else None
        return isinstance(reason, urllib3.exceptions.NewConnectionError)
    return False


def send_one(client, openid: str, message: dict, *, touch, channel: channels.Channel | None = None) -> Outcome:
    """One message with retries; ``touch()`` renews the claim before each try."""
    channel = channel or channels.current()
    config = current_app.config
    attempts, delay = config["PUSH_MAX_ATTEMPTS"], config["PUSH_RETRY_BACKOFF"]
    last = Outcome(DeliveryStatus.failed)
    for attempt in range(attempts):
        if attempt:
            time.sleep(delay * 2 ** (attempt - 1))
            touch()
        try:
            result = channels.send(client, channel, openid, message)
            return Outcome(DeliveryStatus.sent, msgid=str(result.get("msgid")) if result.get("msgid") else None)
        except WeChatClientException as exc:
            code = exc.errcode
            if code == 45009:
                return Outcome(DeliveryStatus.pending, stop="quota", errcode=code)
            if code in TOKEN_ERRORS:  # the client refreshed once and was refused again
                return Outcome(DeliveryStatus.pending, stop="token", errcode=code)
            if code == -1:  # "system busy": WeChat says it did not take the message; try again
                last = Outcome(DeliveryStatus.failed, errcode=-1, errmsg=REASONS[-1])
                continue
            if code is None:  # an HTTP error status (5xx): it may have been taken before the error
                return Outcome(DeliveryStatus.unknown, errmsg=HTTP_ERROR_UNKNOWN)
            return Outcome(DeliveryStatus.failed, errcode=code,
                           errmsg=REASONS.get(code, f"{code} {exc.errmsg or ''}".strip())[:200])
        except requests.RequestException as exc:
            if not _never_reached(exc):
                return Outcome(DeliveryStatus.unknown, errmsg=TIMEOUT_UNKNOWN)
            last = Outcome(DeliveryStatus.failed, errmsg=NETWORK_ERROR)
    return last


def apply_final_word(row, status: str) -> None:
    """WeChat's final word on a message (TEMPLATESENDJOBFINISH's Status, subscribe_msg_sent_event's
    ErrorStatus: "success", "failed:user block", "failed: system failed") written on its row, a push
    delivery or a reminder (each with its own status enum, the same values)."""
    states = type(row.status)
    row.status = states("delivered" if status == "success" else "blocked" if "block" in status else "failed")
    row.errmsg = None if status == "success" else status[:200]
    row.updated_at = utcnow()
