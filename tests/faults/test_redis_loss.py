"""Issue 20.1 and 20.2: Redis killed, restarted or hung. PostgreSQL is the truth, Redis an
accelerator: the callback still does its work, sessions survive, health says degraded, and while
Redis hangs every request answers within 2 s."""
from __future__ import annotations

import time

import sqlalchemy as sa

from models import TeamMembership
from runtime.extensions import db
from services.people import mp_sessions, wechat_users
from tests.factories import make_account, make_member, make_tree
from tests.web import console_login
from tests.wechat.helpers import post


def _world(app):
    session = db.session
    tree = make_tree(session)
    make_account(session, tree.district, "dongcheng")
    team = tree.team(session, tree.community)
    member = make_member(session)
    wechat_users.bind(session, member.id, "o_fault")
    token, _ = mp_sessions.create(session, openid="o_fault", unionid=None, member_id=member.id)
    return tree, team, member, {"Authorization": "Bearer " + token}


def _joined(member_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(TeamMembership)
                             .where(TeamMembership.member_id == member_id))


def test_with_redis_killed_the_callback_works_health_degrades_nothing_500s(fault_app, own_redis):
    tree, team, member, auth = _world(fault_app)
    console = console_login(fault_app, "dongcheng")
    own_redis.kill()
    started = time.monotonic()
    status, text = post(fault_app, "scan", "o_fault", key=f"team:{team.code}")
    assert status == 200 and "报到成功" in text and time.monotonic() - started < 5
    assert _joined(member.id) == 1
    # WeChat's retry without the store: the effect is idempotent by itself.
    status, text = post(fault_app, "scan", "o_fault", key=f"team:{team.code}")
    assert status == 200 and "无需重复报到" in text and _joined(member.id) == 1
    health = fault_app.test_client().get("/healthz")
    assert health.status_code == 200 and health.get_json()["status"] == "degraded"
    assert health.get_json()["store"] == "down" and health.get_json()["database"] == "ok"
    client = fault_app.test_client()
    assert client.get("/api/mp/v1/me", headers=auth).status_code == 200
    assert client.get("/api/mp/v1/me/hours", headers=auth).status_code == 200
    dashboard = console.get("/console/", query_string={"refresh": "1"})
    assert dashboard.status_code == 200 and "数据概览" in dashboard.get_data(as_text=True)
    sms = client.post("/api/mp/v1/sms/code", json={"phone": "13800000001"}, headers=auth)
    assert sms.status_code == 503 and sms.get_json()["message"] == "服务暂时繁忙，请稍后再试"


def test_mini_program_sessions_survive_a_redis_restart(fault_app, own_redis):
    _tree, _team, _member, auth = _world(fault_app)
    client = fault_app.test_client()
    assert client.get("/api/mp/v1/me", headers=auth).status_code == 200
    own_redis.restart()  # nothing on disk: every key is gone
    time.sleep(3.1)      # the store's pause after the failure it may have seen
    assert client.get("/api/mp/v1/me", headers=auth).status_code == 200
    assert fault_app.test_client().get("/healthz").get_json()["status"] == "ok"


def test_while_redis_hangs_every_request_answers_within_two_seconds(fault_app, own_redis):
    tree, team, member, auth = _world(fault_app)
    console = console_login(fault_app, "dongcheng")
    own_redis.hang()
    try:
        client = fault_app.test_client()
        calls = [
            ("scan", lambda: post(fault_app, "scan", "o_fault", key=f"team:{team.code}")[0]),
            ("text", lambda: post(fault_app, "text", "o_fault", content="时长")[0]),
            ("me", lambda: client.get("/api/mp/v1/me", headers=auth).status_code),
            ("login", lambda: client.post("/api/mp/v1/login", json={"code": "bogus"}).status_code),
            ("health", lambda: client.get("/healthz").status_code),
            ("dashboard", lambda: console.get("/console/").status_code),
            ("members", lambda: console.get("/console/members").status_code),
        ]
        for name, call in calls * 2:
            started = time.monotonic()
            status = call()
            took = time.monotonic() - started
            assert took < 2.0, f"{name} took {took:.1f} s while Redis hung"
            assert status < 500 or (name == "login" and status == 503), f"{name}: {status}"
        assert _joined(member.id) == 1
    finally:
        own_redis.resume()
