"""bench/callback: the real /wechat callback under gunicorn (2 workers) on PostgreSQL + Redis, beside a
minimal wechatpy echo under the same gunicorn settings, in one run.

Load: 16 connections, each request on a new one (as nginx opens them towards gunicorn; kept-alive
connections stay with the worker that accepted them, which left one worker with all the load); half
the requests are team scans from distinct openids (each joins once), half are text commands (时长)
from bound members. Where the machine's CPU went is printed beside each figure. Afterwards every
scanning member must be in the team exactly once.
Run: .venv/bin/python -m bench.callback.run [--members 1500] [--requests 3000] [--threads 4]
Needs PostgreSQL (BENCH_DATABASE_URL, default a database "bench_callback" on the local server) and
Redis (BENCH_REDIS_URL, default db 14); the database is dropped and rebuilt.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.common import Call, CpuMeter, line, load, rebuild_database, serve, split  # noqa: E402
from wechat import simulator  # noqa: E402

PG = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench_callback")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
TOKEN = "bench-token"
CONNECTIONS = 16


def env() -> dict:
    return {**os.environ, "DATABASE_URL": PG, "REDIS_URL": REDIS, "SECRET_KEY": "bench", "WECHAT_TOKEN": TOKEN,
            "DATA_KEY": os.environ.get("BENCH_DATA_KEY") or Fernet.generate_key().decode(),
            "WECHAT_APP_ID": "wxbench000000000", "PUBLIC_BASE_URL": "http://127.0.0.1:8801"}


def seed(environment: dict, members: int) -> str:
    """A community team and ``members`` bound volunteers; returns the team's code."""
    os.environ.update(environment)
    from app import create_app
    from extensions import db
    from services import orgs, wechat_users
    from services.idcard import make_id_number
    from tests.factories import make_member

    app = create_app()
    with app.app_context():
        city = orgs.create_organization(db.session, None, "北京团市委", "city")
        district = orgs.create_organization(db.session, city.id, "东城区团委", "district")
        street = orgs.create_organization(db.session, district.id, "东华门街道团工委", "street", category="urban")
        community = orgs.create_organization(db.session, street.id, "多福巷社区团组织", "community")
        from models import Team

        code = db.session.scalar(sa.select(Team.code).where(Team.org_id == community.id))
        for i in range(members):
            born = dt.date(1990, 1, 1) + dt.timedelta(days=i)
            member = make_member(db.session, phone=f"136{i:08d}", born=born,
                                 id_number=make_id_number("110101", born, i % 100, i % 2 == 0))
            wechat_users.bind(db.session, member.id, f"o_bench_{i:06d}")
            if (i + 1) % 500 == 0:
                print(f"  seeded {i + 1}/{members} members", flush=True)
        db.engine.dispose()
    return code


def payloads(code: str, members: int, total: int) -> list[tuple[dict, bytes, str]]:
    out = []
    created = int(time.time())
    for i in range(total):
        openid = f"o_bench_{(i // 2) % members:06d}"
        if i % 2 == 0:
            xml, kind = simulator.build_xml("scan", openid, key=f"team:{code}", created=created + i), "scan"
        else:
            xml, kind = simulator.build_xml("text", openid, content="时长", msg_id=10**12 + i), "text"
        signed = simulator.sign(xml, token=TOKEN, appid="wxbench000000000")
        out.append((signed.query, signed.body, kind))
    return out


def harmless(count: int) -> list[Call]:
    """时长 from bound members: read only, so no effect on what is measured; the same warm-up for both
    servers (both workers started, database connections open)."""
    out = []
    for i in range(count):
        xml = simulator.build_xml("text", f"o_bench_{i:06d}", content="时长", msg_id=5 * 10**12 + i)
        signed = simulator.sign(xml, token=TOKEN, appid="wxbench000000000")
        out.append(Call("/wechat", signed.body, params=signed.query))
    return out


def _xml(response) -> bool:
    return response.status_code == 200 and "<xml>" in response.text


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1500)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker, for both servers")
    args = parser.parse_args()
    environment = env()
    print("rebuilding the bench database …", flush=True)
    rebuild_database(PG, REDIS, environment)
    code = seed(environment, args.members)
    work = payloads(code, args.members, min(args.requests, args.members * 2))
    calls = [Call("/wechat", body, params=query) for query, body, _ in work]
    lanes = split(calls, CONNECTIONS)
    warm_up = split(harmless(200), CONNECTIONS)
    measured = {}
    for label, target, port in (("echo", "bench.callback.echo_app:create_app()", 8802),
                                ("callback", "app:create_app()", 8801)):
        server = serve(target, port, environment, threads=args.threads)
        try:
            load(port, warm_up, ok=_xml, close=True)  # both workers up, pools and caches warm
            with CpuMeter(server) as meter:
                measured[label] = load(port, lanes, ok=_xml, close=True)
            measured[label]["cpu"] = meter.line(len(calls))
        finally:
            server.terminate()
            server.wait()
    baseline, result = measured["echo"], measured["callback"]
    os.environ.update(environment)
    engine = sa.create_engine(PG)
    with engine.connect() as conn:
        per_member = conn.execute(sa.text(
            "SELECT count(*), count(DISTINCT member_id), max(n) FROM (SELECT member_id, count(*) n "
            "FROM team_memberships WHERE left_at IS NULL GROUP BY member_id) t")).one()
    scans = sum(1 for _, _, kind in work if kind == "scan")
    print(f"\ngunicorn -w 2 -k gthread --threads {args.threads}, {CONNECTIONS} connections, {len(calls)} requests")
    print(line("echo baseline", baseline) + "\n                " + baseline["cpu"])
    print(line("/wechat", result) + "\n                " + result["cpu"])
    print(f"ratio         : {result['rps'] / baseline['rps']:.2f} of the echo's throughput")
    print(f"memberships   : {per_member[0]} members joined (scans sent: {scans}), at most {per_member[2]} each")
    print(f"errors        : echo {len(baseline['errors'])}, callback {len(result['errors'])} {result['errors'][:3]}")
    ok = per_member[0] == scans and per_member[2] == 1 and not result["errors"]
    print("exactly once  :", "yes" if ok else "NO")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
