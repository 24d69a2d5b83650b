"""Every event and message kind, end to end through /wechat, on SQLite and PostgreSQL + Redis."""
import datetime as dt
import re
import threading

import pytest
import sqlalchemy as sa

import geo
from models import AuditEntry, Enrolment, Member, RecordStatus, ServiceRecord, TeamMembership, WechatFollower
from runtime.extensions import store
from services.people import wechat_users
from services.volunteering import projects
from tests.driver import DriverStatements
from tests.factories import SITE, join, make_member, make_project_input, make_tree
from tests.wechat.helpers import post


@pytest.fixture
def world(session):
    tree = make_tree(session)
    team = tree.team(session, tree.community)
    team.contact_name, team.contact_phone = "任琳丽", "010-65257713"
    session.commit()
    member = make_member(session)
    wechat_users.bind(session, member.id, "o_member")
    return tree, team, member


def test_subscribe_welcomes_with_links(app, session):
    status, text = post(app, "subscribe", "o_new")
    assert status == 200 and "欢迎关注青春北京" in text and "/m/bind/" in text and "/m/register" in text
    assert session.scalar(sa.select(WechatFollower.subscribed).where(WechatFollower.openid == "o_new"))


def test_team_scan_joins_once_and_says_who_to_call(app, session, world):
    tree, team, member = world
    status, text = post(app, "scan", "o_member", key=f"team:{team.code}")
    assert "报到成功" in text and team.name in text and "任琳丽" in text and "010-65257713" in text
    status, text = post(app, "scan", "o_member", key=f"team:{team.code}")
    assert "无需重复报到" in text
    other = tree.team(session, tree.community2)
    status, text = post(app, "scan", "o_member", key=f"team:{other.code}")
    assert "请先退出" in text
    assert session.scalar(sa.select(sa.func.count()).select_from(TeamMembership)) == 1
    assert "无法识别" in post(app, "scan", "o_member", key="bogus")[1]
    assert "不存在" in post(app, "scan", "o_member", key="team:NOSUCH")[1]


def test_subscribe_from_a_team_qr_waits_for_binding(app, session, world):
    tree, team, member = world
    newcomer = make_member(session)
    status, text = post(app, "subscribe", "o_newcomer", key=f"qrscene_team:{team.code}")
    assert "绑定" in text and team.name in text
    assert session.scalar(sa.select(sa.func.count()).select_from(TeamMembership)) == 0
    result = wechat_users.bind(session, newcomer.id, "o_newcomer")
    assert result.created and result.team.id == team.id


def test_retries_get_the_first_reply_and_change_nothing(app, session, world):
    tree, team, member = world
    def content(reply: tuple[int, str]) -> tuple[int, str]:
        # The reply XML carries its own CreateTime (now); what must repeat is the status and the text.
        return reply[0], re.search(r"<Content><!\[CDATA\[(.*)\]\]></Content>", reply[1], re.S).group(1)

    first = content(post(app, "scan", "o_member", key=f"team:{team.code}", created=1_800_000_001))
    again = content(post(app, "scan", "o_member", key=f"team:{team.code}", created=1_800_000_001))
    assert first == again and "报到成功" in again[1]
    store.flush()  # the shared store lost its keys: the effect is idempotent in the database by itself
    after_loss = content(post(app, "scan", "o_member", key=f"team:{team.code}", created=1_800_000_001))
    assert after_loss[0] == 200 and "无需重复报到" in after_loss[1]
    assert session.scalar(sa.select(sa.func.count()).select_from(TeamMembership)) == 1
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                          .where(AuditEntry.action == "team.join")) == 1


def test_concurrent_duplicates_are_handled_once(app, session, world, pg_only):
    tree, team, member = world
    code = team.code
    replies = []

    def deliver():
        with app.app_context():
            replies.append(post(app, "scan", "o_member", key=f"team:{code}", created=1_800_000_002))

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {r[0] for r in replies} == {200}
    # The same reply content for all (each response's XML carries its own CreateTime second).
    texts = {re.search(r"<Content><!\[CDATA\[(.*?)\]\]>", r[1], re.S).group(1) for r in replies if r[1] != "success"}
    assert len(texts) == 1 and "报到成功" in texts.pop()
    assert session.scalar(sa.select(sa.func.count()).select_from(TeamMembership)) == 1


def _project_now(session, tree, team, member):
    now = dt.datetime.now(dt.UTC)
    project = projects.create_project(session, tree.community.id, team.id, make_project_input(
        starts_at=now - dt.timedelta(minutes=10), ends_at=now + dt.timedelta(hours=2)))
    project.status = projects.ProjectStatus.published
    session.add(Enrolment(project_id=project.id, member_id=member.id))
    session.commit()
    return project


def test_location_event_then_text_commands_sign_in_and_out(app, session, world):
    tree, team, member = world
    join(session, member, team)
    project = _project_now(session, tree, team, member)
    wgs = geo.convert(*SITE, "gcj02", "wgs84")  # LOCATION events are WGS-84 by default (a setting)
    assert post(app, "location_event", "o_member", lat=wgs[0], lng=wgs[1], precision=25) == (200, "success")
    status, text = post(app, "text", "o_member", content="签到")
    assert "签到成功" in text and project.title in text and "定位有效" in text
    status, text = post(app, "text", "o_member", content="签退")
    assert "签退成功" in text
    record = session.scalar(sa.select(ServiceRecord))
    assert record.status == RecordStatus.pending and record.signin_coord_system.value == "wgs84"
    assert "20 小时" in post(app, "text", "o_member", content="时长")[1]


def test_location_message_after_asking(app, session, world):
    tree, team, member = world
    join(session, member, team)
    _project_now(session, tree, team, member)
    status, text = post(app, "text", "o_member", content="签到")
    assert "发送你的位置" in text
    far = post(app, "location", "o_member", lat=SITE[0] + 0.01, lng=SITE[1])[1]
    assert "不在服务地点范围内" in far and "允许范围300米" in far
    assert "签到成功" in post(app, "location", "o_member", lat=SITE[0], lng=SITE[1])[1]  # GCJ-02 map pick


def test_project_qr_scan_asks_for_location_then_signs_in(app, session, world):
    tree, team, member = world
    join(session, member, team)
    project = _project_now(session, tree, team, member)
    assert "发送你的位置" in post(app, "scan", "o_member", key=f"project:{project.code}")[1]
    assert "签到成功" in post(app, "location", "o_member", lat=SITE[0], lng=SITE[1])[1]
    wgs = geo.convert(*SITE, "gcj02", "wgs84")
    post(app, "location_event", "o_member", lat=wgs[0], lng=wgs[1])
    assert "签退成功" in post(app, "scan", "o_member", key=f"project:{project.code}")[1]


def test_a_project_scan_retried_after_the_store_lost_its_keys_does_not_sign_out(app, session, world):
    tree, team, member = world
    join(session, member, team)
    project = _project_now(session, tree, team, member)
    wgs = geo.convert(*SITE, "gcj02", "wgs84")
    post(app, "location_event", "o_member", lat=wgs[0], lng=wgs[1])
    scan = {"key": f"project:{project.code}", "created": 1_800_000_003}
    assert "签到成功" in post(app, "scan", "o_member", **scan)[1]
    store.flush()  # WeChat's retry of the same scan arrives after Redis lost the key (and the location)
    post(app, "location_event", "o_member", lat=wgs[0], lng=wgs[1])
    status, text = post(app, "scan", "o_member", **scan)
    assert status == 200 and "签退" not in text
    record = session.scalar(sa.select(ServiceRecord))
    session.refresh(record)
    assert record.status == RecordStatus.open and record.signout_at is None
    assert session.scalar(sa.select(sa.func.count()).select_from(ServiceRecord)) == 1


def test_menu_clicks(app, session, world):
    tree, team, member = world
    assert "还没有加入" in post(app, "click", "o_member", key="MY_TEAM")[1]
    join(session, member, team)
    _project_now(session, tree, team, member)
    assert team.name in post(app, "click", "o_member", key="MY_TEAM")[1]
    profile = post(app, "click", "o_member", key="MY_PROFILE")[1]
    assert member.name in profile and "/ 20 小时" in profile and "星级" in profile
    assert "垃圾分类桶前值守" in post(app, "click", "o_member", key="OPEN_PROJECTS")[1]
    assert "绑定" in post(app, "click", "o_stranger", key="MY_TEAM")[1]
    assert "使用帮助" in post(app, "click", "o_member", key="UNKNOWN")[1]
    assert post(app, "view", "o_member", key="http://x/m/") == (200, "success")


def test_unsubscribe_keeps_the_binding_and_a_returning_member_is_greeted_by_name(app, session, world):
    tree, team, member = world
    post(app, "location_event", "o_member", lat=39.9, lng=116.4)
    assert store.get("wx:loc:o_member") is not None
    assert post(app, "unsubscribe", "o_member") == (200, "success")
    session.expire_all()
    assert session.get(Member, member.id).openid == "o_member" and store.get("wx:loc:o_member") is None
    assert not session.scalar(sa.select(WechatFollower.subscribed).where(WechatFollower.openid == "o_member"))
    back = post(app, "subscribe", "o_member")[1]
    assert f"{member.name}，欢迎回来" in back and "注册" not in back.split("使用帮助")[0]


def test_every_menu_key_answers_and_every_link_in_the_replies_resolves(app, session, world):
    """找组织 is a view button; every click key gives its own answer whose links open real pages."""
    import json
    import re
    from pathlib import Path
    from urllib.parse import urlsplit

    tree, team, member = world
    join(session, member, team)
    _project_now(session, tree, team, member)
    menu = json.loads((Path(__file__).resolve().parents[2] / "wechat" / "menu.json").read_text())
    buttons = [b for top in menu["button"] for b in top.get("sub_button", [top])]
    keys = [b["key"] for b in buttons if b["type"] == "click"]
    replies = {}
    for openid in ("o_member", "o_stranger"):
        for key in keys:
            status, text = post(app, "click", openid, key=key)
            assert status == 200 and text, key
            replies[(openid, key)] = text
    assert replies[("o_member", "MY_HOURS")] != replies[("o_member", "MY_PROFILE")]
    assert "还差" in replies[("o_member", "MY_HOURS")] and "/m/hours" in replies[("o_member", "MY_HOURS")]
    replies["subscribe"] = post(app, "subscribe", "o_new_follower")[1]
    links = {url for text in replies.values() for url in re.findall(r"https?://[^\s<\]]+", text)}
    links |= {b["url"].replace("{PUBLIC_BASE_URL}", app.config["PUBLIC_BASE_URL"]) for b in buttons if b["type"] == "view"}
    assert links
    client = app.test_client()
    for link in links:
        parts = urlsplit(link)
        response = client.get(parts.path, query_string=parts.query)
        assert response.status_code in (200, 302), f"{link} answers {response.status_code}"


def test_template_send_results_update_the_delivery(app, session, world):
    from models import DeliveryStatus, Project, PushDelivery

    tree, team, member = world
    project = session.scalar(sa.select(Project).where(Project.team_id == team.id))
    session.add_all([PushDelivery(project_id=project.id, member_id=member.id, openid="o_member", msgid="2001",
                                  status=DeliveryStatus.sent),
                     PushDelivery(project_id=project.id, member_id=make_member(session).id, msgid="2002",
                                  status=DeliveryStatus.sent)])
    session.commit()
    assert post(app, "TEMPLATESENDJOBFINISH", "o_member", MsgID="2001", Status="success") == (200, "success")
    post(app, "TEMPLATESENDJOBFINISH", "o_member", MsgID="2002", Status="failed:user block")
    assert post(app, "TEMPLATESENDJOBFINISH", "o_member", MsgID="9999", Status="success") == (200, "success")
    session.expire_all()
    statuses = dict(session.execute(sa.select(PushDelivery.msgid, PushDelivery.status)).all())
    assert statuses == {"2001": DeliveryStatus.delivered, "2002": DeliveryStatus.blocked}


def test_hours_and_scans_from_an_openid_known_only_by_unionid_bind_it_on_the_way(app, session, world):
    tree, team, _member = world
    known = make_member(session)
    known.unionid = "u_known"
    session.commit()
    assert "绑定" in post(app, "text", "o_unbound", content="时长")[1]  # nobody behind this openid
    wechat_users.follow(session, "o_known", "u_known")  # the mini-program already knows this person
    assert known.name in post(app, "text", "o_known", content="时长")[1]
    session.expire_all()
    assert session.get(Member, known.id).openid == "o_known"
    assert "报到成功" in post(app, "scan", "o_known", key=f"team:{team.code}")[1]
    wechat_users.follow(session, "o_known2", None)
    other = make_member(session)
    other.unionid = "u_other"
    session.commit()
    session.execute(sa.update(WechatFollower).where(WechatFollower.openid == "o_known2").values(unionid="u_other"))
    session.commit()
    assert "报到成功" in post(app, "scan", "o_known2", key=f"team:{team.code}")[1]  # bound by the scan itself
    session.expire_all()
    assert session.get(Member, other.id).openid == "o_known2"


def test_a_scan_and_a_hours_reply_are_one_statement_each_on_postgresql(app, session, world, pg_only):
    """报到 day's hot path: one statement each reply needs (the join's checks, membership and audit row in
    one; the card with the hours in one), prepared (a pooled connection PREPAREs it the first time it
    runs it) and run in autocommit (no BEGIN/COMMIT round trips), and the pooled connection goes back
    out of autocommit."""
    tree, team, member = world
    from runtime.extensions import db

    key, member_id = f"team:{team.code}", member.id
    with DriverStatements(db.engine) as scan:
        assert "报到成功" in post(app, "scan", "o_member", key=key)[1]
    with DriverStatements(db.engine) as hours:
        assert "小时" in post(app, "text", "o_member", content="时长")[1]
    for seen in (scan, hours):
        assert [statement for statement in seen if statement[0] != "PREPARE"] == [("EXECUTE", True)], seen
        assert seen.count(("PREPARE", True)) <= 1
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                          .where(AuditEntry.action == "team.join", AuditEntry.actor_id == member_id)) == 1
    assert session.scalar(sa.select(TeamMembership.source).where(TeamMembership.member_id == member_id)) == "scan"
