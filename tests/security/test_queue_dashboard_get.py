"""Issue 39.11: rq-dashboard requeues a queue's failed jobs on ``GET /console/rq/requeue/<queue>``, which
passed no Origin check (only POSTs were checked): a link or an image on any page the city's coordinator
opened would requeue. Every state-changing view of the dashboard is POST-only, from this site."""
from __future__ import annotations

from rq import Queue
from rq.job import Job

from jobs.queue import QUEUE_NAME, connection
from tests.factories import make_account, make_tree
from tests.web import console_login


def _boom():
    raise RuntimeError("failed on purpose")


def test_a_get_never_requeues(app, session, pg_only):
    tree = make_tree(session)
    make_account(session, tree.city, "beijing")
    city = console_login(app, "beijing")
    with app.app_context():
        queue = Queue(QUEUE_NAME, connection=connection(app))
        job = Job.create(_boom, connection=queue.connection, origin=QUEUE_NAME)
        queue.failed_job_registry.add(job, exc_string="boom")
        assert queue.failed_job_registry.count == 1
        forged = city.get(f"/console/rq/requeue/{QUEUE_NAME}", headers={"Referer": "https://evil.example/"})
        assert forged.status_code == 405 and queue.failed_job_registry.count == 1
        plain = city.get(f"/console/rq/requeue/{QUEUE_NAME}")  # no Origin at all: still not by GET
        assert plain.status_code == 405 and queue.failed_job_registry.count == 1
        same_site = city.post(f"/console/rq/requeue/{QUEUE_NAME}", headers={"Origin": "http://localhost"})
        assert same_site.status_code == 200 and queue.failed_job_registry.count == 0
        queue.empty()
