"""Issue 39.6 and 39.7: the callback's memories are keyed on what is verified and on whose it is.

The replay memory took msg_signature too, which plain mode never checks: a captured URL with
``&msg_signature=x0``, ``x1``, … carried any body (forged CLICKs returned members' names and hours). And
the exactly-once key was ``msg:<MsgId>``: another openid's message with the same MsgId got the first
user's cached reply."""
from __future__ import annotations

from services.people import wechat_users
from tests.factories import make_member
from wechat import simulator


def _signed(app, xml):
    config = app.config
    return simulator.sign(xml, token=config["WECHAT_TOKEN"], appid=config["WECHAT_APP_ID"],
                          aes_key=config["WECHAT_ENCODING_AES_KEY"])


def test_a_made_up_msg_signature_does_not_make_a_captured_url_new(app, session, monkeypatch):
    monkeypatch.setitem(app.config, "WECHAT_MESSAGE_MODE", "plain")
    member = make_member(session, name="王小明")
    wechat_users.bind(session, member.id, "o_victim_click")
    signed = _signed(app, simulator.build_xml("text", "o_someone", content="帮助", msg_id=7001))
    client = app.test_client()
    assert client.post("/wechat", query_string=signed.query, data=signed.body).status_code == 200
    forged = simulator.build_xml("CLICK", "o_victim_click", event_key="MY_HOURS").encode()
    for i in range(3):
        replay = client.post("/wechat", query_string={**signed.query, "msg_signature": f"x{i}"}, data=forged)
        assert replay.status_code == 403 and "王小明" not in replay.get_data(as_text=True)


def test_the_same_msgid_from_another_openid_gets_its_own_reply(app, session):
    alice, bob = make_member(session, name="李爱丽"), make_member(session, name="赵博博")
    wechat_users.bind(session, alice.id, "o_alice")
    wechat_users.bind(session, bob.id, "o_bob")
    client = app.test_client()
    replies = []
    for openid in ("o_alice", "o_bob"):
        signed = _signed(app, simulator.build_xml("text", openid, content="时长", msg_id=424242))
        replies.append(client.post("/wechat", query_string=signed.query, data=signed.body).get_data(as_text=True))
    assert "李爱丽" in replies[0] and "赵博博" in replies[1] and "李爱丽" not in replies[1]
