"""The JS-SDK configuration a phone page needs for WeChat's open tags (wx-open-subscribe): signed by
the server with the jsapi_ticket. wechatpy keeps the ticket in the client's session storage, which is
the shared store here (wechat.client.StoreSessionStorage), so every web node uses one ticket and
refreshes it once when it expires, as with the access token."""
from __future__ import annotations

import secrets
import time

from flask import current_app

from wechat.client import get_client


def config_for(url: str) -> dict:
    """wx.config's fields for the page at ``url`` (without its #fragment)."""
    client = get_client()
    ticket = client.jsapi.get_jsapi_ticket()
    nonce, timestamp = secrets.token_hex(8), int(time.time())
    signature = client.jsapi.get_jsapi_signature(nonce, ticket, timestamp, url.split("#")[0])
    return {"appId": current_app.config["WECHAT_APP_ID"], "timestamp": timestamp, "nonceStr": nonce,
            "signature": signature}
