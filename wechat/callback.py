"""Verifying, decrypting and answering WeChat's callback requests (pure helpers; views.py wires them).

Safe mode and compatible mode carry ``encrypt_type=aes`` and ``msg_signature``; the answer is
encrypted when the question was. Uses wechatpy for signatures, AES and replies.
"""
from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from functools import cached_property

from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

logger = logging.getLogger(__name__)

MAX_BODY = 64 * 1024
#: WeChat signs with its own clock; a request older or newer than this is a replay or a forgery.
MAX_CLOCK_SKEW = 300
#: The server's clock (seconds since the epoch); tests replaying WeChat's dated samples set it back.
clock = time.time
_DANGEROUS = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


class CallbackError(Exception):
    """status + a short reason for the log and the XML error body."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


@dataclass(frozen=True)
class Inbound:
    raw: dict           # every field WeChat sent (also for kinds wechatpy 1.8 lacks); what handlers read
    xml: bytes
    encrypted: bool

    @cached_property
    def message(self):
        """The typed wechatpy message or event (UnknownMessage for kinds it does not know), parsed on
        first use only: handlers read ``raw``, and a second parse per message is measurable under load."""
        return parse_message(self.xml)


def check_fresh(timestamp: str, now: float | None = None) -> None:
    """The plaintext signature covers token, timestamp and nonce but not the body, so a captured URL
    stays valid for any body: only a recent timestamp (and the replay memory in dedup) limit its use."""
    try:
        sent = int(timestamp)
    except ValueError as exc:
        raise CallbackError(403, "bad timestamp") from exc
    if abs((clock() if now is None else now) - sent) > MAX_CLOCK_SKEW:
        raise CallbackError(403, "timestamp outside the allowed window")


def verify_url(token: str, signature: str, timestamp: str, nonce: str, now: float | None = None) -> None:
    try:
        check_signature(token, signature, timestamp, nonce)
    except InvalidSignatureException as exc:
        raise CallbackError(403, "bad signature") from exc
    check_fresh(timestamp, now)


def _check_xml(body: bytes) -> None:
    if not body.strip():
        raise CallbackError(400, "empty body")
    if _DANGEROUS.search(body):
        # DTDs and entities have no place in WeChat's XML; refusing them closes XXE and billion laughs.
        raise CallbackError(400, "xml with dtd or entities")


def decode(body: bytes, args: dict, *, token: str, appid: str, aes_key: str | None, mode: str = "compatible",
           now: float | None = None) -> Inbound:
    """Check freshness and signature(s), decrypt if asked, parse. Raises CallbackError with 400/403/413.

    In safe mode only encrypted messages are taken: their msg_signature covers the body, so a captured
    URL cannot carry another message."""
    if len(body) > MAX_BODY:
        raise CallbackError(413, "body too large")
    verify_url(token, args.get("signature", ""), args.get("timestamp", ""), args.get("nonce", ""), now)
    _check_xml(body)
    encrypted = args.get("encrypt_type", "raw").lower() == "aes"
    if mode == "safe" and not encrypted:
        raise CallbackError(403, "plaintext message refused in safe mode")
    xml = body
    if encrypted:
        if not aes_key:
            raise CallbackError(400, "encrypted message but no EncodingAESKey configured")
        crypto = WeChatCrypto(token, aes_key, appid)
        try:
            xml = crypto.decrypt_message(body, args.get("msg_signature", ""), args.get("timestamp", ""),
                                         args.get("nonce", ""))
        except InvalidSignatureException as exc:
            raise CallbackError(403, "bad msg_signature") from exc
        except InvalidAppIdException as exc:
            raise CallbackError(400, "message for another app id") from exc
        except Exception as exc:  # noqa: BLE001 - malformed cipher text or envelope
            raise CallbackError(400, f"cannot decrypt: {type(exc).__name__}") from exc
        xml = xml.encode() if isinstance(xml, str) else xml
        _check_xml(xml)
    try:
        import xmltodict

        raw = xmltodict.parse(xml, disable_entities=True)["xml"]
        if not isinstance(raw, dict) or "MsgType" not in raw or "FromUserName" not in raw:
            raise ValueError("not a WeChat message")
    except Exception as exc:  # noqa: BLE001 - any parse failure is the sender's fault
        raise CallbackError(400, f"malformed xml: {type(exc).__name__}") from exc
    return Inbound(raw=raw, xml=xml, encrypted=encrypted)


def render_reply(inbound: Inbound, text: str | None, *, token: str, appid: str, aes_key: str | None,
                 nonce: str, timestamp: str) -> str:
    """The XML answer in the mode of the question; "success" when there is nothing to say."""
    if not text:
        return "success"
    raw = inbound.raw
    xml = TextReply(source=raw.get("ToUserName", ""), target=raw["FromUserName"],
                    time=int(timestamp) if timestamp.isdigit() else int(time.time()),
                    content=text.replace("]]>", "]]]]><![CDATA[>")).render()
    if not inbound.encrypted:
        return xml
    return WeChatCrypto(token, aes_key, appid).encrypt_message(xml, nonce, timestamp)


def message_key(raw: dict) -> str:
    """FromUserName+MsgId for messages; FromUserName+CreateTime+Event+EventKey for events (WeChat's own
    advice: 关于重试的消息排重). A MsgId alone is not the sender's: another openid's message with the same
    MsgId would be answered with the first user's reply (their name, branch and hours)."""
    if raw.get("MsgId"):
        return "msg:{}:{}".format(raw.get("FromUserName", ""), raw["MsgId"])
    return "evt:{}:{}:{}:{}".format(raw.get("FromUserName", ""), raw.get("CreateTime", ""),
                                    raw.get("Event", ""), raw.get("EventKey") or "")
