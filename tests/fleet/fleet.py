"""The production shape on one machine, for the fleet tests and bench/eventday: real nginx with the
deployment's own site file in front of gunicorn nodes, RQ workers and the scheduler, a PostgreSQL
database and a Redis of its own, and the WeChat API sandbox. Every process is started here and can be
killed and started again, so faults are the real thing (a SIGKILLed node, a hung Redis, the database's
connections cut); the machine's own services are never stopped."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests
import sqlalchemy as sa
from cryptography.fernet import Fernet
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.conftest import PG_URL
from tests.faults.servers import OwnRedis, Proxy, free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "fleet-wechat-token"
APPID = "wxfleet0000000000"


def require_fleet() -> None:
    """PostgreSQL and nginx, or the test is skipped (a failure under REQUIRE_SERVICES=1)."""
    import shutil

    import pytest

    from tests.conftest import REQUIRE_SERVICES, require_service

    require_service("postgresql")
    if shutil.which("nginx") is None:
        if REQUIRE_SERVICES:
            pytest.fail("REQUIRE_SERVICES=1 but nginx is not installed")
        pytest.skip("nginx is not installed; `make test` installs it")


def metric(text: str, name: str, **labels) -> float:
    """The sum of a Prometheus metric's samples with these labels, from a /metrics page."""
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith(name) and all(f'{k}="{v}"' in line for k, v in labels.items()))


class _Quiet(WSGIRequestHandler):
    """The sandbox answers thousands of pushes: no line for each."""

    def log_request(self, *args) -> None:
        pass


class Fleet:
    """``database``: the PostgreSQL database made afresh for it. ``through_proxy``: the nodes reach
    PostgreSQL through a TCP proxy (``self.database_proxy``) whose cut is a database restart.
    ``access_format``: an nginx log_format for the site's access log (the bench reads timings there)."""

    def __init__(self, tmp: Path, *, database: str = "qingchun_fleet", env: dict | None = None,
                 through_proxy: bool = False, access_format: str | None = None, nodes: int = 2,
                 scheduler: bool = True) -> None:
        self.tmp, self.database, self.processes, self.nodes = tmp, database, [], {}
        self.named: dict[str, subprocess.Popen] = {}
        self.access_format = access_format
        self.redis = OwnRedis()
        self.redis.start()
        url = sa.engine.make_url(PG_URL)
        self.direct_url = url.set(database=database).render_as_string(hide_password=False)
        self.database_proxy = Proxy(url.port or 5432) if through_proxy else None
        nodes_url = url.set(database=database, host="127.0.0.1", port=self.database_proxy.port) \
            if self.database_proxy else url.set(database=database)
        self.database_url = nodes_url.render_as_string(hide_password=False)
        admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{database}"'))
        admin.dispose()
        from wechat.sandbox import SandboxState, create_sandbox_app

        self.sandbox = SandboxState(appid=APPID, secret="fleet-secret", miniprogram_appid="wxminiprogram0001")
        self.sandbox_server = make_server("127.0.0.1", 0, create_sandbox_app(self.sandbox), threaded=True,
                                          request_handler=_Quiet)
        threading.Thread(target=self.sandbox_server.serve_forever, daemon=True).start()
        self.env = {**os.environ, "DATABASE_URL": self.database_url, "REDIS_URL": self.redis.url,
                    "DATA_KEY": Fernet.generate_key().decode(), "SECRET_KEY": "fleet-secret-key-" + "x" * 20,
                    "WECHAT_TOKEN": TOKEN, "WECHAT_APP_ID": APPID, "WECHAT_APP_SECRET": "fleet-secret",
                    "WECHAT_ENCODING_AES_KEY": "", "WECHAT_MESSAGE_MODE": "plain",
                    "WECHAT_API_BASE_URL": f"http://127.0.0.1:{self.sandbox_server.server_port}",
                    "TRUSTED_PROXIES": "1", "PUSH_ON_PUBLISH": "0", "PUSH_RATE_PER_SECOND": "1000",
                    "LOG_FORMAT": "json", "PUBLIC_BASE_URL": "https://127.0.0.1", "STATS_MAX_AGE_SECONDS": "3",
                    **(env or {})}
        subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"], cwd=ROOT,
                       env={**self.env, "DATABASE_URL": self.direct_url}, check=True, capture_output=True,
                       timeout=120)
        for name in "abcdefgh"[:nodes]:
            self.start_node(name)
        self.start_nginx()
        if scheduler:  # one for the fleet
            self.start_job_process("scheduler", "scheduler")

    def start_job_process(self, name: str, kind: str, *extra: str, env: dict | None = None) -> subprocess.Popen:
        """``flask jobs worker`` or ``flask jobs scheduler`` under ``name`` (kill_process takes it)."""
        with self._log(name) as log:
            process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "jobs", kind, *extra],
                                       cwd=ROOT, env={**self.env, **(env or {})}, stdout=log,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(process)
        self.named[name] = process
        return process

    def _log(self, name: str):
        """Where a process's log goes: tmp/logs/<name>.log, appended to across restarts (the child keeps
        its own descriptor; this one is closed once it is started)."""
        folder = self.tmp / "logs"
        folder.mkdir(exist_ok=True)
        return open(folder / f"{name.replace(' ', '-')}.log", "ab")

    def kill_process(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.named[name]
        if process.poll() is None:
            os.killpg(process.pid, sig)
            process.wait(timeout=30)

    def start_node(self, name: str) -> None:
        port, metrics = (self.nodes[name][0] if name in self.nodes else free_port()), self.tmp / f"metrics-{name}"
        metrics.mkdir(exist_ok=True)
        for stale in metrics.iterdir():  # a node started again counts afresh, as on a new host
            stale.unlink()
        with self._log(f"node {name}") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "-w", "2", "-b",
                 f"127.0.0.1:{port}", "app:create_app()"], cwd=ROOT,
                env={**self.env, "PROMETHEUS_MULTIPROC_DIR": str(metrics)}, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        self.processes.append(process)
        self.nodes[name] = (port, process)
        self.named[f"node {name}"] = process
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
        if self.access_format:
            head += f"log_format fleet_bench '{self.access_format}';\n"
            tls = tls.replace("qingchun-access.log qingchun;", "qingchun-access.log fleet_bench;")
        upstream = "upstream qingchun_web {\n" + "".join(
            f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;\n" for port, _ in self.nodes.values()) + \
            "    keepalive 32;\n}\n"
        (self.tmp / "logs").mkdir(exist_ok=True)
        (self.tmp / "nginx.conf").write_text(
            f"pid {self.tmp}/nginx.pid;\nerror_log {self.tmp}/logs/error.log;\ndaemon off;\n"
            "events { worker_connections 1024; }\n"
            f"http {{\n access_log {self.tmp}/logs/access.log;\n client_body_temp_path {self.tmp}/body;\n"
            f" proxy_temp_path {self.tmp}/proxy;\n{upstream}{head}{tls}\n}}\n")
        nginx = subprocess.Popen(["nginx", "-p", str(self.tmp), "-c", str(self.tmp / "nginx.conf")],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self.processes.append(nginx)
        wait_for_port(self.port)

    @property
    def access_log(self) -> Path:
        return self.tmp / "logs" / "qingchun-access.log"

    def url(self, path: str) -> str:
        return f"https://127.0.0.1:{self.port}{path}"

    def get(self, path: str, **kwargs) -> requests.Response:
        return requests.get(self.url(path), verify=self.cert, timeout=10, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return requests.post(self.url(path), verify=self.cert, timeout=10, **kwargs)

    def app(self):
        """The fleet's database from this process (directly, not through the proxy), for seeding and
        checking."""
        from app import create_app

        own = {**self.env, "DATABASE_URL": self.direct_url}
        keep = {k: os.environ.get(k) for k in own}
        os.environ.update({k: v for k, v in own.items() if k != "PROMETHEUS_MULTIPROC_DIR"})
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
                process.wait(timeout=20)
        self.sandbox_server.shutdown()
        self.redis.close()
        if self.database_proxy:
            self.database_proxy.close()
        admin = sa.create_engine(sa.engine.make_url(PG_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)'))
        admin.dispose()

