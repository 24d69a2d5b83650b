"""bench/callback: the real /wechat callback under gunicorn (2 workers) on PostgreSQL + Redis, beside a
minimal wechatpy echo under the same gunicorn settings, in one run.

Load: 16 connections; half the requests are team scans from distinct openids (each joins once), half
are text commands (时长) from bound members. Afterwards every scanning member must be in the team
exactly once. Run: .venv/bin/python -m bench.callback.run [--members 1500] [--requests 3000]
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
import threading
import time
from pathlib import Path

import requests
import sqlalchemy as sa
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from wechat import simulator  # noqa: E402

PG = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench_callback")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
TOKEN = "bench-token"
CONNECTIONS = 16
GUNICORN = ["-w", "2", "-k", "gthread", "--threads", "8", "--log-level", "warning"]


def env() -> dict:
    return {**os.environ, "DATABASE_URL": PG, "REDIS_URL": REDIS, "SECRET_KEY": "bench", "WECHAT_TOKEN": TOKEN,
            "DATA_KEY": os.environ.get("BENCH_DATA_KEY") or Fernet.generate_key().decode(),
            "WECHAT_APP_ID": "wxbench000000000", "PUBLIC_BASE_URL": "http://127.0.0.1:8801"}


def rebuild_database(environment: dict) -> None:
    url = sa.engine.make_url(PG)
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"], cwd=ROOT, env=environment,
                   check=True, capture_output=True)
    import redis

    redis.Redis.from_url(REDIS).flushdb()


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


def serve(target: str, port: int, environment: dict) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", *GUNICORN, "-b", f"127.0.0.1:{port}", target],
                               cwd=ROOT, env=environment)
    for _ in range(100):
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=0.5)
            return process
        except requests.RequestException:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{target} did not start")


def load(port: int, work: list[tuple[dict, bytes, str]]) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    index = iter(range(len(work)))

    def client() -> None:
        http = requests.Session()
        while True:
            with lock:
                i = next(index, None)
            if i is None:
                return
            query, body, _ = work[i]
            start = time.perf_counter()
            response = http.post(f"http://127.0.0.1:{port}/wechat", params=query, data=body, timeout=10)
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                if response.status_code != 200 or "<xml>" not in response.text:
                    errors.append(f"{response.status_code} {response.text[:80]}")

    threads = [threading.Thread(target=client) for _ in range(CONNECTIONS)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    latencies.sort()
    return {"requests": len(latencies), "rps": len(latencies) / wall, "p50_ms": statistics.median(latencies) * 1000,
            "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000, "errors": errors}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1500)
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args()
    environment = env()
    print("rebuilding the bench database …", flush=True)
    rebuild_database(environment)
    code = seed(environment, args.members)
    work = payloads(code, args.members, min(args.requests, args.members * 2))
    echo_env = {**environment}
    echo = serve("bench.callback.echo_app:create_app()", 8802, echo_env)
    try:
        load(8802, work[:200])  # warm-up
        baseline = load(8802, work)
    finally:
        echo.terminate()
        echo.wait()
    real = serve("app:create_app()", 8801, environment)
    try:
        result = load(8801, work)
    finally:
        real.terminate()
        real.wait()
    os.environ.update(environment)
    engine = sa.create_engine(PG)
    with engine.connect() as conn:
        per_member = conn.execute(sa.text(
            "SELECT count(*), count(DISTINCT member_id), max(n) FROM (SELECT member_id, count(*) n "
            "FROM team_memberships WHERE left_at IS NULL GROUP BY member_id) t")).one()
    scans = sum(1 for _, _, kind in work if kind == "scan")
    print(f"\necho baseline : {baseline['rps']:.0f} req/s  p50 {baseline['p50_ms']:.1f} ms  p99 {baseline['p99_ms']:.1f} ms")
    print(f"/wechat       : {result['rps']:.0f} req/s  p50 {result['p50_ms']:.1f} ms  p99 {result['p99_ms']:.1f} ms")
    print(f"ratio         : {result['rps'] / baseline['rps']:.2f} of the echo's throughput")
    print(f"memberships   : {per_member[0]} members joined (scans sent: {scans}), at most {per_member[2]} each")
    print(f"errors        : echo {len(baseline['errors'])}, callback {len(result['errors'])} {result['errors'][:3]}")
    ok = per_member[0] == scans and per_member[2] == 1 and not result["errors"]
    print("exactly once  :", "yes" if ok else "NO")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
