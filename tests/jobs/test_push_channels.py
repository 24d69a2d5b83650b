"""Subscription notifications (订阅通知, issue 27): WeChat's subscription events recorded per member and
template, the push sending bizsend only to those who accepted and reporting the others as not
subscribed, the fields checked against WeChat's per-type limits before anything is sent, the sent
event settling the delivery, and the sandbox's newtmpl and jsapi_ticket endpoints."""
from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa

from models import DeliveryStatus, Member, PushDelivery, Subscription
from services.kernel.errors import Invalid
from services.push import channels, runs, subscriptions
from services.volunteering import projects
from tests.factories import make_followers, make_project_input, make_tree
from tests.wechat.helpers import post

BIZSEND = "cgi-bin/message/subscribe/bizsend"
TEMPLATE_ID = "sandbox_subscribe_project"


@pytest.fixture
def subscribing(app, session, monkeypatch):
    monkeypatch.setitem(app.config, "PUSH_CHANNEL", "subscribe")
    monkeypatch.setitem(app.config, "REDIS_URL", None)  # the run happens inline
    tree = make_tree(session)
    team = tree.team(session, tree.community)
    return tree, team, [m.openid for m in make_followers(session, team, 4, "o_sub_")]


def _published(session, tree, team, **overrides):
    project = projects.create_project(session, tree.community.id, team.id, make_project_input(**overrides))
    projects.publish_project(session, tree.community.id, project.id)
    return project


def test_events_record_answers_and_the_push_reaches_only_who_accepted(app, session, sandbox, subscribing):
    tree, team, openids = subscribing
    # The popup: two accept, one refuses; later one of the two cancels in the settings.
    for openid, status in ((openids[0], "accept"), (openids[1], "accept"), (openids[2], "reject")):
        assert post(app, "subscribe_msg_popup", openid, items=[
            {"TemplateId": TEMPLATE_ID, "SubscribeStatusString": status, "PopupScene": 2}])[0] == 200
    post(app, "subscribe_msg_change", openids[1], items=[
        {"TemplateId": TEMPLATE_ID, "SubscribeStatusString": "reject"}])
    answers = dict(session.execute(sa.select(Subscription.openid, Subscription.status)).all())
    assert answers == {openids[0]: "accept", openids[1]: "reject", openids[2]: "reject"}

    project = _published(session, tree, team)
    runs.request_push(session, project.id, actor_org_id=tree.community.id)
    assert sandbox.sent_to(BIZSEND) == [openids[0]] and sandbox.sent_to() == []  # no template message at all
    rows = {d.openid: d for d in session.scalars(sa.select(PushDelivery))}
    assert rows[openids[0]].status == DeliveryStatus.sent
    assert {rows[o].errmsg for o in openids[1:]} == {subscriptions.NOT_SUBSCRIBED_TEXT}
    sent_body = [body for path, _, body in sandbox.sent if path == BIZSEND][0]
    assert sent_body["page"].endswith(f"/m/projects/{project.code}") and sent_body["template_id"] == TEMPLATE_ID
    assert set(sent_body["data"]) == set(app.config["PUSH_TEMPLATE_FIELDS"])

    # WeChat's final word, as for template messages.
    post(app, "subscribe_msg_sent", openids[0], items=[
        {"TemplateId": TEMPLATE_ID, "MsgID": rows[openids[0]].msgid, "ErrorCode": 0, "ErrorStatus": "success"}])
    session.expire_all()
    assert session.get(PushDelivery, rows[openids[0]].id).status == DeliveryStatus.delivered

    # One more accepts; asked again, only that one is sent (each member at most once).
    post(app, "subscribe_msg_popup", openids[3], items=[
        {"TemplateId": TEMPLATE_ID, "SubscribeStatusString": "accept"}])
    runs.request_push(session, project.id, actor_org_id=tree.community.id)
    assert Counter(sandbox.sent_to(BIZSEND)) == Counter({openids[0]: 1, openids[3]: 1})


def test_a_field_that_breaks_its_types_rule_is_refused_before_anything_is_sent(app, session, sandbox, subscribing,
                                                                               monkeypatch):
    tree, team, openids = subscribing
    subscriptions.record(session, openids[0], [{"TemplateId": TEMPLATE_ID, "SubscribeStatusString": "accept"}])
    monkeypatch.setitem(app.config, "PUSH_TEMPLATE_FIELDS", {"thing1": "title", "phrase2": "title"})
    project = _published(session, tree, team, title="社区垃圾分类宣传")
    with pytest.raises(Invalid, match="phrase2 须为5个汉字以内"):
        runs.request_push(session, project.id, actor_org_id=tree.community.id)
    monkeypatch.setitem(app.config, "PUSH_TEMPLATE_FIELDS", {"thing1": "title", "time2": "site"})
    with pytest.raises(Invalid, match="time2 须为时间"):
        runs.request_push(session, project.id, actor_org_id=tree.community.id)
    assert sandbox.sent_to(BIZSEND) == [] and session.scalar(sa.select(sa.func.count()).select_from(PushDelivery)) == 0
    # A long title in a thing field is shortened, never refused.
    assert channels.fit_subscribe_value("thing1", "很" * 30) == "很" * 19 + "…"
    assert channels.fit_subscribe_value("time2", "2026年11月28日 09:00") == "2026年11月28日 09:00"


def test_the_sandbox_serves_newtmpl_and_the_jsapi_ticket(app, sandbox):
    from wechat.client import get_client

    with app.app_context():
        client = get_client()
        keywords = client.get("https://api.weixin.qq.com/wxaapi/newtmpl/getpubtemplatekeywords",
                              params={"tid": "10001"})
        assert [k["rule"] for k in keywords["data"]][:2] == ["thing", "time"]
        added = client.post("https://api.weixin.qq.com/wxaapi/newtmpl/addtemplate",
                            data={"tid": "10001", "kidList": [1, 2, 3], "sceneDesc": "项目通知"})
        listed = client.get("https://api.weixin.qq.com/wxaapi/newtmpl/gettemplate")["data"]
        assert added["priTmplId"] in [t["priTmplId"] for t in listed]
        ticket = client.get("ticket/getticket", params={"type": "jsapi"})
        assert ticket["ticket"].startswith("sbx_jsapi_") and ticket["expires_in"] == 7200


def test_the_project_page_offers_the_subscription_signed_for_the_page(app, session, sandbox, subscribing):
    import hashlib
    import re

    from services.people import wechat_users
    from tests.web import mobile_login

    tree, team, openids = subscribing
    member_id = session.scalar(sa.select(Member.id).where(Member.openid == openids[0]))
    session.execute(sa.update(Member).where(Member.id == member_id).values(openid=None))
    session.commit()
    wechat_users.bind(session, member_id, "o_page_sub")
    project = _published(session, tree, team)
    phone = app.test_client()
    mobile_login(phone, "o_page_sub", f"/m/projects/{project.code}")
    outside = phone.get(f"/m/projects/{project.code}").get_data(as_text=True)
    assert "wx-open-subscribe" not in outside  # a browser outside WeChat has no open tags
    inside = phone.get(f"/m/projects/{project.code}", headers={"User-Agent": "Mozilla/5.0 MicroMessenger/8.0.50"})
    html = inside.get_data(as_text=True)
    assert f'<wx-open-subscribe id="subscribe-tag" template="{TEMPLATE_ID}">' in html
    found = dict(re.findall(r'data-(timestamp|nonce|signature)="([^"]+)"', html))
    url = f"http://localhost/m/projects/{project.code}"
    expected = hashlib.sha1(f"jsapi_ticket={sandbox.jsapi_ticket}&noncestr={found['nonce']}"
                            f"&timestamp={found['timestamp']}&url={url}".encode()).hexdigest()
    assert found["signature"] == expected
    assert "https://res.wx.qq.com" in inside.headers["Content-Security-Policy"]


def test_the_console_shows_how_many_each_channel_reaches(app, session, sandbox, subscribing):
    from tests.factories import make_account
    from tests.web import console_login

    tree, team, openids = subscribing
    subscriptions.record(session, openids[0], [{"TemplateId": TEMPLATE_ID, "SubscribeStatusString": "accept"}])
    make_account(session, tree.community, "duofu")
    project = _published(session, tree, team)
    html = console_login(app, "duofu").get(f"/console/projects/{project.id}").get_data(as_text=True)
    assert "推送方式：<strong>订阅通知</strong>" in html
    assert '<strong data-channel="template">4</strong>' in html and '<strong data-channel="subscribe">1</strong>' in html
