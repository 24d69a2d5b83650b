"""Proof as a fleet (issue 23.8): real nginx with the deployment's own site file in front of two gunicorn
nodes, two RQ workers, one PostgreSQL database and one Redis of the test's own. Duplicate callback
deliveries spread over both nodes take effect once; a push run by both workers reaches every member
once; X-Forwarded-For cannot dodge the rate limit; the nodes' /metrics add up to the requests sent; a
node killed under load is invisible behind nginx."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import sqlalchemy as sa

from tests.faults.servers import free_port, wait_for_port
from tests.fleet.fleet import APPID, ROOT, TOKEN, Fleet, metric, require_fleet
from wechat import simulator


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    require_fleet()
    started = Fleet(tmp_path_factory.mktemp("fleet"))
    try:
        yield started
    finally:
        started.close()


def _seed(fleet, members: int, prefix: str):
    from models import Team
    from runtime.extensions import db
    from services.people import wechat_users
    from services.volunteering import projects
    from tests.factories import join, make_member, make_project_input, make_tree

    app = fleet.app()
    with app.app_context():
        tree = make_tree(db.session)
        team = db.session.scalar(sa.select(Team).where(Team.org_id == tree.community.id))
        people = []
        for i in range(members):
            person = make_member(db.session)
            join(db.session, person, team)
            wechat_users.bind(db.session, person.id, f"{prefix}{i}")
            people.append(person.id)
        street_team = db.session.scalar(sa.select(Team).where(Team.org_id == tree.street.id))
        project = projects.create_project(db.session, tree.community.id, team.id, make_project_input())
        projects.publish_project(db.session, tree.community.id, project.id)
        result = (street_team.code, project.id, street_team.id)
        db.engine.dispose()
    return app, result


def test_duplicate_deliveries_across_both_nodes_take_effect_once(fleet):
    from models import AuditEntry
    from runtime.extensions import db

    app, (street_code, _, street_team_id) = _seed(fleet, 1, "o_dup_")
    xml = simulator.build_xml("scan", "o_dup_0", key=f"team:{street_code}", created=1_796_000_000)
    signed = simulator.sign(xml, token=TOKEN, appid=APPID)
    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(lambda _: fleet.post("/wechat", params=signed.query, data=signed.body,
                                                     headers={"Connection": "close"}), range(24)))
    assert all(a.status_code == 200 for a in answers)
    assert {a.headers.get("X-Request-ID") is not None for a in answers} == {True}
    with app.app_context():
        joins = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "team.join", AuditEntry.target_id == street_team_id))
        db.engine.dispose()
    assert joins == 1


def test_a_push_run_by_two_workers_reaches_every_member_once(fleet):
    from runtime.extensions import db
    from services.push import runs

    app, (_, project_id, _) = _seed(fleet, 30, "o_push_")
    with app.app_context():
        for _ in range(2):
            runs.request_push(db.session, project_id, resend_unknown=True)
        db.engine.dispose()
    workers = [subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "jobs", "worker", "--burst"],
                                cwd=ROOT, env=fleet.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
               for _ in range(2)]
    for worker in workers:
        assert worker.wait(timeout=300) == 0
    sent = Counter(fleet.sandbox.sent_to())
    assert len([o for o in sent if o.startswith("o_push_")]) == 30 and max(sent.values()) == 1


def test_forwarded_for_cannot_dodge_the_rate_limit(fleet):
    codes = [fleet.post("/api/mp/v1/login", json={"code": f"dev:o_limit_{i}"},
                        headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code for i in range(34)]
    assert codes[:30] == [200] * 30 and 429 in codes[30:]


def test_the_nodes_metrics_add_up_to_the_requests_sent(fleet):
    def served() -> float:
        return sum(metric(requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text,
                           "qingchun_request_seconds_count", endpoint="health.livez")
                   for port, _ in fleet.nodes.values())

    before = served()
    for _ in range(40):
        assert fleet.get("/livez", headers={"Connection": "close"}).status_code == 200
    assert served() - before == 40


def test_a_node_killed_under_load_is_invisible_behind_nginx(fleet):
    answers: list[int] = []

    def load() -> None:
        for _ in range(150):
            answers.append(fleet.get("/livez", headers={"Connection": "close"}).status_code)

    runner = threading.Thread(target=load)
    runner.start()
    time.sleep(0.5)
    port, process = fleet.nodes["a"]
    os.killpg(process.pid, signal.SIGKILL)
    runner.join(timeout=120)
    assert len(answers) == 150 and set(answers) == {200}, Counter(answers)


def test_a_worker_serves_what_it_counts(fleet):
    """Push deliveries are counted in the worker that sends them; it serves them on its own port."""
    from runtime.extensions import db
    from services.push import runs

    app, (_, project_id, _) = _seed(fleet, 5, "o_counted_")
    port = free_port()
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "jobs", "worker"], cwd=ROOT,
                              env={**fleet.env, "WORKER_METRICS_PORT": str(port)}, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for_port(port, timeout=60)
        with app.app_context():
            runs.request_push(db.session, project_id)
            db.engine.dispose()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len([o for o in fleet.sandbox.sent_to() if o.startswith("o_counted_")]) < 5:
            time.sleep(0.2)
        text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
        assert metric(text, "qingchun_push_deliveries_total", channel="template", status="sent") == 5
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)


def test_the_scheduler_queues_the_periodic_work_for_the_workers(fleet):
    """The scheduler process queues the dashboard refresh every STATS_MAX_AGE_SECONDS (3 s here); a worker
    runs it: the dashboards' counts appear without anyone opening a dashboard."""
    from models import OrgStats
    from runtime.extensions import db

    app, _ = _seed(fleet, 2, "o_sched_")
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "jobs", "worker"], cwd=ROOT,
                              env=fleet.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        counted = 0
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not counted:
            with app.app_context():
                counted = db.session.scalar(sa.select(sa.func.count()).select_from(OrgStats)) or 0
                db.engine.dispose()
            time.sleep(0.5)
        assert counted > 0
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
