"""bench/callback: the real /wechat callback under gunicorn (2 workers) on PostgreSQL + Redis, beside a
minimal wechatpy echo under the same gunicorn settings, in one run.

Load: 16 connections, each request on a new one (as nginx opens them towards gunicorn; kept-alive
connections stay with the worker that accepted them, which left one worker with all the load); half
the requests are team scans from distinct openids (each joins once), half are text commands (时长)
from bound members. Where the machine's CPU went is printed beside each figure. The two servers run
side by side and are measured in turn, several rounds, and the medians reported: this machine's speed
drifts by ±20 % within minutes, so one pair of figures proves little. Every round starts with nobody
joined, and afterwards every scanning member must be in the team exactly once.
Run: .venv/bin/python -m bench.callback.run [--members 1500] [--requests 3000] [--rounds 3]
     [--clients requests,plain] [--worker-class gthread|sync] [--threads 4] [--worker-connections N]
The load client matters on this 2-core machine, where it shares the CPU with the servers: requests (one
process, 16 threads) spends about as much CPU a call as the callback and is the echo's bottleneck, which
flatters the ratio and slows /wechat; http.client ("plain") 0.3-0.4 ms a call. Both are measured
in every round, and reported apart.
Needs PostgreSQL (BENCH_DATABASE_URL, default a database "bench_callback" on the local server) and
Redis (BENCH_REDIS_URL, default db 14); the database is dropped and rebuilt.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    Call,
    CpuMeter,
    community_with_team,
    gunicorn_options,
    line,
    load,
    rebuild_database,
    serve,
    split,
)
from wechat import simulator  # noqa: E402

PG = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench_callback")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
TOKEN = "bench-token"
CONNECTIONS = 16
WORKER_CLASS = "gthread"


def env() -> dict:
    return {**os.environ, "DATABASE_URL": PG, "REDIS_URL": REDIS, "SECRET_KEY": "bench", "WECHAT_TOKEN": TOKEN,
            "DATA_KEY": os.environ.get("BENCH_DATA_KEY") or Fernet.generate_key().decode(),
            "WECHAT_APP_ID": "wxbench000000000", "PUBLIC_BASE_URL": "http://127.0.0.1:8801"}


def seed(environment: dict, members: int) -> str:
    """A community team and ``members`` bound volunteers; returns the team's code."""
    os.environ.update(environment)
    from app import create_app
    from extensions import db
    from services import wechat_users
    from services.idcard import make_id_number
    from tests.factories import make_member

    app = create_app()
    with app.app_context():
        _, team = community_with_team(db.session)
        code = team.code
        for i in range(members):
            born = dt.date(1990, 1, 1) + dt.timedelta(days=i)
            member = make_member(db.session, phone=f"136{i:08d}", born=born,
                                 id_number=make_id_number("110101", born, i % 100, i % 2 == 0))
            wechat_users.bind(db.session, member.id, f"o_bench_{i:06d}")
            if (i + 1) % 500 == 0:
                print(f"  seeded {i + 1}/{members} members", flush=True)
        db.engine.dispose()
    return code


def payloads(code: str, members: int, total: int, round_no: int = 0) -> list[tuple[dict, bytes, str]]:
    """A round's messages; each round's have their own CreateTime/MsgId, so no round replays another's."""
    out = []
    created = int(time.time()) + round_no * total
    for i in range(total):
        openid = f"o_bench_{(i // 2) % members:06d}"
        if i % 2 == 0:
            xml, kind = simulator.build_xml("scan", openid, key=f"team:{code}", created=created + i), "scan"
        else:
            xml, kind = simulator.build_xml("text", openid, content="时长", msg_id=10**12 + round_no * total + i), "text"
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


def _xml(status: int, text: str) -> bool:
    return status == 200 and "<xml>" in text


def joined_once(engine: sa.Engine, scans: int) -> tuple[bool, str]:
    with engine.connect() as conn:
        joined, members, most = conn.execute(sa.text(
            "SELECT count(*), count(DISTINCT member_id), coalesce(max(n), 0) FROM (SELECT member_id, count(*) n "
            "FROM team_memberships WHERE left_at IS NULL GROUP BY member_id) t")).one()
    return joined == scans == members and most == 1, f"{members} members joined (scans sent: {scans}), at most {most} each"


def reset(engine: sa.Engine) -> None:
    """Every round starts from the same state: nobody has joined yet (the scanning members join again)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("DELETE FROM team_memberships"))
        conn.execute(sa.text("DELETE FROM audit_log"))
        conn.execute(sa.text("VACUUM ANALYZE team_memberships, audit_log"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1500)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3, help="echo and /wechat measured in turn, this many times")
    parser.add_argument("--worker-class", default=WORKER_CLASS, help="gunicorn -k, for both servers")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker (gthread), both servers")
    parser.add_argument("--clients", default="requests,plain",
                        help="load clients, each measured in every round: requests (what this bench always used; "
                             "it spends about as much CPU a call as the callback) and plain (http.client)")
    parser.add_argument("--worker-connections", type=int, default=None,
                        help="gunicorn --worker-connections, both servers; default: as many as --threads, as README's "
                             "production command (a worker takes a connection only when it has a thread free for it)")
    args = parser.parse_args()
    environment = env()
    print("rebuilding the bench database …", flush=True)
    rebuild_database(PG, REDIS, environment)
    code = seed(environment, args.members)
    total = min(args.requests, args.members * 2)
    warm_up = split(harmless(200), CONNECTIONS)
    os.environ.update(environment)
    engine = sa.create_engine(PG)
    ports = {"echo": 8802, "/wechat": 8801}
    targets = {"echo": "bench.callback.echo_app:create_app()", "/wechat": "app:create_app()"}
    servers = {label: serve(targets[label], port, environment, threads=args.threads, worker_class=args.worker_class,
                            worker_connections=args.worker_connections) for label, port in ports.items()}
    clients = args.clients.split(",")
    rounds: dict[str, list[dict]] = {client: [] for client in clients}
    failures: list[str] = []
    settings = " ".join(["gunicorn", *gunicorn_options(args.threads, args.worker_class, args.worker_connections)])
    print(f"\n{settings}, {CONNECTIONS} connections, {total} requests a round, {args.rounds} rounds, "
          f"load clients: {', '.join(clients)}", flush=True)
    try:
        for port in ports.values():
            load(port, warm_up, ok=_xml, close=True)  # both workers up, pools and caches warm
        for round_no in range(args.rounds):
            for number, client in enumerate(clients):
                reset(engine)
                work = payloads(code, args.members, total, 1 + round_no * len(clients) + number)
                lanes = split([Call("/wechat", body, params=query) for query, body, _ in work], CONNECTIONS)
                measured = {}
                for label, port in ports.items():
                    with CpuMeter(servers[label]) as meter:
                        measured[label] = load(port, lanes, ok=_xml, close=True, client=client)
                    measured[label]["cpu"] = meter.line(total)
                    print(f"round {round_no + 1} {client:8s} " + line(label, measured[label]) + "\n        "
                          + measured[label]["cpu"], flush=True)
                once, joined = joined_once(engine, sum(1 for _, _, kind in work if kind == "scan"))
                errors = measured["echo"]["errors"] + measured["/wechat"]["errors"]
                print(f"        {joined}; errors: {len(errors)} {errors[:3]}", flush=True)
                if not once or errors:
                    failures.append(f"round {round_no + 1} ({client}): {joined}, {len(errors)} errors")
                rounds[client].append(measured)
    finally:
        for server in servers.values():
            server.terminate()
            server.wait()
    print(f"\nmedians of {args.rounds} rounds ({settings}, {CONNECTIONS} connections):")
    for client in clients:
        print(f"  load client {client}:")
        for label in ports:
            print("    " + line(label, {key: statistics.median(r[label][key] for r in rounds[client])
                                        for key in ("rps", "p50_ms", "p99_ms")}))
        ratios = [r["/wechat"]["rps"] / r["echo"]["rps"] for r in rounds[client]]
        print(f"    ratio          {statistics.median(ratios):.2f} of the echo's throughput (rounds: "
              + ", ".join(f"{ratio:.2f}" for ratio in ratios) + ")")
    print("  exactly once  ", "yes, every round" if not failures else "NO: " + "; ".join(failures))
    sys.exit(0 if not failures else 1)


if __name__ == "__main__":
    main()
