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
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from cryptography.fernet import Fernet
from werkzeug.serving import make_server

from tests.conftest import PG_URL, require_service
from tests.faults.servers import OwnRedis, free_port, wait_for_port
from wechat import simulator

ROOT = Path(__file__).resolve().parents[2]
DATABASE = "qingchun_fleet"
TOKEN = "fleet-wechat-token"


def _metric(text: str, name: str, **labels) -> float:
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith(name) and all(f'{k}="{v}"' in line for k, v in labels.items()))


class Fleet:
    def __init__(self, tmp: Path) -> None:
        self.tmp, self.processes, self.nodes = tmp, [], {}
        self.redis = OwnRedis()
        self.redis.start()
        url = sa.engine.make_url(PG_URL)
        self.database_url = url.set(database=DATABASE).render_as_string(hide_password=False)
        admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{DATABASE}"'))
        admin.dispose()
        from wechat.sandbox import SandboxState, create_sandbox_app

        self.sandbox = SandboxState(appid="wxfleet0000000000", secret="fleet-secret",
                                    miniprogram_appid="wxminiprogram0001")
        self.sandbox_server = make_server("127.0.0.1", 0, create_sandbox_app(self.sandbox), threaded=True)
        threading.Thread(target=self.sandbox_server.serve_forever, daemon=True).start()
        self.env = {**os.environ, "DATABASE_URL": self.database_url, "REDIS_URL": self.redis.url,
                    "DATA_KEY": Fernet.generate_key().decode(), "SECRET_KEY": "fleet-secret-key-" + "x" * 20,
                    "WECHAT_TOKEN": TOKEN, "WECHAT_APP_ID": "wxfleet0000000000", "WECHAT_APP_SECRET": "fleet-secret",
                    "WECHAT_ENCODING_AES_KEY": "", "WECHAT_MESSAGE_MODE": "plain",
                    "WECHAT_API_BASE_URL": f"http://127.0.0.1:{self.sandbox_server.server_port}",
                    "TRUSTED_PROXIES": "1", "PUSH_ON_PUBLISH": "0", "PUSH_RATE_PER_SECOND": "1000",
                    "LOG_FORMAT": "json", "PUBLIC_BASE_URL": "https://127.0.0.1", "STATS_MAX_AGE_SECONDS": "3"}
        subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"], cwd=ROOT, env=self.env,
                       check=True, capture_output=True, timeout=120)
        for name in ("a", "b"):
            self.start_node(name)
        self.start_nginx()
        self.processes.append(subprocess.Popen(  # the scheduler: one for the fleet
            [sys.executable, "-m", "flask", "--app", "app", "jobs", "scheduler"], cwd=ROOT, env=self.env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))

    def start_node(self, name: str) -> None:
        port, metrics = free_port(), self.tmp / f"metrics-{name}"
        metrics.mkdir()
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "-w", "2", "-b", f"127.0.0.1:{port}",
             "app:create_app()"], cwd=ROOT,
            env={**self.env, "PROMETHEUS_MULTIPROC_DIR": str(metrics)}, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True)
        self.processes.append(process)
        self.nodes[name] = (port, process)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/readyz", timeout=10).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError(f"node {name} did not become ready")

    def start_nginx(self) -> None:
        deploy = ROOT / "deploy"
        self.port = free_port()
        ssl = self.tmp / "ssl"
        ssl.mkdir()
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                        "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(ssl / "privkey.pem"),
                        "-out", str(ssl / "fullchain.pem")], check=True, capture_output=True)
        self.cert = str(ssl / "fullchain.pem")
        site = (deploy / "nginx" / "site.conf").read_text()
        site = site.split("server {", 2)  # [head, the port-80 redirect, the TLS server]
        tls = "server {" + site[2]
        tls = (tls.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{self.port} ssl http2;")
               .replace("listen [::]:443 ssl http2;", "")
               .replace("/etc/ssl/qingchun", str(ssl)).replace("/var/log/nginx/", f"{self.tmp}/logs/")
               .replace("/etc/nginx/qingchun-proxy-params", str(deploy / "nginx" / "proxy_params"))
               .replace("/srv/qingchun/static/", str(ROOT / "static") + "/"))
        head = site[0].replace("include /etc/nginx/qingchun-upstream.conf;", "")
        upstream = "upstream qingchun_web {\n" + "".join(
            f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;\n" for port, _ in self.nodes.values()) + \
            "    keepalive 32;\n}\n"
        (self.tmp / "logs").mkdir()
        (self.tmp / "nginx.conf").write_text(
            f"pid {self.tmp}/nginx.pid;\nerror_log {self.tmp}/logs/error.log;\ndaemon off;\n"
            "events { worker_connections 256; }\n"
            f"http {{\n access_log {self.tmp}/logs/access.log;\n client_body_temp_path {self.tmp}/body;\n"
            f" proxy_temp_path {self.tmp}/proxy;\n{upstream}{head}{tls}\n}}\n")
        nginx = subprocess.Popen(["nginx", "-p", str(self.tmp), "-c", str(self.tmp / "nginx.conf")],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self.processes.append(nginx)
        wait_for_port(self.port)

    def url(self, path: str) -> str:
        return f"https://127.0.0.1:{self.port}{path}"

    def get(self, path: str, **kwargs) -> requests.Response:
        return requests.get(self.url(path), verify=self.cert, timeout=10, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return requests.post(self.url(path), verify=self.cert, timeout=10, **kwargs)

    def app(self):
        """The fleet's database from this process, for seeding and checking."""
        from app import create_app

        keep = {k: os.environ.get(k) for k in self.env}
        os.environ.update({k: v for k, v in self.env.items() if k != "PROMETHEUS_MULTIPROC_DIR"})
        try:
            return create_app()
        finally:
            for k, v in keep.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    def close(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        self.sandbox_server.shutdown()
        self.redis.close()
        admin = sa.create_engine(sa.engine.make_url(PG_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    require_service("postgresql")
    import shutil

    if shutil.which("nginx") is None:
        from tests.conftest import REQUIRE_SERVICES

        if REQUIRE_SERVICES:
            pytest.fail("REQUIRE_SERVICES=1 but nginx is not installed")
        pytest.skip("nginx is not installed; `make test` installs it")
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
    signed = simulator.sign(xml, token=TOKEN, appid="wxfleet0000000000")
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
        return sum(_metric(requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text,
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
        assert _metric(text, "qingchun_push_deliveries_total", channel="template", status="sent") == 5
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
