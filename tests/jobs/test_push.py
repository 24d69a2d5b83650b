"""Pushing project links: recipients, every WeChat error path, exactly once under re-runs, concurrent
runs and a killed worker; inline and on Redis + RQ."""
from __future__ import annotations

import datetime as dt
import time
from collections import Counter

import pytest
import requests
import sqlalchemy as sa

from jobs import push as push_job
from models import DeliveryStatus, PushDelivery, PushRun, PushState
from services.organisations import teams
from services.push import execution, runs, sending
from services.volunteering import projects
from tests.factories import join, make_followers, make_member, make_project_input, make_tree, pair
from wechat.sandbox.gate import HANG

TEMPLATE = "cgi-bin/message/template/send"
ENDPOINTS = {"template": TEMPLATE, "subscribe": "cgi-bin/message/subscribe/bizsend"}


@pytest.fixture(params=["template", "subscribe"])
def channel(request, app, monkeypatch):
    """The same push on both channels (issue 27): template messages and subscription notifications."""
    monkeypatch.setitem(app.config, "PUSH_CHANNEL", request.param)
    return request.param


def _reachable(session, app, channel, openids) -> None:
    """On the subscription channel the members accepted the notice in its popup."""
    if channel == "subscribe":
        from services.push import subscriptions

        template = app.config["PUSH_SUBSCRIBE_TEMPLATE_ID"]
        for openid in openids:
            subscriptions.record(session, openid, [{"TemplateId": template, "SubscribeStatusString": "accept"}])


def _statuses(session, project) -> Counter:
    """Delivery states of a project (or a project id: after an RQ job the test's objects are detached)."""
    project_id = project if isinstance(project, int) else project.id
    session.expire_all()
    return Counter(d.status.value for d in session.scalars(
        sa.select(PushDelivery).where(PushDelivery.project_id == project_id)))


def _published(session, tree, org, team, **overrides):
    project = projects.create_project(session, org.id, team.id, make_project_input(**overrides))
    projects.publish_project(session, org.id, project.id)
    return project


@pytest.fixture(params=["inline", pytest.param("rq", marks=pytest.mark.pg_only)])
def mode(request, app, monkeypatch):
    """Inline (no Redis: the job runs in the request) and RQ on Redis with a burst worker (with the
    PostgreSQL + Redis app alone)."""
    if request.param == "inline":
        monkeypatch.setitem(app.config, "REDIS_URL", None)
        return "inline"
    assert app.config["REDIS_URL"]
    from jobs.queue import queue

    queue(app).empty()
    return "rq"


def drain(app, mode):
    """Let the queued jobs run: nothing to do inline; a burst worker in this process on RQ."""
    if mode == "rq":
        from jobs.cli import AppWorker
        from jobs.queue import connection, queue

        AppWorker([queue(app)], connection=connection(app)).work(burst=True, logging_level="WARNING")


@pytest.fixture
def community(session):
    tree = make_tree(session)
    return tree, tree.team(session, tree.community)


def test_recipients_follow_the_audience(session, community):
    tree, team = community
    members = make_followers(session, team, 3, "o_push_")
    unbound = make_member(session)
    join(session, unbound, team)                   # not bound to WeChat: cannot be reached
    teams.quit_team(session, members[2].id, team.id)  # left the team: not a recipient
    project = _published(session, tree, tree.community, team)
    assert execution.plan(session, project) == 2
    chosen = set(session.scalars(sa.select(PushDelivery.member_id).where(PushDelivery.project_id == project.id)))
    assert chosen == {members[0].id, members[1].id}
    assert execution.plan(session, project) == 2        # planning again adds nobody

    # A street's project also reaches its paired departments' members; "paired only" reaches only them.
    street_team = tree.team(session, tree.street)
    pair(session, tree, tree.dept, tree.street)
    student = make_member(session, branch=tree.branch)
    student.openid = "o_student"
    street_member = make_followers(session, street_team, 1, "o_street_")[0]
    other = make_member(session, branch=tree.branch2)
    other.openid = "o_other"
    session.commit()
    for audience, expected in (("team", {student.id, street_member.id}), ("paired", {student.id})):
        p = _published(session, tree, tree.street, street_team, audience=audience)
        execution.plan(session, p)
        assert set(session.scalars(sa.select(PushDelivery.member_id).where(
            PushDelivery.project_id == p.id))) == expected

    # A department's project reaches the members of its branches.
    dept_project = _published(session, tree, tree.dept, tree.team(session, tree.dept))
    execution.plan(session, dept_project)
    assert set(session.scalars(sa.select(PushDelivery.member_id).where(
        PushDelivery.project_id == dept_project.id))) == {student.id}


def test_template_values_fit_wechats_limits(session, community, sandbox, monkeypatch, app):
    tree, team = community
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    assert runs.keyword_value("a\nb\tc  ") == "a b c"
    assert runs.keyword_value("") == "—"
    assert runs.keyword_value("很" * 30) == "很" * 19 + "…"
    make_followers(session, team, 1, "o_push_")
    project = _published(session, tree, tree.community, team, title="社区垃圾分类桶前值守与宣传引导志愿服务活动（第二期）")
    runs.request_push(session, project.id, actor_org_id=tree.community.id)
    (_, touser, body), = sandbox.sent
    assert touser == "o_push_0" and body["template_id"] == "sandbox_project_notice"
    assert body["url"].endswith(f"/m/projects/{project.code}")
    assert set(body["data"]) == {"thing1", "time2", "thing3"}
    assert all(len(v["value"]) <= 20 and "color" not in v for v in body["data"].values())
    assert body["data"]["thing1"]["value"].endswith("…")
    assert body["data"]["time2"]["value"] == project.starts_at.astimezone(runs.BEIJING).strftime("%Y年%m月%d日 %H:%M")
    assert "first" not in body["data"] and "remark" not in body["data"]

    monkeypatch.setitem(app.config, "PUSH_MINIPROGRAM_PAGEPATH", "pages/project/index?code={code}")
    assert runs.message_for(project)["mini_program"] == {
        "appid": app.config["WECHAT_MINIPROGRAM_APP_ID"], "pagepath": f"pages/project/index?code={project.code}"}


def test_push_sends_each_member_once_and_a_rerun_sends_nothing(session, community, sandbox, mode, app, channel):
    tree, team = community
    openids = [m.openid for m in make_followers(session, team, 5, "o_push_")]
    _reachable(session, app, channel, openids)
    project = _published(session, tree, tree.community, team)
    project_id, community_id, team_id = project.id, tree.community.id, team.id
    run_id = runs.request_push(session, project_id, actor_org_id=community_id).id
    drain(app, mode)
    assert sorted(sandbox.sent_to(ENDPOINTS[channel])) == sorted(openids)
    assert _statuses(session, project_id) == {"sent": 5}
    assert session.get(PushRun, run_id).state == PushState.done
    assert session.get(PushRun, run_id).recipients == 5

    # Asked again (a double click, a re-run after a new member joined): only the newcomer gets it.
    team = session.get(type(team), team_id)
    newcomer = make_followers(session, team, 1, "o_new_")[0].openid
    _reachable(session, app, channel, [newcomer])
    runs.request_push(session, project_id, actor_org_id=community_id)
    runs.request_push(session, project_id)  # the operator's CLI too
    drain(app, mode)
    assert sorted(sandbox.sent_to(ENDPOINTS[channel])) == sorted([*openids, newcomer])
    assert _statuses(session, project_id) == {"sent": 6}


def test_error_paths(session, community, sandbox, mode, app):
    tree, team = community
    people = [m.openid for m in make_followers(session, team, 6, "o_push_")]
    sandbox.unfollowed.add(people[1])                        # 43004: recorded, not retried
    sandbox.failures[TEMPLATE] = [-1, -1]                    # busy twice, then fine: retried
    project = _published(session, tree, tree.community, team)
    from wechat.client import get_client

    assert get_client().access_token
    sandbox.expire_tokens()                                  # 42001: refreshed once and retried
    project_id = project.id
    runs.request_push(session, project_id, actor_org_id=tree.community.id)
    drain(app, mode)
    rows = {d.openid: d for d in session.scalars(sa.select(PushDelivery).where(PushDelivery.project_id == project_id))}
    assert rows[people[1]].status == DeliveryStatus.failed and rows[people[1]].errcode == 43004
    assert "未关注" in rows[people[1]].errmsg
    assert [c.body["touser"] for c in sandbox.calls_to(TEMPLATE)].count(people[1]) == 1
    assert rows[people[0]].status == DeliveryStatus.sent and rows[people[0]].attempts == 1
    assert Counter(sandbox.sent_to()) == Counter(o for o in people if o != people[1])
    assert sandbox.token_grants >= 2

    # A re-run does not retry the final 43004.
    runs.request_push(session, project_id)
    drain(app, mode)
    assert [c.body["touser"] for c in sandbox.calls_to(TEMPLATE)].count(people[1]) == 1
    progress = runs.progress(session, session.get(projects.Project, project_id))
    assert progress.counts == {"sent": 5, "failed": 1}
    assert progress.reasons == [("failed", sending.REASONS[43004], 1)]


def test_busy_beyond_the_retries_fails_and_a_rerun_retries(session, community, sandbox, app, monkeypatch):
    tree, team = community
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    monkeypatch.setitem(app.config, "PUSH_MAX_ATTEMPTS", 3)
    person = make_followers(session, team, 1, "o_push_")[0]
    sandbox.failures[TEMPLATE] = [-1, -1, -1]
    project = _published(session, tree, tree.community, team)
    runs.request_push(session, project.id, actor_org_id=tree.community.id)
    delivery = session.scalar(sa.select(PushDelivery))
    assert (delivery.status, delivery.errcode, delivery.attempts) == (DeliveryStatus.failed, -1, 1)
    assert len(sandbox.calls_to(TEMPLATE)) == 3 and sandbox.sent == []
    runs.request_push(session, project.id)  # WeChat never accepted it: asking again retries
    assert sandbox.sent_to() == [person.openid]


def test_no_answer_in_time_is_unknown_and_never_resent_by_itself(session, community, sandbox, app, monkeypatch):
    tree, team = community
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    monkeypatch.setitem(app.config, "PUSH_HTTP_TIMEOUT", 0.3)
    sandbox.hang_seconds = 0.6
    people = make_followers(session, team, 2, "o_push_")
    sandbox.failures[TEMPLATE] = [HANG]
    project = _published(session, tree, tree.community, team)
    runs.request_push(session, project.id, actor_org_id=tree.community.id)
    assert _statuses(session, project) == {"unknown": 1, "sent": 1}
    runs.request_push(session, project.id)
    assert len(sandbox.calls_to(TEMPLATE)) == 2       # not resent by a re-run
    runs.request_push(session, project.id, resend_unknown=True)  # the coordinator chose to resend
    assert sorted(sandbox.sent_to()) == sorted(m.openid for m in people)
    assert _statuses(session, project) == {"sent": 2}


def test_connection_refused_is_retried_then_failed(session, community, app, monkeypatch):
    """Nothing listens: the request never reached WeChat, so it is retried, then recorded as failed."""
    import socket

    from wechat.client import SharedTokenClient

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    monkeypatch.setitem(app.config, "PUSH_MAX_ATTEMPTS", 2)
    client = SharedTokenClient("wx", "s", f"http://127.0.0.1:{port}", app.extensions["store"], timeout=1)
    client.session.set(client.access_token_key, "tok", 60)
    touched = []
    outcome = sending.send_one(client, "o_x", {"template_id": "t", "data": {}}, touch=lambda: touched.append(1))
    assert (outcome.status, outcome.errmsg) == (DeliveryStatus.failed, sending.NETWORK_ERROR)
    assert touched == [1]
    assert sending._never_reached(requests.ConnectTimeout())
    assert not sending._never_reached(requests.ReadTimeout())


def test_quota_pauses_the_run_until_the_next_day(session, community, sandbox, mode, app):
    tree, team = community
    openids = [m.openid for m in make_followers(session, team, 4, "o_push_")]
    sandbox.quotas[TEMPLATE] = 2
    project = _published(session, tree, tree.community, team)
    project_id = project.id
    run_id = runs.request_push(session, project_id, actor_org_id=tree.community.id).id
    drain(app, mode)
    run = session.get(PushRun, run_id)
    assert run.state == PushState.paused and "额度" in run.last_error
    assert run.resume_after.astimezone(runs.BEIJING).time() == dt.time(0, 5)
    assert run.resume_after > dt.datetime.now(dt.UTC)
    assert _statuses(session, project_id) == {"sent": 2, "pending": 2}
    resume_after = run.resume_after
    assert runs.recover(session) == []                  # not yet due

    del sandbox.quotas[TEMPLATE]                        # a new day
    if mode == "rq":
        from jobs.queue import queue

        queue(app).empty()                              # the scheduled resumption is tested by recover()
    assert runs.recover(session, now=resume_after + dt.timedelta(seconds=1)) == [run_id]
    drain(app, mode)
    assert sorted(sandbox.sent_to()) == sorted(openids)
    assert _statuses(session, project_id) == {"sent": 4}
    assert session.get(PushRun, run_id).state == PushState.done


def test_template_finished_event_sets_the_final_status(session, community, sandbox, app, monkeypatch):
    tree, team = community
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    people = make_followers(session, team, 3, "o_push_")
    project = _published(session, tree, tree.community, team)
    runs.request_push(session, project.id, actor_org_id=tree.community.id)
    rows = {d.openid: d for d in session.scalars(sa.select(PushDelivery))}
    runs.record_template_result(session, rows[people[0].openid].msgid, "success")
    runs.record_template_result(session, rows[people[1].openid].msgid, "failed:user block")
    # An interrupted send (no msgid) is recognised by the openid when WeChat reports it.
    rows[people[2].openid].status, rows[people[2].openid].msgid = DeliveryStatus.unknown, None
    session.commit()
    runs.record_template_result(session, "77777", "failed: system failed", openid=people[2].openid)
    session.expire_all()
    assert [rows[m.openid].status for m in people] == [DeliveryStatus.delivered, DeliveryStatus.blocked,
                                                         DeliveryStatus.failed]
    assert rows[people[2].openid].msgid == "77777"


def test_publishing_pushes_when_configured(session, community, sandbox, app, monkeypatch):
    tree, team = community
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    monkeypatch.setitem(app.config, "PUSH_ON_PUBLISH", True)
    make_followers(session, team, 2, "o_push_")
    draft = projects.create_project(session, tree.community.id, team.id, make_project_input())
    project = runs.publish_and_push(session, tree.community.id, draft.id)
    assert len(sandbox.sent_to()) == 2
    assert session.scalar(sa.select(PushRun.requested_by_org_id).where(PushRun.project_id == project.id)) == tree.community.id


def test_only_managers_push_published_projects(session, community, app, monkeypatch):
    from services.kernel.errors import Conflict, Forbidden

    tree, team = community
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    draft = projects.create_project(session, tree.community.id, team.id, make_project_input())
    with pytest.raises(Conflict, match="已发布"):
        runs.request_push(session, draft.id, actor_org_id=tree.community.id)
    projects.publish_project(session, tree.community.id, draft.id)
    with pytest.raises(Forbidden):
        runs.request_push(session, draft.id, actor_org_id=tree.community2.id)
    assert session.scalar(sa.select(sa.func.count()).select_from(PushRun)) == 0


def test_concurrent_runs_send_each_member_once(session, community, sandbox, app, pg_only, run_threads, monkeypatch,
                                               channel):
    tree, team = community
    people = make_followers(session, team, 40, "o_push_")
    _reachable(session, app, channel, [m.openid for m in people])
    sandbox.latency[ENDPOINTS[channel]] = 0.005
    project = _published(session, tree, tree.community, team)
    run_ids = [runs.request_push(session, project.id, enqueue=False, resend_unknown=True).id for _ in range(2)]
    reports = run_threads(2, lambda own, i: execution.run(own, run_ids[i], client=push_job.client()))
    assert sum(r.sent for r in reports) == 40 and all(r.sent for r in reports)  # both really worked
    assert Counter(sandbox.sent_to(ENDPOINTS[channel])) == Counter({m.openid: 1 for m in people})
    assert _statuses(session, project) == {"sent": 40}


def test_the_pace_holds_across_workers_though_permits_come_in_blocks(app, monkeypatch):
    """Two workers' pacers at 20 a second (blocks of 2): 60 sends need three windows, so never more
    than the rate, whichever worker takes the permits."""
    monkeypatch.setitem(app.config, "PUSH_RATE_PER_SECOND", 20)
    with app.app_context():
        first, second = execution.Pacer(), execution.Pacer()
        assert first.block == 2
        started = time.monotonic()
        for _ in range(30):
            first.wait()
            second.wait()
        assert time.monotonic() - started >= 1.9
