"""bench/checkin: sign-in + sign-out through the mini-program API under gunicorn (2 workers) on
PostgreSQL + Redis, beside a bare Flask endpoint under the same gunicorn settings, in one run.

Each of 16 connections plays members in turn: sign in, then sign out, at the site (WGS-84 points
with an accuracy, converted to the site's GCJ-02 and checked against the fence). Afterwards every
member must have exactly one record, signed out and pending.
Run: .venv/bin/python -m bench.checkin.run [--members 1500] [--client requests|plain]
gunicorn with README's production settings (2 workers), each request on a new connection (as nginx
opens them); the load client matters on a small machine, where it shares the CPU with the servers
(bench/README.md, bench/callback).
Needs PostgreSQL (BENCH_DATABASE_URL, default a database "bench_checkin") and Redis (BENCH_REDIS_URL,
default db 13); the database is dropped and rebuilt.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys

import sqlalchemy as sa
from cryptography.fernet import Fernet

from bench.common import (
    CLIENTS,
    Call,
    community_with_team,
    gunicorn_options,
    line,
    load,
    rebuild_database,
    serve,
    split,
)

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
    from extensions import db
    from models import utcnow
    from services import enrolment, mp_sessions, projects, teams
    from services.idcard import make_id_number
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
            teams.join_team(db.session, member.id, team.id, source="bench")
            enrolment.enrol(db.session, member.id, project.id)
            token, _ = mp_sessions.create(db.session, openid=f"o_mp_{i}", unionid=None, member_id=member.id)
            tokens.append(token)
            if (i + 1) % 500 == 0:
                print(f"  seeded {i + 1}/{members} members", flush=True)
        code = project.code
        db.engine.dispose()
    return code, tokens


def lanes(code: str, tokens: list[str]) -> list[list[Call]]:
    import geo
    from tests.factories import SITE

    lat, lng = geo.convert(SITE[0], SITE[1], "gcj02", "wgs84")
    body = json.dumps({"lat": lat, "lng": lng, "accuracy": 25, "coord_type": "wgs84"}).encode()
    per_member = [[Call(f"/api/mp/v1/projects/{code}/{action}", body,
                        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
                   for action in ("signin", "signout")] for token in tokens]
    return [[call for member in group for call in member] for group in split(per_member, CONNECTIONS)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1500)
    parser.add_argument("--client", choices=sorted(CLIENTS), default="requests", help="the load client (bench.common)")
    args = parser.parse_args()
    environment = env()
    print("rebuilding the bench database …", flush=True)
    rebuild_database(PG, REDIS, environment)
    code, tokens = seed(environment, args.members)
    work = lanes(code, tokens)
    bare = serve("bench.checkin.bare_app:create_app()", 8812, environment)
    try:
        load(8812, split([c for lane in work for c in lane][:200], CONNECTIONS), close=True)  # warm-up
        baseline = load(8812, work, close=True, client=args.client)
    finally:
        bare.terminate()
        bare.wait()
    real = serve("app:create_app()", 8811, environment)
    try:
        result = load(8811, work, close=True, client=args.client)
    finally:
        real.terminate()
        real.wait()
    engine = sa.create_engine(PG)
    with engine.connect() as conn:
        total, members, pending, worst = conn.execute(sa.text(
            "SELECT count(*), count(DISTINCT member_id), count(*) FILTER (WHERE status = 'pending' "
            "AND signout_at IS NOT NULL), coalesce(max(n), 0) FROM service_records "
            "JOIN (SELECT member_id m, count(*) n FROM service_records GROUP BY member_id) c ON c.m = member_id")).one()
    print(f"\n{' '.join(['gunicorn', *gunicorn_options()])}, {CONNECTIONS} connections, load client {args.client}")
    print(line("bare Flask", baseline))
    print(line("sign in/out", result))
    print(f"ratio         : {result['rps'] / baseline['rps']:.2f} of the bare endpoint's throughput")
    print(f"records       : {total} for {members} members ({args.members} expected), {pending} signed out "
          f"and pending, at most {worst} per member")
    print(f"errors        : bare {len(baseline['errors'])}, api {len(result['errors'])} {result['errors'][:3]}")
    ok = total == members == pending == args.members and worst == 1 and not result["errors"]
    print("exactly once  :", "yes" if ok else "NO")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
