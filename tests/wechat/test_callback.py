"""The callback's protocol: signatures, modes, sizes, bad bodies, WeChat's official safe-mode sample."""
import hashlib

import sqlalchemy as sa
from wechatpy.crypto import WeChatCrypto

from models import WechatFollower
from tests.wechat.helpers import post, post_xml
from wechat import simulator


def _sig(token, timestamp="1409304348", nonce="xxxxxx"):
    return hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()


def test_url_verification(app, session, monkeypatch):
    from wechat import callback

    monkeypatch.setattr(callback, "clock", lambda: 1409304348 + 12)
    client = app.test_client()
    ok = client.get("/wechat", query_string={"signature": _sig(app.config["WECHAT_TOKEN"]), "timestamp": "1409304348",
                                             "nonce": "xxxxxx", "echostr": "4325235"})
    assert ok.status_code == 200 and ok.get_data(as_text=True) == "4325235"
    bad = client.get("/wechat", query_string={"signature": "0" * 40, "timestamp": "1", "nonce": "2", "echostr": "x"})
    assert bad.status_code == 403 and "bad signature" in bad.get_data(as_text=True)


def test_bad_signature_is_403_with_no_effect(app, session):
    xml = simulator.build_xml("subscribe", "o_forged")
    response = app.test_client().post("/wechat", query_string={"signature": "f" * 40, "timestamp": "1", "nonce": "2"},
                                      data=xml)
    assert response.status_code == 403
    assert session.scalar(sa.select(sa.func.count()).select_from(WechatFollower)) == 0


def test_oversized_malformed_and_dtd_bodies(app, session):
    big = "<xml>" + "a" * (64 * 1024) + "</xml>"
    assert post_xml(app, big)[0] == 413
    assert post_xml(app, "<xml><MsgType>text</MsgType")[0] == 400
    assert post_xml(app, "<xml><Foo>1</Foo></xml>")[0] == 400
    bomb = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
            "<xml><ToUserName>a</ToUserName><FromUserName>o_x</FromUserName><CreateTime>1</CreateTime>"
            "<MsgType>text</MsgType><Content>&lol2;</Content><MsgId>1</MsgId></xml>")
    status, body = post_xml(app, bomb)
    assert status == 400 and "dtd" in body
    assert post_xml(app, "")[0] == 400


def test_encrypted_message_for_another_app_is_400(app, session, monkeypatch):
    xml = simulator.build_xml("text", "o_other", content="帮助")
    signed = simulator.sign(xml, token=app.config["WECHAT_TOKEN"], appid="wx_some_other_app",
                            aes_key=app.config["WECHAT_ENCODING_AES_KEY"], encrypt=True)
    response = app.test_client().post("/wechat", query_string=signed.query, data=signed.body)
    assert response.status_code == 400 and "another app id" in response.get_data(as_text=True)
    signed.query["msg_signature"] = "0" * 40
    assert app.test_client().post("/wechat", query_string=signed.query, data=signed.body).status_code == 403


def test_wechats_official_safe_mode_sample(app, session, monkeypatch):
    """The decryption vector of WeChat's own Python sample (Sample.py), answered encrypted."""
    from wechat import callback

    token, appid, key = "spamtest", "wx2c2769f8efd9abc2", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
    monkeypatch.setattr(callback, "clock", lambda: 1409735669 - 30)  # the sample's own day
    monkeypatch.setitem(app.config, "WECHAT_TOKEN", token)
    monkeypatch.setitem(app.config, "WECHAT_APP_ID", appid)
    monkeypatch.setitem(app.config, "WECHAT_ENCODING_AES_KEY", key)
    body = ("<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]>"
            "</FromUserName><CreateTime>1409735668</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[abcdteT]]>"
            "</Content><MsgId>6054768590064713728</MsgId><Encrypt><![CDATA[hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655Hu"
            "D0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZk"
            "yyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZb"
            "Gpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9e"
            "hVsNPfUM669WuMyVWQLCzpu9GhglF2PE=]]></Encrypt></xml>")
    query = {"signature": _sig(token, "1409735669", "1320562132"), "timestamp": "1409735669", "nonce": "1320562132",
             "encrypt_type": "aes", "msg_signature": "5d197aaffba7e9b25a30732f161a50dee96bd5fa"}
    response = app.test_client().post("/wechat", query_string=query, data=body)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "<Encrypt>" in text and "abcdteT" not in text  # encrypted answer to an encrypted question
    import xmltodict

    envelope = xmltodict.parse(text)["xml"]
    plain = WeChatCrypto(token, key, appid).decrypt_message(text, envelope["MsgSignature"], envelope["TimeStamp"],
                                                            envelope["Nonce"])
    assert "oyORnuP8q7ou2gfYjqLzSIWZf0rs" in plain and "使用帮助" in plain


def test_plaintext_answer_to_plaintext_and_encrypted_to_encrypted(app, session):
    status, text = post(app, "text", "o_modes", content="帮助")
    assert status == 200 and "<Content><![CDATA[青春志愿 使用帮助" in text
    status, text = post(app, "text", "o_modes", content="帮助", encrypt=True)
    assert status == 200 and "使用帮助" in text and "<ToUserName><![CDATA[o_modes]]>" in text


def test_unknown_kinds_never_500(app, session):
    status, text = post(app, "subscribe_msg_popup_event", "o_unknown")
    assert (status, text) == (200, "success")
    xml = simulator.build_xml("text", "o_unknown", content="x").replace(
        "<MsgType><![CDATA[text]]></MsgType>", "<MsgType><![CDATA[image]]></MsgType>")
    status, text = post_xml(app, xml)
    assert status == 200 and "使用帮助" in text


def test_decode_gives_the_fields_and_wechatpys_typed_message_on_demand():
    from wechatpy.events import ScanEvent

    from wechat import callback

    xml = simulator.build_xml("scan", "o_typed", key="team:ABC", created=1_800_000_000)
    signed = simulator.sign(xml, token="tok", appid="wx_a")
    inbound = callback.decode(signed.body, signed.query, token="tok", appid="wx_a", aes_key=None)
    assert inbound.raw["EventKey"] == "team:ABC" and inbound.raw["FromUserName"] == "o_typed"
    assert isinstance(inbound.message, ScanEvent) and inbound.message.scene_id == "team:ABC"
    reply = callback.render_reply(inbound, "a]]>b", token="tok", appid="wx_a", aes_key=None, nonce="n",
                                  timestamp="1800000001")
    import xmltodict

    parsed = xmltodict.parse(reply)["xml"]
    assert parsed["Content"] == "a]]>b" and parsed["ToUserName"] == "o_typed"
    assert parsed["CreateTime"] == "1800000001" and parsed["MsgType"] == "text"
