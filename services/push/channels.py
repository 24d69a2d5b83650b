"""The two ways a project reaches members through the official account: template messages
(``/cgi-bin/message/template/send``) and subscription notifications (订阅通知,
``/cgi-bin/message/subscribe/bizsend``), chosen by ``PUSH_CHANNEL``. The push run, its deliveries,
exactly-once rules, rate limit and recovery are the same for both; what differs is here: the message,
WeChat's per-type limits on a subscription notice's fields (checked before anything is sent), who can
be reached, and the call.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app

from services.kernel.errors import Invalid

TEMPLATE, SUBSCRIBE = "template", "subscribe"
CHANNEL_LABELS = {TEMPLATE: "模板消息", SUBSCRIBE: "订阅通知"}

# WeChat's rules for subscription-notice values, by the keyword's type (the name without its number).
_TIME = re.compile(r"^(\d{4}年\d{1,2}月\d{1,2}日 )?\d{1,2}:\d{2}$|^\d{4}年\d{1,2}月\d{1,2}日$")
_DATE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日( \d{1,2}:\d{2})?$")
LIMITS = {"thing": 20, "number": 32, "letter": 32, "symbol": 5, "character_string": 32, "phone_number": 17,
          "car_number": 8, "name": 10, "phrase": 5, "amount": 11}
RULES = {"thing": "20个字以内", "number": "32位以内数字", "letter": "32位以内字母", "symbol": "5位以内符号",
         "character_string": "32位以内字母、数字或符号", "phone_number": "17位以内数字或符号", "car_number": "8位以内车牌号",
         "name": "10个字以内姓名", "phrase": "5个汉字以内", "amount": "金额（如 10元）",
         "time": "时间（如 2026年11月28日 09:00 或 09:00）", "date": "日期（如 2026年11月28日）"}
_PATTERNS = {"number": re.compile(r"^[\d.]+$"), "letter": re.compile(r"^[A-Za-z]+$"),
             "phrase": re.compile(r"^[\u4e00-\u9fff]+$"), "phone_number": re.compile(r"^[\d+\-() ]+$"),
             "amount": re.compile(r"^[¥￥]?[\d.]+元?$"), "time": _TIME, "date": _DATE}
CUT = {"thing", "name", "character_string"}  # free text: shortened with "…", never refused


def keyword_type(keyword: str) -> str:
    return re.sub(r"\d+$", "", keyword)


def fit_subscribe_value(keyword: str, value: str) -> str:
    """A value as WeChat accepts it for this keyword's type, or Invalid saying which rule it breaks."""
    kind = keyword_type(keyword)
    if kind not in RULES:
        raise Invalid("push_field", f"订阅通知字段 {keyword} 的类型 {kind} 不受支持")
    limit = LIMITS.get(kind)
    if kind in CUT and limit and len(value) > limit:
        return value[:limit - 1] + "…"
    pattern = _PATTERNS.get(kind)
    if (limit and len(value) > limit) or (pattern is not None and not pattern.match(value)):
        raise Invalid("push_field", f"订阅通知字段 {keyword} 须为{RULES[kind]}，「{value}」不符合，请调整 PUSH_TEMPLATE_FIELDS")
    return value


@dataclass(frozen=True)
class Channel:
    name: str
    template_id: str | None

    @property
    def label(self) -> str:
        return CHANNEL_LABELS[self.name]


def current() -> Channel:
    config = current_app.config
    name = config["PUSH_CHANNEL"]
    return Channel(name, config["PUSH_SUBSCRIBE_TEMPLATE_ID"] if name == SUBSCRIBE else config.get("PUSH_TEMPLATE_ID"))


def build(channel: Channel, values: dict[str, str], link: str, mini_program: dict | None) -> dict:
    """The message for the channel (without the recipient); for a subscription notice every value is
    checked against its type's rule here, before a run starts."""
    if channel.name == TEMPLATE:
        return {"template_id": channel.template_id, "data": {k: {"value": v} for k, v in values.items()},
                "url": link, "mini_program": mini_program}
    return {"template_id": channel.template_id, "page": link, "miniprogram": mini_program,
            "data": {k: {"value": fit_subscribe_value(k, v)} for k, v in values.items()}}


def send(client, channel: Channel, openid: str, message: dict) -> dict:
    """One call to WeChat; its answer (raises WeChatClientException on an errcode, as wechatpy does)."""
    if channel.name == TEMPLATE:
        return client.message.send_template(openid, message["template_id"], message["data"],
                                            url=message.get("url"), mini_program=message.get("mini_program"))
    body = {"touser": openid, "template_id": message["template_id"], "page": message["page"], "data": message["data"]}
    if message.get("miniprogram"):
        body["miniprogram"] = message["miniprogram"]
    return client.post("message/subscribe/bizsend", data=body)
