"""Issue 35.1: a retried location message signed out and then in again. With Redis down (or restarted
between WeChat's deliveries) the same message twice answered 签退成功 then 签到成功 and left a phantom
open record; six deliveries at once did the same. Every effect of a message is now idempotent in the
database by its own key: the sign-out keeps the message's key as the sign-in does."""
from __future__ import annotations

import threading

import sqlalchemy as sa

from models import RecordStatus, ServiceRecord
from runtime.extensions import db
from services.people import wechat_users
from tests.factories import SITE, join, make_member, make_tree
from tests.wechat.helpers import post
from tests.wechat.test_handlers import _project_now as project_now

OPENID = "o_retry"


def _world():
    session = db.session
    tree = make_tree(session)
    team = tree.team(session, tree.community)
    member = make_member(session)
    wechat_users.bind(session, member.id, OPENID)
    join(session, member, team)
    project_now(session, tree, team, member)
    return member


def _records(member_id: int) -> list[tuple[RecordStatus, bool]]:
    db.session.expire_all()
    return [(r.status, r.signout_at is not None) for r in db.session.scalars(
        sa.select(ServiceRecord).where(ServiceRecord.member_id == member_id).order_by(ServiceRecord.id))]


def test_a_location_message_delivered_twice_without_redis_signs_out_once(fault_app, own_redis):
    member = _world()
    own_redis.kill()
    signin = {"lat": SITE[0], "lng": SITE[1], "msg_id": 9101, "created": 1_800_000_100}
    assert "签到成功" in post(fault_app, "location", OPENID, **signin)[1]
    signout = {"lat": SITE[0], "lng": SITE[1], "msg_id": 9102, "created": 1_800_000_200}
    assert "签退成功" in post(fault_app, "location", OPENID, **signout)[1]
    again = post(fault_app, "location", OPENID, **signout)[1]  # WeChat's retry, nothing in Redis to stop it
    assert "签到" not in again and "签退" in again
    assert "签到成功" not in post(fault_app, "location", OPENID, **signin)[1]  # and the first one's retry
    assert _records(member.id) == [(RecordStatus.pending, True)]


def test_six_deliveries_at_once_sign_out_once_with_redis_restarted(fault_app, own_redis):
    member = _world()
    assert "签到成功" in post(fault_app, "location", OPENID, lat=SITE[0], lng=SITE[1], msg_id=9201,
                                  created=1_800_000_300)[1]
    own_redis.restart()  # the exactly-once keys are gone
    message = {"lat": SITE[0], "lng": SITE[1], "msg_id": 9202, "created": 1_800_000_400}
    barrier, replies = threading.Barrier(6), [None] * 6

    def deliver(i):
        barrier.wait(timeout=10)
        replies[i] = post(fault_app, "location", OPENID, **message)

    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(status == 200 for status, _ in replies)
    assert not any("签到成功" in text for _, text in replies), replies
    assert _records(member.id) == [(RecordStatus.pending, True)]
