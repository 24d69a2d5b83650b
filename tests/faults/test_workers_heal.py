"""Issue 20.3: workers survive Redis blips and database restarts, and a stalled or orphaned push run
is taken up by the scheduler's recovery job (no cron, no ``push resume``) within the claim lease plus a
minute. Real processes: ``flask jobs worker`` and ``flask jobs scheduler`` on a Redis of the test's own."""
from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from models import PushRun, PushState, utcnow
from runtime.extensions import db
from services.push import runs
from services.volunteering import projects
from tests.conftest import DATA_KEY, PG_URL
from tests.factories import make_followers, make_project_input, make_tree
from tests.faults.servers import Proxy
from wechat.sandbox import SandboxState, create_sandbox_app

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = "cgi-bin/message/template/send"
LEASE, INTERVAL = 3, 2


@pytest.fixture
def sandbox_server(fault_app):
    state = SandboxState(appid=fault_app.config["WECHAT_APP_ID"], secret=fault_app.config["WECHAT_APP_SECRET"])
    server = make_server("127.0.0.1", 0, create_sandbox_app(state), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    fault_app.config.update(WECHAT_API_BASE_URL=url, PUSH_CLAIM_LEASE=LEASE, JOB_RETRY_INTERVALS=(1, 1, 2))
    yield state, url
    server.shutdown()


class Processes:
    def __init__(self, env: dict) -> None:
        self.env, self.running = env, []

    def start(self, kind: str, **env) -> subprocess.Popen:
        process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "jobs", kind], cwd=ROOT,
                                   env={**self.env, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.running.append(process)
        return process

    def close(self) -> None:
        for process in self.running:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)


@pytest.fixture
def processes(fault_app, own_redis, sandbox_server):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "FLASK"))}
    env.update(DATABASE_URL=PG_URL, REDIS_URL=own_redis.url, DATA_KEY=DATA_KEY, SECRET_KEY="fault-secret",
               WECHAT_API_BASE_URL=sandbox_server[1], PUSH_CLAIM_LEASE=str(LEASE),
               PUSH_RECOVERY_INTERVAL=str(INTERVAL), JOB_RETRY_INTERVALS="1,1,2", PUSH_RATE_PER_SECOND="1000",
               PUSH_RETRY_BACKOFF="0.01", PUSH_ON_PUBLISH="0")
    group = Processes(env)
    yield group
    group.close()


def _project(session, tree, team, n: int, prefix: str):
    make_followers(session, team, n, prefix)
    project = projects.create_project(session, tree.community.id, team.id, make_project_input(title=prefix))
    projects.publish_project(session, tree.community.id, project.id)
    return project.id


def _wait(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.rollback()
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"not within {seconds} s: {what}")


def _run_state(run_id: int) -> PushState:
    return db.session.scalar(sa.select(PushRun.state).where(PushRun.id == run_id))


def _sent(state, prefix: str) -> Counter:
    return Counter(openid for openid in state.sent_to() if openid.startswith(prefix))


def test_an_orphaned_run_is_taken_up_and_a_redis_blip_stops_nothing(fault_app, own_redis, sandbox_server, processes):
    state, _ = sandbox_server
    session = db.session
    tree = make_tree(session)
    team = tree.team(session, tree.community)
    # A run whose job was lost (Redis flushed, worker killed before it started): nothing is queued.
    orphan_project = _project(session, tree, team, 5, "o_orphan_")
    orphan = PushRun(project_id=orphan_project, state=PushState.queued)
    session.add(orphan)
    session.commit()
    orphan.created_at = utcnow() - dt.timedelta(seconds=LEASE + 1)
    session.commit()
    orphan_id = orphan.id

    worker, _scheduler = processes.start("worker"), processes.start("scheduler")
    _wait(lambda: _run_state(orphan_id) == PushState.done, LEASE + INTERVAL + 20, "the orphaned run finished")
    assert _sent(state, "o_orphan_") == Counter({f"o_orphan_{i}": 1 for i in range(5)})

    own_redis.hang()      # a 3-second Redis hang ...
    time.sleep(3)
    own_redis.resume()
    own_redis.kill()      # ... and a 3-second outage (a restart: the queue is gone too)
    time.sleep(3)
    own_redis.start()
    time.sleep(2)
    assert worker.poll() is None, "the worker exited on a Redis blip"
    later = _project(session, tree, team, 3, "o_after_blip_")
    run_id = runs.request_push(session, later).id
    _wait(lambda: _run_state(run_id) == PushState.done, LEASE + INTERVAL + 20, "a push after the blip finished")
    assert _sent(state, "o_after_blip_") == Counter({f"o_after_blip_{i}": 1 for i in range(3)})


def test_a_worker_killed_mid_run_and_restarted_at_once_finishes_it(fault_app, sandbox_server, processes):
    state, _ = sandbox_server
    state.latency[TEMPLATE] = 0.1  # thirty messages take three seconds
    session = db.session
    tree = make_tree(session)
    team = tree.team(session, tree.community)
    project_id = _project(session, tree, team, 30, "o_kill_")
    processes.start("scheduler")
    worker = processes.start("worker")
    run_id = runs.request_push(session, project_id).id
    _wait(lambda: len(_sent(state, "o_kill_")) >= 5, 30, "the push started")
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    processes.start("worker")  # restarted at once
    _wait(lambda: _run_state(run_id) == PushState.done or db.session.scalar(sa.select(sa.func.max(PushRun.id)).where(
        PushRun.project_id == project_id, PushRun.state == PushState.done)) is not None,
        LEASE + INTERVAL + 60, "the killed run was finished")
    sent = _sent(state, "o_kill_")
    assert max(sent.values()) == 1, "somebody got the message twice"
    progress = runs.progress(db.session, projects.get_project(db.session, project_id))
    assert progress.counts.get("pending", 0) == 0 and progress.counts.get("sending", 0) == 0
    assert progress.counts.get("unknown", 0) <= 1 and len(sent) >= 29


def test_a_database_restart_as_a_job_starts_does_not_stop_the_worker(fault_app, sandbox_server, processes):
    state, _ = sandbox_server
    parts = urlsplit(PG_URL)
    proxy = Proxy(parts.port or 5432)
    try:
        session = db.session
        tree = make_tree(session)
        team = tree.team(session, tree.community)
        project_id = _project(session, tree, team, 4, "o_pgcut_")
        url = parts._replace(netloc=f"{parts.username or 'postgres'}@127.0.0.1:{proxy.port}").geturl()
        worker = processes.start("worker", DATABASE_URL=url)
        processes.start("scheduler")
        time.sleep(2)  # the worker is up and waiting for jobs
        proxy.cut()
        run_id = runs.request_push(session, project_id).id
        time.sleep(2)  # the job starts against a database that is gone
        proxy.restore()
        _wait(lambda: _run_state(run_id) == PushState.done or runs.progress(
            db.session, projects.get_project(db.session, project_id)).counts.get("sent", 0) == 4,
            LEASE + INTERVAL + 30, "the push finished after the database came back")
        assert worker.poll() is None, "the worker exited on a database restart"
        assert _sent(state, "o_pgcut_") == Counter({f"o_pgcut_{i}": 1 for i in range(4)})
    finally:
        proxy.close()
