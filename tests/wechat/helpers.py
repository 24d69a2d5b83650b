"""Posting signed (and encrypted) messages to /wechat as WeChat would."""
from __future__ import annotations

import itertools

from wechat import simulator

_created = itertools.count(1_790_000_000)


def post(app, kind: str, openid: str, *, encrypt: bool = False, created: int | None = None, **fields):
    xml = simulator.build_xml(kind, openid, created=created or next(_created), **fields)
    return post_xml(app, xml, encrypt=encrypt)


def post_xml(app, xml: str, *, encrypt: bool = False):
    config = app.config
    signed = simulator.sign(xml, token=config["WECHAT_TOKEN"], appid=config["WECHAT_APP_ID"],
                            aes_key=config["WECHAT_ENCODING_AES_KEY"], encrypt=encrypt)
    response = app.test_client().post("/wechat", query_string=signed.query, data=signed.body)
    text = response.get_data(as_text=True)
    if encrypt and response.status_code == 200 and text != "success":
        text = simulator.decrypt_reply(text, token=config["WECHAT_TOKEN"], appid=config["WECHAT_APP_ID"],
                                       aes_key=config["WECHAT_ENCODING_AES_KEY"], query=signed.query)
    return response.status_code, text
