"""GET/POST /wechat: the official account's callback."""
from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request

from handlers import Context, dispatch
from models import utcnow
from runtime.extensions import db
from runtime.metrics import CALLBACK_MESSAGES
from wechat import callback, dedup

logger = logging.getLogger(__name__)

bp = Blueprint("wechat", __name__)


def _xml_error(status: int, reason: str) -> Response:
    body = f"<xml><error><![CDATA[{reason}]]></error></xml>"
    return Response(body, status=status, mimetype="application/xml")


def _settings() -> dict:
    config = current_app.config
    return {"token": config["WECHAT_TOKEN"], "appid": config["WECHAT_APP_ID"],
            "aes_key": config["WECHAT_ENCODING_AES_KEY"]}


def _decode_settings() -> dict:
    return {**_settings(), "mode": current_app.config["WECHAT_MESSAGE_MODE"]}


@bp.get("/wechat")
def verify():
    try:
        callback.verify_url(current_app.config["WECHAT_TOKEN"], request.args.get("signature", ""),
                            request.args.get("timestamp", ""), request.args.get("nonce", ""))
    except callback.CallbackError as err:
        logger.warning("wechat url verification refused: %s", err.reason)
        return _xml_error(err.status, err.reason)
    return Response(request.args.get("echostr", ""), mimetype="text/plain")


@bp.post("/wechat")
def receive():
    length = request.content_length
    if length is not None and length > callback.MAX_BODY:
        return _xml_error(413, "body too large")
    body = request.get_data(cache=True)  # cached: a run again after a database reconnect reads it too
    settings = _settings()
    try:
        inbound = callback.decode(body, request.args.to_dict(), **_decode_settings())
    except callback.CallbackError as err:
        logger.warning("wechat callback refused (%s): %s", err.status, err.reason)
        CALLBACK_MESSAGES.labels("unknown", "refused").inc()
        return _xml_error(err.status, err.reason)
    if not dedup.same_body_as_before(request.args, body):
        logger.warning("wechat callback refused (403): signature replayed with another body")
        CALLBACK_MESSAGES.labels("unknown", "refused").inc()
        return _xml_error(403, "signature already used for another message")
    key = callback.message_key(inbound.raw)
    ctx = Context(inbound=inbound, key=key, session=db.session, now=utcnow())
    reply = dedup.handle_once(key, lambda: dispatch(ctx))
    raw = inbound.raw
    kind = str(raw.get("MsgType") or "")[:20] + (":" + str(raw.get("Event") or "").lower()[:40] if raw.get("Event") else "")
    CALLBACK_MESSAGES.labels(kind, "replied" if reply else "silent").inc()
    xml = callback.render_reply(inbound, reply, nonce=request.args.get("nonce", ""),
                                timestamp=request.args.get("timestamp", ""), **settings)
    return Response(xml, mimetype="application/xml" if xml != "success" else "text/plain")
