"""Prometheus metrics at /metrics (prometheus_client), reachable only from METRICS_NETWORKS or with
METRICS_TOKEN as a bearer token.

Under gunicorn every worker process counts on its own; with PROMETHEUS_MULTIPROC_DIR set (the units
and compose set it) prometheus_client's multiprocess mode adds the workers' files up at scrape time,
so one node's /metrics is the node. What is counted: request latency by endpoint, callback messages by
kind and outcome, exactly-once dedup hits, sign-ins, push deliveries by status; read at scrape time:
RQ queue depth and failed jobs, and the database pool's connections in use (this process)."""
from __future__ import annotations

import ipaddress
import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from flask import Flask, Response, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

if TYPE_CHECKING:
    from rq import Queue

REQUEST_SECONDS = Histogram("qingchun_request_seconds", "Request latency by endpoint",
                            ["endpoint", "method", "status"],
                            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
CALLBACK_MESSAGES = Counter("qingchun_callback_messages_total", "WeChat callback messages",
                            ["kind", "outcome"])
DEDUP_HITS = Counter("qingchun_dedup_hits_total", "Callback deliveries answered from the exactly-once store")
SIGNINS = Counter("qingchun_checkins_total", "Sign-ins and sign-outs", ["action", "result"])
PUSH_DELIVERIES = Counter("qingchun_push_deliveries_total", "Push deliveries settled", ["channel", "status"])


class _LiveCollector:
    """Numbers read when scraped: RQ's queue depth and failed jobs, the database pool in use."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.queue = app.extensions.get("metrics_queue")  # the app hands it over: jobs/ is above runtime/

    def collect(self):
        pool = GaugeMetricFamily("qingchun_db_pool_connections", "Database connections of this process",
                                 labels=["state"])
        with self.app.app_context():
            from runtime.extensions import db

            engine_pool = db.engine.pool
            for state, reader in (("in_use", "checkedout"), ("idle", "checkedin")):
                value = getattr(engine_pool, reader, None)
                if value is not None:
                    pool.add_metric([state], value())
            yield pool
            if self.app.config.get("REDIS_URL") and self.queue is not None:
                queued = GaugeMetricFamily("qingchun_rq_jobs", "RQ jobs by state", labels=["state"])
                try:
                    q = self.queue(self.app)
                    queued.add_metric(["queued"], q.count)
                    queued.add_metric(["failed"], q.failed_job_registry.count)
                except Exception:  # noqa: BLE001 - Redis down: the metric is absent, the scrape still works
                    return
                yield queued


def _allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    if token and request.headers.get("Authorization") == f"Bearer {token}":
        return True
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net) for net in current_app.config["METRICS_NETWORKS"])


def exposition(app: Flask) -> bytes:
    """The counters (all gunicorn workers' in multiprocess mode) and the numbers read now."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)
    else:
        from prometheus_client import REGISTRY as counted
    live = CollectorRegistry()
    live.register(_LiveCollector(app))
    return generate_latest(counted) + generate_latest(live)


def register_metrics(app: Flask, *, queue: Callable[[Flask], Queue] | None = None) -> None:
    """``queue``: the RQ queue of ``app`` whose depth is read at each scrape (jobs.queue.queue)."""
    app.extensions["metrics_queue"] = queue

    @app.before_request
    def start_timer() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def observe(response):
        started = g.pop("metrics_started", None)
        if started is not None and request.endpoint != "metrics":
            REQUEST_SECONDS.labels(request.endpoint or "unmatched", request.method,
                                   str(response.status_code)).observe(time.perf_counter() - started)
        return response

    @app.get("/metrics", endpoint="metrics")
    def metrics():
        if not _allowed():
            return Response("metrics are for the monitoring network\n", status=403, mimetype="text/plain")
        return Response(exposition(app), mimetype=CONTENT_TYPE_LATEST)
