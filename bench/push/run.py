"""bench/push: push one project to 10,000 followers through the sandbox, on PostgreSQL + Redis + RQ.

Side by side in one run, each repeated (medians reported):
  ceiling   — the same 10,000 template sends straight from wechatpy's client, no database, no queue;
  1 worker  — `flask --app app jobs worker --burst` (one process) running the push job;
  2 workers — two worker processes running two jobs for the same project at once (a double click).
Each push is a new project, so every run sends to all 10,000; afterwards every member must have
exactly one delivery, the sandbox must have received exactly one message per member, and the rows
must account for everyone (sent + failed + unknown = recipients).
Both channels (issue 27) in the same run: template messages and subscription notifications (bizsend,
every follower having accepted the template), each with its own ceiling.
Run: .venv/bin/python -m bench.push.run [--recipients 10000] [--repeat 3] [--channel template|subscribe|both]
Needs PostgreSQL (BENCH_DATABASE_URL, default a database "bench_push") and Redis (BENCH_REDIS_URL,
default db 12); the database is dropped and rebuilt.
"""
from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter

import sqlalchemy as sa
from cryptography.fernet import Fernet
from werkzeug.serving import make_server

from bench.common import ROOT, community_with_team, rebuild_database

PG = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench_push")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
SANDBOX_PORT = 8821
TEMPLATE = "cgi-bin/message/template/send"
ENDPOINTS = {"template": TEMPLATE, "subscribe": "cgi-bin/message/subscribe/bizsend"}


def env() -> dict:
    return {**os.environ, "DATABASE_URL": PG, "REDIS_URL": REDIS, "SECRET_KEY": "bench",
            "DATA_KEY": os.environ.get("BENCH_DATA_KEY") or Fernet.generate_key().decode(),
            "WECHAT_API_BASE_URL": f"http://127.0.0.1:{SANDBOX_PORT}", "PUSH_ON_PUBLISH": "0",
            "PUSH_RATE_PER_SECOND": "100000", "PUBLIC_BASE_URL": "http://127.0.0.1:8820"}


def start_sandbox(app):
    from wechat.sandbox import SandboxState, create_sandbox_app

    state = SandboxState(appid=app.config["WECHAT_APP_ID"], secret=app.config["WECHAT_APP_SECRET"])
    server = make_server("127.0.0.1", SANDBOX_PORT, create_sandbox_app(state), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return state, server


def seed(app, recipients: int) -> int:
    """A community team with ``recipients`` members bound to openids (bulk rows: the bench is the push)."""
    from models import Member, Sex, TeamMembership, utcnow
    from runtime.extensions import db, protector
    from tests.factories import FAST_HASH

    with app.app_context():
        community, team = community_with_team(db.session)
        now, rows = utcnow(), []
        for i in range(recipients):
            number, phone = f"11010119900101{i:04d}", f"135{i:08d}"
            rows.append(dict(name=f"团员{i}", id_number_enc=protector.encrypt(number),
                             id_number_hash=protector.lookup_hash("id", number), phone_enc=protector.encrypt(phone),
                             phone_hash=protector.lookup_hash("phone", phone), password_hash=FAST_HASH,
                             birth_date=dt.date(1990, 1, 1), sex=Sex.male, joined_league_on=dt.date(2005, 5, 1),
                             league_number=f"B{i:010d}", ethnicity="汉族", education="本科",
                             openid=f"o_bench_{i}", created_at=now))
        db.session.execute(sa.insert(Member), rows)
        ids = db.session.scalars(sa.select(Member.id).order_by(Member.id)).all()
        db.session.execute(sa.insert(TeamMembership), [
            dict(team_id=team.id, member_id=m, is_community=True, source="bench", joined_at=now, created_at=now)
            for m in ids])
        from models import Subscription  # every follower accepted the subscription notice

        db.session.execute(sa.insert(Subscription), [
            dict(openid=f"o_bench_{i}", template_id=app.config["PUSH_SUBSCRIBE_TEMPLATE_ID"], status="accept",
                 updated_at=now) for i in range(recipients)])
        db.session.commit()
        return community.id


def new_project(app, community_id: int, n: int) -> int:
    from runtime.extensions import db
    from services.volunteering import projects
    from tests.factories import make_project_input

    with app.app_context():
        team = db.session.scalar(sa.select(projects.Team).where(projects.Team.org_id == community_id))
        project = projects.create_project(db.session, community_id, team.id,
                                          make_project_input(title=f"推送压测项目 {n}"))
        projects.publish_project(db.session, community_id, project.id)
        return project.id


def ceiling(app, openids: list[str], channel: str) -> float:
    """The same sends straight from the client: what the sandbox and HTTP allow at all."""
    from services.push import channels
    from wechat.client import get_client

    with app.test_request_context():
        client = get_client()
        chosen = channels.Channel(channel, "sandbox_project_notice" if channel == "template"
                                       else app.config["PUSH_SUBSCRIBE_TEMPLATE_ID"])
        message = channels.build(chosen, {"thing1": "压测"}, "http://127.0.0.1/m/projects/x", None)
        started = time.perf_counter()
        for openid in openids:
            channels.send(client, chosen, openid, message)
        return len(openids) / (time.perf_counter() - started)


def pushed(app, community_id: int, n: int, workers: int, environment: dict) -> tuple[int, float]:
    from runtime.extensions import db
    from services.push import runs

    project_id = new_project(app, community_id, n)
    with app.app_context():
        for _ in range(workers):  # a second request while the first is queued: resend_unknown forces a new run
            runs.request_push(db.session, project_id, resend_unknown=True)
    started = time.perf_counter()
    processes = [subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "jobs", "worker", "--burst"],
                                  cwd=ROOT, env=environment) for _ in range(workers)]
    for process in processes:
        if process.wait(timeout=3600):
            raise RuntimeError("worker failed")
    return project_id, time.perf_counter() - started


def verify(app, project_id: int, state, recipients: int, before: int, channel: str) -> str | None:
    from models import PushDelivery
    from runtime.extensions import db

    with app.app_context():
        counts = Counter(dict(db.session.execute(sa.select(PushDelivery.status, sa.func.count()).where(
            PushDelivery.project_id == project_id).group_by(PushDelivery.status)).all()))
        members = db.session.scalar(sa.select(sa.func.count(sa.distinct(PushDelivery.member_id))).where(
            PushDelivery.project_id == project_id))
    received = Counter(state.sent_to(ENDPOINTS[channel])[before:])
    problems = []
    if sum(counts.values()) != recipients or members != recipients:
        problems.append(f"{sum(counts.values())} rows for {members} members")
    if counts.get("sent", 0) != recipients:
        problems.append(f"states {dict(counts)}")
    if len(received) != recipients or max(received.values()) != 1:
        problems.append(f"sandbox got {sum(received.values())} messages for {len(received)} openids")
    return "; ".join(problems) or None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--channel", choices=("template", "subscribe", "both"), default="both")
    args = parser.parse_args()
    environment = env()
    print("rebuilding the bench database …", flush=True)
    rebuild_database(PG, REDIS, environment)
    os.environ.update(environment)
    from app import create_app

    app = create_app()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the sandbox's access log would cost as much as it
    state, server = start_sandbox(app)
    community_id = seed(app, args.recipients)
    print(f"seeded {args.recipients} followers", flush=True)
    openids = [f"o_bench_{i}" for i in range(args.recipients)]
    channels = ("template", "subscribe") if args.channel == "both" else (args.channel,)
    results: dict[str, list[float]] = {f"{c} {label}": [] for c in channels
                                       for label in ("ceiling", "1 worker", "2 workers")}
    failures, n = [], 0
    for round_ in range(args.repeat):
        for channel in channels:  # alternating, so both see the same machine
            app.config["PUSH_CHANNEL"] = environment["PUSH_CHANNEL"] = channel
            before = len(state.sent)
            results[f"{channel} ceiling"].append(ceiling(app, openids, channel))
            del state.sent[before:]
            for label, workers in (("1 worker", 1), ("2 workers", 2)):
                n += 1
                before = len(state.sent_to(ENDPOINTS[channel]))
                project_id, seconds = pushed(app, community_id, n, workers, environment)
                results[f"{channel} {label}"].append(args.recipients / seconds)
                problem = verify(app, project_id, state, args.recipients, before, channel)
                if problem:
                    failures.append(f"{channel} {label} round {round_ + 1}: {problem}")
                print(f"  round {round_ + 1} {channel} {label}: {args.recipients / seconds:.0f} msg/s"
                      f" ({'ok' if not problem else problem})", flush=True)
    server.shutdown()
    medians = {label: statistics.median(values) for label, values in results.items()}
    print()
    for label, value in medians.items():
        print(f"{label:20s}: {value:.0f} messages/s (median of {args.repeat}; runs "
              f"{', '.join(f'{v:.0f}' for v in results[label])})")
    for channel in channels:
        top = medians[f"{channel} ceiling"]
        print(f"{channel:9s} ratio: 1 worker {medians[f'{channel} 1 worker'] / top:.2f}, "
              f"2 workers {medians[f'{channel} 2 workers'] / top:.2f} of the ceiling")
    print("exactly once, all accounted:", "yes" if not failures else "NO: " + "; ".join(failures))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
