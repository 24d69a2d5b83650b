"""What the HTTP benchmarks share: a fresh PostgreSQL database migrated to head, a gunicorn server,
where the machine's CPU went, and the figures' lines (the load itself is wrk's: bench/wrk.py)."""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = ["-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "-w", "2", "--log-level", "warning"]
THREADS = 4  # README's production command


def deploy_postgres_settings() -> dict[str, str]:
    """The ``-c name=value`` settings deploy/compose.yaml starts PostgreSQL with: the benches measure the
    database as it is deployed, not the machine's defaults."""
    import yaml

    command = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())["services"]["postgres"]["command"]
    return dict(value.split("=", 1) for flag, value in zip(command, command[1:], strict=False) if flag == "-c")


def apply_deploy_settings(pg_url: str) -> None:
    """``ALTER DATABASE … SET`` each of ``deploy_postgres_settings`` (new connections read them)."""
    url = sa.engine.make_url(pg_url)
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name, value in deploy_postgres_settings().items():
            conn.execute(sa.text(f'ALTER DATABASE "{url.database}" SET {name} = {value}'))
    admin.dispose()


def rebuild_database(pg_url: str, redis_url: str, environment: dict) -> None:
    url = sa.engine.make_url(pg_url)
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
    apply_deploy_settings(pg_url)
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"], cwd=ROOT, env=environment,
                   check=True, capture_output=True)
    import redis

    redis.Redis.from_url(redis_url).flushdb()


def gunicorn_options(threads: int = THREADS, worker_class: str = "gthread",
                     worker_connections: int | None = None) -> list[str]:
    """gunicorn's options for a bench server (also printed as the run's settings). By default those of
    README's production command: a gthread worker takes a connection only when it has a thread free for
    it (``--worker-connections`` = ``--threads``), so waiting requests queue in the kernel where either
    worker takes them, rather than behind one worker's busy threads."""
    if worker_connections is None and worker_class == "gthread":
        worker_connections = threads
    # gunicorn turns a sync worker with threads into gthread: the thread count is for gthread only.
    options = [*GUNICORN, "-k", worker_class, *(["--threads", str(threads)] if worker_class == "gthread" else [])]
    if worker_connections is not None:
        options += ["--worker-connections", str(worker_connections)]
        if worker_class == "gthread" and worker_connections <= threads:
            options += ["--keep-alive", "0"]  # no connection slot to keep one alive in (README's command)
    return options


def serve(target: str, port: int, environment: dict, threads: int = THREADS, worker_class: str = "gthread",
          worker_connections: int | None = None, *, python: str = sys.executable,
          cwd: Path = ROOT, stderr=None) -> subprocess.Popen:
    """``python``/``cwd``: a peer framework's own virtualenv and working directory (bench/callback/peer.py)."""
    process = subprocess.Popen([python, "-m", "gunicorn",
                                *gunicorn_options(threads, worker_class, worker_connections),
                                "-b", f"127.0.0.1:{port}", target], cwd=cwd, env=environment, stderr=stderr)
    for _ in range(100):
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=0.5)
            return process
        except requests.RequestException:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{target} did not start")


def _cpu_ticks() -> dict[int, int]:
    ticks = {}
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ticks[int(pid)] = int(fields[11]) + int(fields[12])
    return ticks


class CpuMeter:
    """Where the machine's CPU went during a load (Linux /proc): the server's workers, this client, the
    rest (PostgreSQL, Redis, the kernel's own threads), and what stayed idle. On a small machine the
    client and the databases share the cores with the server, so a figure means little without this."""

    def __init__(self, server: subprocess.Popen) -> None:
        self.workers = {int(p) for p in subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True,
                                                       text=True).stdout.split()}

    def __enter__(self) -> CpuMeter:
        self._ticks, self._stat, self._began = _cpu_ticks(), self._system(), time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = seconds = time.perf_counter() - self._began
        ticks, stat = _cpu_ticks(), self._system()
        used = {pid: n - self._ticks.get(pid, 0) for pid, n in ticks.items()}
        hz = os.sysconf("SC_CLK_TCK")

        def cores(pids) -> float:
            return sum(used.get(pid, 0) for pid in pids) / hz / seconds

        delta = [b - a for a, b in zip(self._stat, stat, strict=True)]
        total = sum(delta) or 1
        self.result = {"workers": cores(self.workers), "client": cores([os.getpid()]),
                       "idle": (delta[3] + delta[4]) / total * (os.cpu_count() or 1)}
        self.result["others"] = max(0.0, (os.cpu_count() or 1) - self.result["idle"] - self.result["workers"]
                                    - self.result["client"])

    @staticmethod
    def _system() -> list[int]:
        with open("/proc/stat") as stat:
            return [int(v) for v in stat.readline().split()[1:9]]

    def line(self, requests: int) -> str:
        r = self.result
        per_request = r["workers"] * self.seconds / max(1, requests) * 1000
        return (f"cores: workers {r['workers']:.2f} ({per_request:.2f} ms a request), client {r['client']:.2f}, "
                f"databases and kernel {r['others']:.2f}, idle {r['idle']:.2f}")


def medians(results: list[dict]) -> dict:
    """The median of each figure over rounds."""
    return {key: statistics.median(r[key] for r in results) for key in ("rps", "p50_ms", "p99_ms")}


def line(label: str, result: dict) -> str:
    return f"{label:14s}: {result['rps']:.0f} req/s  p50 {result['p50_ms']:.1f} ms  p99 {result['p99_ms']:.1f} ms"


def community_with_team(session):
    """城市 → 区 → 街道 → 社区: the smallest tree with a community team, for the seeds of the benchmarks."""
    from models import Team
    from services.organisations import orgs

    city = orgs.create_organization(session, None, "北京团市委", "city")
    district = orgs.create_organization(session, city.id, "东城区团委", "district")
    street = orgs.create_organization(session, district.id, "东华门街道团工委", "street", category="urban")
    community = orgs.create_organization(session, street.id, "多福巷社区团组织", "community")
    return community, session.scalar(sa.select(Team).where(Team.org_id == community.id))


def environ(**extra) -> dict:
    return {**os.environ, **extra}
