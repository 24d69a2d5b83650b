"""bench/callback: the real /wechat callback under gunicorn (2 workers) on PostgreSQL + Redis, beside
a minimal wechatpy echo (the baseline: what gunicorn + Flask + wechatpy cost with no work) and WeRoBot's
default app (the peer: another framework's bot doing little, with its SQLite session storage), all
under the same gunicorn settings, measured with wrk in alternating rounds: the figure of record.

Load: wrk, one thread, 16 connections, each request on a new one (as nginx opens them towards gunicorn);
half the messages are team scans from distinct openids (each joins once), half are text commands (时长)
from bound members; every message is distinct and signed. The three servers run side by side and are
measured in turn, round after round, and the medians reported: this machine's speed drifts by ±20 %
within minutes. Every round starts with nobody joined, and afterwards every scanning member must be in
the team exactly once.
Run: .venv/bin/python -m bench.callback.run [--members 1500] [--requests 3000] [--rounds 5]
     [--worker-class gthread|sync] [--threads 4] [--worker-connections N] [--compare REV]
--compare REV serves that git revision's /wechat too (a worktree; a copy of the seeded database and
its own Redis db), measured in the same rounds: a change is judged against its before, side by side.
The project's virtualenv must hold what that revision imports (e.g. psycopg2-binary for revisions
before psycopg 3).
WeRoBot runs from its own virtualenv (bench/.peer-venv, made on first use by bench/callback/peer.py).
Needs PostgreSQL (BENCH_DATABASE_URL, default a database "bench_callback" on the local server) and
Redis (BENCH_REDIS_URL, default db 14); the database is dropped and rebuilt.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench import wrk  # noqa: E402
from bench.callback import peer as peer_venv  # noqa: E402
from bench.common import (  # noqa: E402
    CpuMeter,
    community_with_team,
    gunicorn_options,
    line,
    medians,
    rebuild_database,
    serve,
)
from runtime.config import normalise_database_url  # noqa: E402
from wechat import simulator  # noqa: E402

PG = normalise_database_url(os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench_callback"))
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
    from runtime.extensions import db
    from services.people import wechat_users
    from services.people.idcard import make_id_number
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


def harmless(count: int) -> list[bytes]:
    """时长 from bound members: read only, so no effect on what is measured; the same warm-up for every
    server (both workers started, database connections open)."""
    out = []
    for i in range(count):
        xml = simulator.build_xml("text", f"o_bench_{i:06d}", content="时长", msg_id=5 * 10**12 + i)
        signed = simulator.sign(xml, token=TOKEN, appid="wxbench000000000")
        out.append(wrk.raw("POST", "/wechat", body=signed.body, params=signed.query))
    return out


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


PEER_LIMIT = 60  # seconds: WeRoBot's SQLite session file can stay locked, every answer then waits 5 s


class Peer:
    """WeRoBot under gunicorn from its own virtualenv, in a working directory of its own (its SQLite
    session file), started afresh each round; its tracebacks ("database is locked") go to a log there."""

    def __init__(self, python: str, port: int, environment: dict, options: dict) -> None:
        self.python, self.port, self.options = python, port, options
        self.environment = {**environment, "PYTHONPATH": str(Path(__file__).parent)}
        self.process: subprocess.Popen | None = None
        self.home: tempfile.TemporaryDirectory | None = None

    def start(self) -> subprocess.Popen:
        self.stop()
        self.home = tempfile.TemporaryDirectory(prefix="bench-werobot-")
        self.process = serve("werobot_app:application", self.port, self.environment, **self.options,
                             python=self.python, cwd=Path(self.home.name),
                             stderr=open(Path(self.home.name, "peer.log"), "w"))  # noqa: SIM115 - closed with the dir
        return self.process

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait()
        if self.home is not None:
            self.home.cleanup()
        self.process = self.home = None


class Before:
    """A git revision's app served beside this one: a worktree, a copy of the seeded database (the same
    team code and members), its own Redis db."""

    def __init__(self, revision: str, environment: dict) -> None:
        self.label = "/wechat@" + subprocess.run(["git", "rev-parse", "--short", revision], cwd=ROOT, check=True,
                                                 capture_output=True, text=True).stdout.strip()
        self.tree = Path(tempfile.mkdtemp(prefix="bench-before-"))
        subprocess.run(["git", "worktree", "add", "--detach", "-f", str(self.tree), revision], cwd=ROOT, check=True,
                       capture_output=True)
        url = sa.engine.make_url(PG)
        copy = f"{url.database}_before"
        admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{copy}" TEMPLATE "{url.database}"'))
        admin.dispose()
        # Without a driver in the URL: each revision picks its own (psycopg2 before psycopg 3).
        self.database = url.set(drivername="postgresql", database=copy).render_as_string(hide_password=False)
        redis_url = REDIS.rsplit("/", 1)[0] + "/11"
        import redis

        redis.Redis.from_url(redis_url).flushdb()
        self.environment = {**environment, "DATABASE_URL": self.database, "REDIS_URL": redis_url}

    def remove(self) -> None:
        subprocess.run(["git", "worktree", "remove", "--force", str(self.tree)], cwd=ROOT, capture_output=True)


def _short(errors: list[str]) -> str:
    """The peer's errors by count (its SQLite session storage answers "database is locked" under load,
    and WeRoBot then replies with an empty body)."""
    return ", ".join(error.split(":")[0] for error in errors) or "none"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1500)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5, help="the servers measured in turn, this many times")
    parser.add_argument("--worker-class", default=WORKER_CLASS, help="gunicorn -k, for every server")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker (gthread), every server")
    parser.add_argument("--compare", metavar="REV", help="also serve this git revision's /wechat, side by side")
    parser.add_argument("--worker-connections", type=int, default=None,
                        help="gunicorn --worker-connections, every server; default: as many as --threads, as README's "
                             "production command (a worker takes a connection only when it has a thread free for it)")
    args = parser.parse_args()
    environment = env()
    peer_python = peer_venv.python()
    print("rebuilding the bench database …", flush=True)
    rebuild_database(PG, REDIS, environment)
    code = seed(environment, args.members)
    total = min(args.requests, args.members * 2)
    os.environ.update(environment)
    engines = {"/wechat": sa.create_engine(PG)}
    ports = {"echo": 8802, "WeRoBot": 8803, "/wechat": 8801}
    before = Before(args.compare, environment) if args.compare else None
    if before:
        ports[before.label] = 8804
        engines[before.label] = sa.create_engine(normalise_database_url(before.database))
    options = {"threads": args.threads, "worker_class": args.worker_class,
               "worker_connections": args.worker_connections}
    peer = Peer(peer_python, ports["WeRoBot"], environment, options)
    servers = {"echo": serve("bench.callback.echo_app:create_app()", ports["echo"], environment, **options),
               "WeRoBot": peer.start(),
               "/wechat": serve("app:create_app()", ports["/wechat"], environment, **options)}
    if before:
        servers[before.label] = serve("app:create_app()", ports[before.label], before.environment, **options,
                                      cwd=before.tree)
    rounds: list[dict] = []
    failures: list[str] = []
    settings = " ".join(["gunicorn", *gunicorn_options(args.threads, args.worker_class, args.worker_connections)])
    print(f"\n{settings}, wrk -t1 -c{wrk.CONNECTIONS}, a new connection per request, {total} messages a round, "
          f"{args.rounds} rounds", flush=True)
    try:
        for port in ports.values():
            wrk.run(port, harmless(200), expect="<xml>")  # both workers up, pools, caches and sessions warm
        for round_no in range(1, args.rounds + 1):
            for engine in engines.values():
                reset(engine)
            servers["WeRoBot"] = peer.start()  # a new session file: a lock one round left cannot stall the next
            work = payloads(code, args.members, total, round_no)
            requests = [wrk.raw("POST", "/wechat", body=body, params=query) for query, body, _ in work]
            measured = {}
            for label, port in ports.items():
                with CpuMeter(servers[label]) as meter:
                    measured[label] = wrk.run(port, requests, expect="<xml>",
                                              limit=PEER_LIMIT if label == "WeRoBot" else None)
                measured[label]["cpu"] = meter.line(total)
                print(f"round {round_no} " + line(label, measured[label]) + "\n        " + measured[label]["cpu"],
                      flush=True)
            time.sleep(0.5)  # the last answers wrk did not wait for
            scans = sum(1 for _, _, kind in work if kind == "scan")
            checks = [joined_once(engine, scans) for engine in engines.values()]
            once, joined = all(ok for ok, _ in checks), "; ".join(state for _, state in checks)
            ours = [e for label in ports if label != "WeRoBot" for e in measured[label]["errors"]]
            print(f"        {joined}; errors: echo and /wechat {len(ours)} {ours[:2]}; "
                  f"WeRoBot {_short(measured['WeRoBot']['errors'])}", flush=True)
            if not once or ours:
                failures.append(f"round {round_no}: {joined}, {ours[:2]}")
            rounds.append(measured)
    finally:
        for server in servers.values():
            server.terminate()
            server.wait()
        peer.stop()
        if before:
            before.remove()
    print(f"\nmedians of {args.rounds} rounds ({settings}, wrk -t1 -c{wrk.CONNECTIONS}):")
    for label in ports:
        print("  " + line(label, medians([r[label] for r in rounds])))
    good = statistics.median(r["WeRoBot"]["good_rps"] for r in rounds)
    print(f"  WeRoBot's good answers (a reply, not an empty body after 'database is locked'): {good:.0f} a second")
    for other in ("echo", "WeRoBot", *([before.label] if before else [])):
        ratios = [r["/wechat"]["rps"] / r[other]["rps"] for r in rounds]
        print(f"  /wechat ÷ {other:8s}: {statistics.median(ratios):.2f} (rounds: "
              + ", ".join(f"{ratio:.2f}" for ratio in ratios) + ")")
    print("  WeRoBot errors:", "; ".join(_short(r["WeRoBot"]["errors"]) for r in rounds))
    print("  exactly once  :", "yes, every round" if not failures else "NO: " + "; ".join(failures))
    sys.exit(0 if not failures else 1)


if __name__ == "__main__":
    main()
