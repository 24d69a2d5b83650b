"""bench/checkin: sign-in + sign-out through the mini-program API under gunicorn (2 workers) on
PostgreSQL + Redis, beside a bare Flask endpoint under the same gunicorn settings, measured with wrk in
alternating rounds (bench/wrk.py): the figure of record.

The members come in crowds of 64: the crowd signs in, then signs out, at the site (WGS-84 points with
an accuracy, converted to the site's GCJ-02 and checked against the fence), each with their own bearer
token, over 16 connections, a new connection per request. After every round every member must have
exactly one record, signed out and pending; the next round starts with no records.
Run: .venv/bin/python -m bench.checkin.run [--members 1500] [--rounds 5]
gunicorn with README's production settings (2 workers). Needs PostgreSQL (BENCH_DATABASE_URL, default
a database "bench_checkin") and Redis (BENCH_REDIS_URL, default db 13); the database is dropped and
rebuilt.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time

import sqlalchemy as sa
from cryptography.fernet import Fernet

from bench import wrk
from bench.common import CpuMeter, community_with_team, gunicorn_options, line, medians, rebuild_database, serve

PG = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench_checkin")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
CONNECTIONS = 16


def env() -> dict:
    return {**os.environ, "DATABASE_URL": PG, "REDIS_URL": REDIS, "SECRET_KEY": "bench",
            "DATA_KEY": os.environ.get("BENCH_DATA_KEY") or Fernet.generate_key().decode(),
            "PUBLIC_BASE_URL": "http://127.0.0.1:8811", "PUSH_ON_PUBLISH": "0"}


def seed(environment: dict, members: int) -> tuple[str, list[str]]:
    """A community team with a project on now, ``members`` enrolled volunteers and an API session each."""
    os.environ.update(environment)
    from app import create_app
    from models import utcnow
    from runtime.extensions import db
    from services.organisations import joining
    from services.people import mp_sessions
    from services.people.idcard import make_id_number
    from services.volunteering import enrolment, projects
    from tests.factories import make_member, make_project_input

    app = create_app()
    tokens = []
    with app.app_context():
        community, team = community_with_team(db.session)
        start = utcnow() - dt.timedelta(minutes=10)
        project = projects.create_project(db.session, community.id, team.id, make_project_input(
            starts_at=start, ends_at=start + dt.timedelta(hours=4), radius_m=300))
        projects.publish_project(db.session, community.id, project.id)
        for i in range(members):
            born = dt.date(1990, 1, 1) + dt.timedelta(days=i)
            member = make_member(db.session, phone=f"135{i:08d}", born=born,
                                 id_number=make_id_number("110101", born, i % 100, i % 2 == 0))
            joining.join_team(db.session, member.id, team.id, source="bench")
            enrolment.enrol(db.session, member.id, project.id)
            token, _ = mp_sessions.create(db.session, openid=f"o_mp_{i}", unionid=None, member_id=member.id)
            tokens.append(token)
            if (i + 1) % 500 == 0:
                print(f"  seeded {i + 1}/{members} members", flush=True)
        code = project.code
        db.engine.dispose()
    return code, tokens


CROWD = 64  # members signing in together before they sign out: four times the connections, so a
# member's sign-out is never sent while their sign-in is still in flight


def work(code: str, tokens: list[str]) -> list[bytes]:
    import geo
    from tests.factories import SITE

    lat, lng = geo.convert(SITE[0], SITE[1], "gcj02", "wgs84")
    body = json.dumps({"lat": lat, "lng": lng, "accuracy": 25, "coord_type": "wgs84"}).encode()
    out = []
    for first in range(0, len(tokens), CROWD):
        crowd = tokens[first:first + CROWD]
        out += [wrk.raw("POST", f"/api/mp/v1/projects/{code}/{action}", body=body,
                        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
                for action in ("signin", "signout") for token in crowd]
    return out


def warm_up(tokens: list[str]) -> dict[str, list[bytes]]:
    """Read-only calls, so both servers' workers are up and their pools open before a round."""
    return {"bare": [wrk.raw("GET", "/")] * 200,
            "api": [wrk.raw("GET", "/api/mp/v1/me/hours", headers={"Authorization": f"Bearer {token}"})
                    for token in tokens[:200]]}


def once(engine: sa.Engine, members: int) -> tuple[bool, str]:
    with engine.connect() as conn:
        total, distinct, pending, worst = conn.execute(sa.text(
            "SELECT count(*), count(DISTINCT member_id), count(*) FILTER (WHERE status = 'pending' "
            "AND signout_at IS NOT NULL), coalesce(max(n), 0) FROM service_records "
            "JOIN (SELECT member_id m, count(*) n FROM service_records GROUP BY member_id) c ON c.m = member_id")).one()
    ok = total == distinct == pending == members and worst == 1
    return ok, f"{total} records for {distinct} members ({members} expected), {pending} signed out and pending, " \
               f"at most {worst} each"


def reset(engine: sa.Engine) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("DELETE FROM service_records"))
        conn.execute(sa.text("VACUUM ANALYZE service_records"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    environment = env()
    print("rebuilding the bench database …", flush=True)
    rebuild_database(PG, REDIS, environment)
    code, tokens = seed(environment, args.members)
    requests = work(code, tokens)
    engine = sa.create_engine(PG)
    ports = {"bare Flask": 8812, "sign in/out": 8811}
    targets = {"bare Flask": "bench.checkin.bare_app:create_app()", "sign in/out": "app:create_app()"}
    servers = {label: serve(targets[label], port, environment) for label, port in ports.items()}
    rounds: list[dict] = []
    failures: list[str] = []
    settings = " ".join(["gunicorn", *gunicorn_options()])
    print(f"\n{settings}, wrk -t1 -c{wrk.CONNECTIONS}, a new connection per request, {len(requests)} requests "
          f"a round, {args.rounds} rounds", flush=True)
    try:
        warm = warm_up(tokens)
        wrk.run(ports["bare Flask"], warm["bare"])
        wrk.run(ports["sign in/out"], warm["api"])
        for round_no in range(1, args.rounds + 1):
            reset(engine)
            measured = {}
            for label, port in ports.items():
                with CpuMeter(servers[label]) as meter:
                    measured[label] = wrk.run(port, requests)
                measured[label]["cpu"] = meter.line(len(requests))
                print(f"round {round_no} " + line(label, measured[label]) + "\n        " + measured[label]["cpu"],
                      flush=True)
            time.sleep(0.5)  # the last answers wrk did not wait for
            ok, state = once(engine, args.members)
            errors = measured["bare Flask"]["errors"] + measured["sign in/out"]["errors"]
            print(f"        {state}; errors: {len(errors)} {errors[:3]}", flush=True)
            if not ok or errors:
                failures.append(f"round {round_no}: {state}; {errors[:3]}")
            rounds.append(measured)
    finally:
        for server in servers.values():
            server.terminate()
            server.wait()
    print(f"\nmedians of {args.rounds} rounds ({settings}, wrk -t1 -c{wrk.CONNECTIONS}):")
    for label in ports:
        print("  " + line(label, medians([r[label] for r in rounds])))
    ratios = [r["sign in/out"]["rps"] / r["bare Flask"]["rps"] for r in rounds]
    print(f"  ratio         : {statistics.median(ratios):.2f} of the bare endpoint's throughput (rounds: "
          + ", ".join(f"{ratio:.2f}" for ratio in ratios) + ")")
    print("  exactly once  :", "yes, every round" if not failures else "NO: " + "; ".join(failures))
    sys.exit(0 if not failures else 1)


if __name__ == "__main__":
    main()
