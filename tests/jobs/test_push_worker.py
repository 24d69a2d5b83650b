"""A real RQ worker process killed with SIGKILL in the middle of a push, then a new one started:
nothing lost, nothing sent twice. PostgreSQL + Redis, the sandbox on a loopback port."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

from models import PushDelivery, PushRun, PushState
from services.push import runs
from services.volunteering import projects
from tests.conftest import DATA_KEY, PG_URL, REDIS_URL
from tests.factories import make_followers, make_project_input, make_tree

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = "cgi-bin/message/template/send"


def _worker(app) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": PG_URL, "REDIS_URL": REDIS_URL, "DATA_KEY": DATA_KEY,
           "SECRET_KEY": "test-secret", "WECHAT_API_BASE_URL": app.config["WECHAT_API_BASE_URL"],
           "PUSH_CLAIM_LEASE": "1", "PUSH_RATE_PER_SECOND": "1000", "PUSH_RETRY_BACKOFF": "0.01"}
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "jobs", "worker", "--burst"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_worker_killed_mid_push_then_restarted(session, app, sandbox, pg_only):
    from jobs.queue import queue

    queue(app).empty()
    tree = make_tree(session)
    team = tree.team(session, tree.community)
    openids = [m.openid for m in make_followers(session, team, 80, "o_kill_")]
    project = projects.create_project(session, tree.community.id, team.id, make_project_input())
    projects.publish_project(session, tree.community.id, project.id)
    project_id = project.id
    run_id = runs.request_push(session, project_id, actor_org_id=tree.community.id).id
    sandbox.latency[TEMPLATE] = 0.03

    first = _worker(app)
    deadline = time.monotonic() + 60
    while len(sandbox.sent_to()) < 20 and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.01)
    first.send_signal(signal.SIGKILL)
    first_output, _ = first.communicate(timeout=10)
    sent_before_kill = len(sandbox.sent_to())
    assert 20 <= sent_before_kill < 80, first_output

    time.sleep(1.5)  # the dead job's heartbeat and claim grow older than PUSH_CLAIM_LEASE
    sandbox.latency.clear()
    second = _worker(app)
    output, _ = second.communicate(timeout=120)
    assert second.returncode == 0, output
    assert f"重新排队的推送：{run_id}" in output

    session.expire_all()
    received = Counter(sandbox.sent_to())
    assert max(received.values()) == 1                           # nothing sent twice
    rows = session.scalars(sa.select(PushDelivery).where(PushDelivery.project_id == project_id)).all()
    states = Counter(row.status.value for row in rows)
    assert len(rows) == 80 and set(states) <= {"sent", "unknown"}  # everyone accounted for
    assert states.get("unknown", 0) <= 1                           # at most the one in flight at the kill
    sent = {row.openid for row in rows if row.status.value == "sent"}
    assert sent <= set(received) and set(openids) - set(received) <= {r.openid for r in rows if r.status.value == "unknown"}
    assert session.get(PushRun, run_id).state == PushState.done
