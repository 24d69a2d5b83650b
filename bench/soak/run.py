"""bench/soak: minutes of mixed load (WeChat callback, mini-program API, console pages) against
README's production shape (gunicorn 2 workers, an RQ worker and the scheduler, PostgreSQL, Redis),
reporting errors and each process's memory at the start and the end.

Run: .venv/bin/python -m bench.soak.run [--minutes 10] [--members 300]
Needs PostgreSQL (BENCH_DATABASE_URL, default a database "bench_soak", dropped and rebuilt) and Redis
(BENCH_REDIS_URL, default db 12). A leak shows as memory growing from start to end; an error is any
answer of 500 or more, or a request that failed.
"""
from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import re
import subprocess
import sys
import threading
import time
from collections import Counter

import requests
from cryptography.fernet import Fernet

from bench.common import ROOT, community_with_team, rebuild_database, serve

PG = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench_soak")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
PORT, TOKEN, APPID = 8821, "soak-token", "wxsoak0000000000"
LANES = 8


def env() -> dict:
    return {**os.environ, "DATABASE_URL": PG, "REDIS_URL": REDIS, "SECRET_KEY": "soak-" * 8,
            "DATA_KEY": os.environ.get("BENCH_DATA_KEY") or Fernet.generate_key().decode(),
            "WECHAT_TOKEN": TOKEN, "WECHAT_APP_ID": APPID, "PUBLIC_BASE_URL": f"http://127.0.0.1:{PORT}",
            "PUSH_ON_PUBLISH": "0"}


def seed(environment: dict, members: int) -> dict:
    os.environ.update(environment)
    from app import create_app
    from models import utcnow
    from runtime.extensions import db
    from services.organisations import joining, orgs
    from services.people import mp_sessions, wechat_users
    from services.volunteering import enrolment, projects
    from tests.factories import make_member, make_project_input

    app = create_app()
    with app.app_context():
        community, team = community_with_team(db.session)
        orgs.create_account(db.session, community.id, "soak", "soak-pass-1")
        start = utcnow() - dt.timedelta(minutes=10)
        project = projects.create_project(db.session, community.id, team.id, make_project_input(
            starts_at=start, ends_at=start + dt.timedelta(hours=12), radius_m=300))
        projects.publish_project(db.session, community.id, project.id)
        tokens = []
        for i in range(members):
            member = make_member(db.session, phone=f"136{i:08d}")
            wechat_users.bind(db.session, member.id, f"o_soak_{i}")
            if i % 2:
                joining.join_team(db.session, member.id, team.id, source="bench")
                enrolment.enrol(db.session, member.id, project.id)
            tokens.append(mp_sessions.create(db.session, openid=f"o_soak_{i}", unionid=None, member_id=member.id)[0])
        seeded = {"team": team.code, "project": project.code, "tokens": tokens}
        db.engine.dispose()
    return seeded


def rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            return int(re.search(r"VmRSS:\s+(\d+)", status.read()).group(1))
    except (OSError, AttributeError):
        return 0


def processes(server: subprocess.Popen, others: dict[str, subprocess.Popen]) -> dict[str, int]:
    workers = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
    found = {f"gunicorn worker {i + 1}": int(pid) for i, pid in enumerate(sorted(workers))}
    found.update({name: p.pid for name, p in others.items()})
    return found


class Soak:
    def __init__(self, seeded: dict, minutes: float) -> None:
        self.seeded, self.until = seeded, time.monotonic() + minutes * 60
        self.counts: Counter = Counter()
        self.errors: Counter = Counter()
        self.lock = threading.Lock()
        self.messages = itertools.count(1)

    def _callback(self, http: requests.Session, lane: int) -> requests.Response:
        from wechat import simulator

        n = next(self.messages)
        openid = f"o_soak_{n % len(self.seeded['tokens'])}"
        kind = n % 3
        if kind == 0:
            xml = simulator.build_xml("text", openid, content="时长", msg_id=10**9 + n)
        elif kind == 1:
            xml = simulator.build_xml("scan", openid, key=f"team:{self.seeded['team']}", created=1_800_000_000 + n)
        else:
            xml = simulator.build_xml("click", openid, key="MY_PROFILE", created=1_800_000_000 + n)
        signed = simulator.sign(xml, token=TOKEN, appid=APPID)
        return http.post(f"http://127.0.0.1:{PORT}/wechat", params=signed.query, data=signed.body, timeout=10)

    def _api(self, http: requests.Session, lane: int) -> requests.Response:
        n = next(self.messages)
        token = self.seeded["tokens"][n % len(self.seeded["tokens"])]
        path = ("/api/mp/v1/me", "/api/mp/v1/me/hours", "/api/mp/v1/projects", "/api/mp/v1/me/records")[n % 4]
        return http.get(f"http://127.0.0.1:{PORT}{path}", headers={"Authorization": "Bearer " + token}, timeout=10)

    def _console(self, http: requests.Session, lane: int) -> requests.Response:
        n = next(self.messages)
        path = ("/console/", "/console/members", "/console/teams", "/console/hours")[n % 4]
        return http.get(f"http://127.0.0.1:{PORT}{path}", timeout=10, allow_redirects=False)

    def lane(self, lane: int) -> None:
        http = requests.Session()
        kind = ("callback", "api", "console")[lane % 3]
        if kind == "console":
            page = http.get(f"http://127.0.0.1:{PORT}/console/login", timeout=10).text
            token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
            http.post(f"http://127.0.0.1:{PORT}/console/login", timeout=10, allow_redirects=False,
                      data={"username": "soak", "password": "soak-pass-1", "csrf_token": token})
        call = {"callback": self._callback, "api": self._api, "console": self._console}[kind]
        while time.monotonic() < self.until:
            try:
                response = call(http, lane)
                failed = response.status_code >= 500 or (kind == "console" and response.status_code != 200)
                label = f"{kind} {response.status_code}"
            except requests.RequestException as exc:
                failed, label = True, f"{kind} {type(exc).__name__}"
            with self.lock:
                self.counts[kind] += 1
                if failed:
                    self.errors[label] += 1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--members", type=int, default=300)
    args = parser.parse_args()
    environment = env()
    print("rebuilding the bench database …", flush=True)
    rebuild_database(PG, REDIS, environment)
    seeded = seed(environment, args.members)
    server = serve("app:create_app()", PORT, environment)
    others = {name: subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "jobs", kind], cwd=ROOT,
                                     env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
              for name, kind in (("rq worker", "worker"), ("scheduler", "scheduler"))}
    try:
        time.sleep(2)
        pids = processes(server, others)
        before = {name: rss_kb(pid) for name, pid in pids.items()}
        soak = Soak(seeded, args.minutes)
        print(f"soaking for {args.minutes:g} min with {LANES} lanes (callback, API, console) …", flush=True)
        threads = [threading.Thread(target=soak.lane, args=(i,)) for i in range(LANES)]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.monotonic() - began
        after = {name: rss_kb(pid) for name, pid in pids.items()}
        alive = {name: (p.poll() is None) for name, p in others.items()}
    finally:
        for process in (server, *others.values()):
            process.terminate()
        for process in (server, *others.values()):
            process.wait(timeout=30)
    total = sum(soak.counts.values())
    print(f"\nrequests      : {total} in {wall:.0f} s ({total / wall:.0f} req/s): " +
          ", ".join(f"{k} {v}" for k, v in sorted(soak.counts.items())))
    print(f"errors        : {sum(soak.errors.values())} " + (str(dict(soak.errors)) if soak.errors else ""))
    for name in pids:
        print(f"memory        : {name:18s} {before[name] / 1024:7.1f} MB → {after[name] / 1024:7.1f} MB")
    print("processes     : " + ", ".join(f"{name} {'alive' if ok else 'EXITED'}" for name, ok in alive.items()))
    sys.exit(0 if not soak.errors and all(alive.values()) else 1)


if __name__ == "__main__":
    main()
