"""/metrics (issue 23.4): only for the monitoring network or a token; request latency by endpoint,
callback messages, dedup hits, sign-ins, the database pool; under gunicorn the workers add up."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.wechat.helpers import post

ROOT = Path(__file__).resolve().parents[1]


def _value(text: str, name: str, **labels) -> float:
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_metrics_are_for_the_monitoring_network_or_a_token(app, monkeypatch):
    client = app.test_client()
    assert client.get("/metrics").status_code == 200                        # the test client is 127.0.0.1
    outside = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert outside.status_code == 403
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "scrape-me")
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"},
                      headers={"Authorization": "Bearer scrape-me"}).status_code == 200


def test_requests_callback_messages_and_dedup_are_counted(app, session):
    client = app.test_client()
    before = client.get("/metrics").get_data(as_text=True)
    for _ in range(3):
        client.get("/livez")
    post(app, "click", "o_metrics", key="UNKNOWN", created=1_795_000_001)
    post(app, "click", "o_metrics", key="UNKNOWN", created=1_795_000_001)  # WeChat's retry
    after = client.get("/metrics").get_data(as_text=True)
    count = 'qingchun_request_seconds_count'
    assert _value(after, count, endpoint="health.livez") - _value(before, count, endpoint="health.livez") == 3
    assert _value(after, "qingchun_callback_messages_total", kind="event:click") - \
        _value(before, "qingchun_callback_messages_total", kind="event:click") == 2
    assert _value(after, "qingchun_dedup_hits_total") - _value(before, "qingchun_dedup_hits_total") == 1
    assert "qingchun_db_pool_connections" in after


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_workers_add_up_in_multiprocess_mode(tmp_path):
    from tests.conftest import DATA_KEY

    port, metrics_dir = _free_port(), tmp_path / "prom"
    metrics_dir.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "DATABASE_URL": f"sqlite:///{tmp_path}/g.db",
           "DATA_KEY": DATA_KEY, "SECRET_KEY": "metrics-test-secret", "REDIS_URL": ""}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
                               "app:create_app()"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{base}/livez", timeout=10).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.2)
        sent = 40
        for _ in range(sent):
            requests.get(f"{base}/livez", timeout=5, headers={"Connection": "close"})
        text = requests.get(f"{base}/metrics", timeout=5).text
        served = _value(text, "qingchun_request_seconds_count", endpoint="health.livez")
        assert served >= sent  # (+ the ones waiting for the start) all workers' files added up
        assert len({p.name.split("_")[-1] for p in metrics_dir.glob("*.db")}) >= 1
        assert re.search(r'qingchun_request_seconds_bucket\{.*endpoint="health.livez"', text)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
