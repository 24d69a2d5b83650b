"""Builds, signs and (optionally) AES-encrypts messages exactly as WeChat does, for the CLI
simulator, tests and benchmarks."""
from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from wechatpy.crypto import WeChatCrypto


def _cdata(value: str) -> str:
    return f"<![CDATA[{value}]]>"


def build_xml(kind: str, openid: str, *, to: str = "gh_qingchunbeijing", created: int | None = None,
              msg_id: int | None = None, **fields) -> str:
    """kind: subscribe, unsubscribe, scan, location_event, click, view, text, location, or any event name."""
    created = created or int(time.time())
    parts = [f"<ToUserName>{_cdata(to)}</ToUserName>", f"<FromUserName>{_cdata(openid)}</FromUserName>",
             f"<CreateTime>{created}</CreateTime>"]
    if kind == "text":
        parts += [f"<MsgType>{_cdata('text')}</MsgType>", f"<Content>{_cdata(fields['content'])}</Content>"]
    elif kind == "location":
        parts += [f"<MsgType>{_cdata('location')}</MsgType>", f"<Location_X>{fields['lat']}</Location_X>",
                  f"<Location_Y>{fields['lng']}</Location_Y>", "<Scale>15</Scale>",
                  f"<Label>{_cdata(fields.get('label', ''))}</Label>"]
    else:
        event = {"location_event": "LOCATION", "scan": "SCAN", "click": "CLICK", "view": "VIEW"}.get(kind, kind)
        if kind in SUBSCRIPTION_CONTAINERS:
            event = kind + "_event"
        parts += [f"<MsgType>{_cdata('event')}</MsgType>", f"<Event>{_cdata(event)}</Event>"]
        if kind in SUBSCRIPTION_CONTAINERS:  # <SubscribeMsg…Event><List>…</List>…</SubscribeMsg…Event>
            lists = "".join("<List>" + "".join(f"<{k}>{_cdata(str(v))}</{k}>" for k, v in item.items()) + "</List>"
                            for item in fields.get("items", []))
            container = SUBSCRIPTION_CONTAINERS[kind]
            parts.append(f"<{container}>{lists}</{container}>")
        if "key" in fields:
            parts.append(f"<EventKey>{_cdata(fields['key'])}</EventKey>")
        if kind == "location_event":
            parts += [f"<Latitude>{fields['lat']}</Latitude>", f"<Longitude>{fields['lng']}</Longitude>",
                      f"<Precision>{fields.get('precision', 30)}</Precision>"]
    # Other WeChat fields pass through by their own (capitalised) names, e.g. MsgID=…, Status=….
    parts += [f"<{name}>{_cdata(str(value))}</{name}>" for name, value in fields.items() if name[:1].isupper()]
    if kind in ("text", "location"):
        parts.append(f"<MsgId>{msg_id or secrets.randbelow(10**18)}</MsgId>")
    return "<xml>" + "".join(parts) + "</xml>"


@dataclass
class SignedRequest:
    query: dict
    body: bytes


def sign(xml: str, *, token: str, appid: str, aes_key: str | None = None, encrypt: bool = False,
         timestamp: str | None = None, nonce: str | None = None) -> SignedRequest:
    timestamp = timestamp or str(int(time.time()))
    nonce = nonce or str(secrets.randbelow(10**9))
    signature = hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()
    query = {"signature": signature, "timestamp": timestamp, "nonce": nonce, "openid": "sim"}
    if not encrypt:
        return SignedRequest(query, xml.encode())
    envelope = WeChatCrypto(token, aes_key, appid).encrypt_message(xml, nonce, timestamp)
    import xmltodict

    parsed = xmltodict.parse(envelope)["xml"]
    body = f"<xml><ToUserName>{_cdata('gh_qingchunbeijing')}</ToUserName><Encrypt>{_cdata(parsed['Encrypt'])}</Encrypt></xml>"
    query.update(encrypt_type="aes", msg_signature=parsed["MsgSignature"])
    return SignedRequest(query, body.encode())


def decrypt_reply(text: str, *, token: str, appid: str, aes_key: str | None, query: dict) -> str:
    if "<Encrypt>" not in text:
        return text
    import xmltodict

    parsed = xmltodict.parse(text)["xml"]
    return WeChatCrypto(token, aes_key, appid).decrypt_message(
        text, parsed["MsgSignature"], parsed["TimeStamp"], parsed["Nonce"])


SUBSCRIPTION_CONTAINERS = {"subscribe_msg_popup": "SubscribeMsgPopupEvent",
                           "subscribe_msg_change": "SubscribeMsgChangeEvent",
                           "subscribe_msg_sent": "SubscribeMsgSentEvent"}
KINDS = ("subscribe", "scan", "location", "location_event", "click", "text", "unsubscribe", *SUBSCRIPTION_CONTAINERS)


def subscription_items(kind: str, template: str, status: str | None = None, msgid: str | None = None) -> list[dict]:
    """The one <List> item WeChat sends for a member's answer (popup, change) or a sent notice."""
    if kind == "subscribe_msg_sent":
        failed = status not in (None, "success")
        return [{"TemplateId": template, "MsgID": msgid or "0", "ErrorCode": 43101 if failed else 0,
                 "ErrorStatus": status or "success"}]
    item = {"TemplateId": template, "SubscribeStatusString": status or "accept"}
    return [{**item, "PopupScene": 2} if kind == "subscribe_msg_popup" else item]


@dataclass
class Exchange:
    request_xml: str
    status: int
    reply: str  # decrypted when the reply was encrypted


def simulate(config, kind: str, openid: str, send, *, key: str | None = None, content: str | None = None,
             lat: float | None = None, lng: float | None = None, aes: bool = False, template: str | None = None,
             status: str | None = None, msgid: str | None = None) -> Exchange:
    """One message as WeChat would send it. ``send(query, body) -> (status, text)`` is the transport:
    HTTP to a running server for the CLI, the app itself for the console's page."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    if aes and not config["WECHAT_ENCODING_AES_KEY"]:
        raise ValueError("安全模式需要配置 WECHAT_ENCODING_AES_KEY")
    fields: dict = {}
    if key:
        fields["key"] = ("qrscene_" + key) if kind == "subscribe" and not key.startswith("qrscene_") else key
    if content is not None:
        fields["content"] = content
    if lat is not None and lng is not None:
        fields.update(lat=lat, lng=lng)
    if kind in SUBSCRIPTION_CONTAINERS:
        fields["items"] = subscription_items(kind, template or config["PUSH_SUBSCRIBE_TEMPLATE_ID"] or "", status, msgid)
    xml = build_xml(kind, openid, **fields)
    signed = sign(xml, token=config["WECHAT_TOKEN"], appid=config["WECHAT_APP_ID"],
                  aes_key=config["WECHAT_ENCODING_AES_KEY"], encrypt=aes)
    status, text = send(signed.query, signed.body)
    if status == 200:
        text = decrypt_reply(text, token=config["WECHAT_TOKEN"], appid=config["WECHAT_APP_ID"],
                             aes_key=config["WECHAT_ENCODING_AES_KEY"], query=signed.query)
    return Exchange(xml, status, text)
