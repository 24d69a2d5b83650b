"""Issue 19.1: a captured callback URL must not carry any other message, nor live forever."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from models import WechatFollower
from runtime.config import ConfigError, load_config
from tests.security.production import production_env
from tests.wechat.helpers import post_xml
from wechat import callback, simulator


def _post(app, signed):
    response = app.test_client().post("/wechat", query_string=signed.query, data=signed.body)
    return response.status_code, response.get_data(as_text=True)


def _signed(app, xml, **kwargs):
    config = app.config
    return simulator.sign(xml, token=config["WECHAT_TOKEN"], appid=config["WECHAT_APP_ID"],
                          aes_key=config["WECHAT_ENCODING_AES_KEY"], **kwargs)


def test_a_timestamp_outside_five_minutes_is_refused(app, session, monkeypatch):
    xml = simulator.build_xml("text", "o_old", content="帮助")
    stale = _signed(app, xml, timestamp=str(int(callback.clock()) - 301))
    assert _post(app, stale)[0] == 403
    future = _signed(app, xml, timestamp=str(int(callback.clock()) + 301))
    assert _post(app, future)[0] == 403
    fresh = _signed(app, xml, timestamp=str(int(callback.clock()) - 290))
    assert _post(app, fresh)[0] == 200


def test_the_verification_get_follows_the_same_window(app, session):
    old = _signed(app, "<xml/>", timestamp=str(int(callback.clock()) - 3600)).query
    response = app.test_client().get("/wechat", query_string={**old, "echostr": "e"})
    assert response.status_code == 403 and "timestamp" in response.get_data(as_text=True)
    now = _signed(app, "<xml/>").query
    assert app.test_client().get("/wechat", query_string={**now, "echostr": "e"}).get_data(as_text=True) == "e"


def test_a_replayed_signature_with_another_body_is_refused(app, session):
    first = simulator.build_xml("text", "o_victim", content="帮助", msg_id=91)
    signed = _signed(app, first)
    assert _post(app, signed)[0] == 200
    # WeChat's retry: the same URL and the same body answers from the exactly-once path.
    assert _post(app, signed)[0] == 200
    forged = simulator.build_xml("subscribe", "o_victim")
    replay = app.test_client().post("/wechat", query_string=signed.query, data=forged.encode())
    assert replay.status_code == 403 and "another message" in replay.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(WechatFollower)) == 0


def test_safe_mode_refuses_plaintext(app, session, monkeypatch):
    monkeypatch.setitem(app.config, "WECHAT_MESSAGE_MODE", "safe")
    xml = simulator.build_xml("text", "o_safe", content="帮助")
    status, body = post_xml(app, xml)
    assert status == 403 and "safe mode" in body
    status, body = post_xml(app, xml, encrypt=True)
    assert status == 200 and "使用帮助" in body


def test_message_mode_defaults():

    assert load_config(production_env())["WECHAT_MESSAGE_MODE"] == "safe"
    plain = production_env()
    plain.pop("WECHAT_ENCODING_AES_KEY")
    assert load_config(plain)["WECHAT_MESSAGE_MODE"] == "plain"
    with pytest.raises(ConfigError, match="WECHAT_MESSAGE_MODE"):
        load_config({**plain, "WECHAT_MESSAGE_MODE": "safe"})
