"""Issue 20.4 and 20.5: what a killed push leaves is settled by a rerun, and a send that may have
reached WeChat (an HTTP 5xx after it took the message) is ``unknown``, never resent by itself."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from models import DeliveryStatus, PushDelivery, PushRun, PushState, utcnow
from services.push import execution, runs, sending
from tests.factories import make_followers, make_tree
from tests.jobs.test_push import TEMPLATE, _published, _statuses
from wechat.sandbox.gate import ACCEPT_THEN_500


def test_a_5xx_after_wechat_took_the_message_is_unknown_not_resent(session, sandbox, app, monkeypatch):
    tree = make_tree(session)
    team = tree.team(session, tree.community)
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    people = make_followers(session, team, 3, "o_5xx_")
    sandbox.failures[TEMPLATE] = [ACCEPT_THEN_500]
    project = _published(session, tree, tree.community, team)
    runs.request_push(session, project.id, actor_org_id=tree.community.id)
    assert _statuses(session, project) == {"unknown": 1, "sent": 2}
    assert len(sandbox.sent_to()) == 3  # WeChat did take all three
    unknown = session.scalar(sa.select(PushDelivery).where(PushDelivery.status == DeliveryStatus.unknown))
    assert unknown.errmsg == sending.HTTP_ERROR_UNKNOWN
    runs.request_push(session, project.id)  # a plain rerun leaves it alone
    assert len(sandbox.calls_to(TEMPLATE)) == 3
    page = runs.progress(session, project)
    assert page.counts["unknown"] == 1 and any(reason == sending.HTTP_ERROR_UNKNOWN for _, reason, _ in page.reasons)
    runs.request_push(session, project.id, resend_unknown=True)  # the coordinator's explicit choice
    assert sorted(sandbox.sent_to()) == sorted([m.openid for m in people] + [unknown.openid])


def test_a_rerun_settles_the_row_a_killed_inline_push_left_sending(session, sandbox, app, monkeypatch):
    tree = make_tree(session)
    team = tree.team(session, tree.community)
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    monkeypatch.setitem(app.config, "PUSH_HTTP_TIMEOUT", 0.5)
    make_followers(session, team, 4, "o_killed_")
    project = _published(session, tree, tree.community, team)
    # The killed push: its run still "running", one row claimed a moment before the process died.
    killed = PushRun(project_id=project.id, state=PushState.running, heartbeat_at=utcnow(), started_at=utcnow())
    session.add(killed)
    session.commit()
    execution.plan(session, project)
    first = session.scalar(sa.select(PushDelivery).order_by(PushDelivery.id).limit(1))
    first.status, first.claimed_at, first.attempts = DeliveryStatus.sending, utcnow() - dt.timedelta(seconds=1), 1
    session.commit()
    killed.heartbeat_at = utcnow() - dt.timedelta(seconds=app.config["PUSH_CLAIM_LEASE"] + 1)  # let a rerun start
    session.commit()

    rerun = runs.request_push(session, project.id)
    session.expire_all()
    assert session.get(PushRun, rerun.id).state == PushState.done
    assert _statuses(session, project) == {"sent": 3, "unknown": 1}  # nothing left "sending" behind "done"
    assert sorted(sandbox.sent_to()) == sorted(f"o_killed_{i}" for i in range(1, 4))


def test_the_permit_comes_before_the_claim_so_a_pacer_without_redis_claims_nothing(fault_app, own_redis):
    """Issue 35.5: the row was committed ``sending`` and then the Redis-backed pacer ran; with Redis down
    the job died there and a message never sent became ``unknown`` (one member per faulted run missed).
    Now the permit is taken first: the job still dies, leaving every row pending for its retry."""
    import pytest
    import redis

    from runtime.extensions import db
    from services.volunteering import projects
    from tests.factories import make_project_input
    from wechat.client import get_client

    session = db.session
    tree = make_tree(session)
    team = tree.team(session, tree.community)
    make_followers(session, team, 3, "o_pacer_")
    project = projects.create_project(session, tree.community.id, team.id, make_project_input())
    projects.publish_project(session, tree.community.id, project.id)
    run = runs.request_push(session, project.id, enqueue=False)
    own_redis.kill()
    with fault_app.test_request_context(), pytest.raises(redis.ConnectionError):
        execution.run(session, run.id, client=get_client())
    assert _statuses(session, project) == {"pending": 3}  # nothing claimed, nothing to call unknown
