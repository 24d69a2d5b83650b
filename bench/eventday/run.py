"""bench/eventday: a 报到 day replayed, compressed, on the production shape: nginx with the
deployment's site (TLS), two gunicorn nodes, two RQ workers, the scheduler, PostgreSQL (reached
through a TCP proxy, whose cut is a restart) and a Redis of its own. Three runs on one fleet, each for
an equal population of its own: the day as fast as it is answered (what the fleet serves of the mix),
then calm and faulted side by side, paced at LOAD of that (a web node SIGKILLed and started again 10 s
later, Redis hung, PostgreSQL restarted, a worker SIGKILLed while the street's push is being sent).
wrk sends every prepared request once (bench/wrk.py, keep-alive over TLS, 16 connections) and waits
for every answer; nginx's access log gives each request's kind, answer and time.

Run: .venv/bin/python -m bench.eventday.run [--members 3000] [--hang 15] [--keep-logs]
The short version in CI (tests/fleet/test_eventday.py): 150 members, Redis hung 3 s.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench import wrk
from bench.eventday import report
from bench.eventday.day import CALLBACKS, PEOPLE, day
from bench.eventday.faults import Faults, plan
from bench.eventday.seed import Population, give_codes, seed_fleet

FLEET_SETTINGS = {
    "PUSH_RATE_PER_SECOND": "100",       # a district's push lasts a while, so a worker dies in the middle
    "WORKER_HEARTBEAT_SECONDS": "2",     # a dead worker's job is found within seconds, not minutes …
    "WORKER_MAINTENANCE_SECONDS": "5",
    "PUSH_RECOVERY_INTERVAL": "10",      # … and its push goes on: the run ends when every message is settled
    "JOB_RETRY_INTERVALS": "2,5,10",
    "STATS_MAX_AGE_SECONDS": "30",
}
GUESS_RPS = 150  # the unpaced run's length is guessed from this, for the moment of its push
LOAD = 0.6  # the calm and faulted runs are paced at this share of what the unpaced run served a second


def one_run(fleet, population: Population, city_cookie: str, *, faulted: bool, rate: float | None,
            hang: float, base: int) -> dict:
    from runtime.extensions import db
    from services.push import runs

    codes = give_codes(fleet, population)
    steps = day(population, codes, city_cookie, base)
    expected = len(steps) / (rate or GUESS_RPS)
    app = fleet.app()

    def push() -> None:
        with app.app_context():
            runs.request_push(db.session, population.push_project_id)
            db.engine.dispose()

    faults = Faults(fleet, plan(expected, hang, faulted), push, hang)
    offset = fleet.access_log.stat().st_size
    label = population.name
    paced = f"paced at {rate:.0f}/s" if rate else "as fast as answered"
    print(f"\n== {label}: {len(steps):,} requests {paced}, faults {[w for _, w in faults.events if w != 'push']}",
          flush=True)
    faults.start()
    figures = wrk.run(fleet.port, [step.request for step in steps], scheme="https", limit=max(600.0, expected * 4),
                      rate=rate, wait_all=True)
    faults.join(timeout=max(0.0, expected))
    time.sleep(11)  # a node killed near the end is started again before the checks
    settled = report.settle_push(fleet, population, timeout=300)
    time.sleep(0.5)
    entries = report.read_log(fleet.access_log, offset)
    kinds = report.by_kind(entries, faults.windows)
    served = sum(e.ok for e in entries)
    result = {"label": label, "requests": len(steps), "answered": figures["requests"], "seconds": figures["seconds"],
              "served": served, "served_rps": served / figures["seconds"], "kinds": kinds, "windows": faults.windows,
              "wrk": figures, "checks": report.checks(fleet, population, entries), "push_settled_s": settled,
              "fault_errors": faults.errors}
    print(f"   {figures['requests']:,} answered in {figures['seconds']:.1f} s, {served:,} served "
          f"({result['served_rps']:.0f}/s); push settled {settled:.0f} s after", flush=True)
    for window in faults.windows:
        print(f"   fault: {window.name} for {window.ended - window.began:.1f} s (with the {2:g} s margin)")
    for error in faults.errors:
        print(f"   fault not applied: {error}")
    for what, held, detail in result["checks"]:
        print(f"   [{'ok' if held else 'FAILED'}] {what}: {detail}", flush=True)
    return result


def goals(calm: dict, faulted: dict) -> list[tuple[str, bool, str]]:
    ratio = faulted["served"] / calm["served"]
    people = report.worst_p99(faulted["kinds"], PEOPLE)
    others = report.worst_p99(faulted["kinds"], tuple(k for k in PEOPLE if k != "register"))
    register = report.worst_p99(faulted["kinds"], ("register",))
    callbacks = report.worst_p99(faulted["kinds"], CALLBACKS)
    calm_people, calm_callbacks = report.worst_p99(calm["kinds"], PEOPLE), report.worst_p99(calm["kinds"], CALLBACKS)
    return [("faulted run serves ≥ 0.9 × the calm run", ratio >= 0.9,
             f"{faulted['served']:,} served against {calm['served']:,}: {ratio:.2f}"),
            ("0 lost or doubled effects", all(h for _, h, _ in calm["checks"] + faulted["checks"]), "the checks above"),
            ("people's pages p99 < 500 ms outside the fault windows", people < 500,
             f"worst kind {people:.0f} ms (calm run {calm_people:.0f} ms); registration apart {others:.0f} ms, "
             f"registration {register:.0f} ms (one scrypt password hash is 90 ms of a core)"),
            ("callbacks p99 < 1 s outside the fault windows", callbacks < 1000,
             f"worst kind {callbacks:.0f} ms (calm run {calm_callbacks:.0f} ms)")]


def replay(members: int, hang: float, *, keep_logs: bool = False) -> dict:
    """The three runs on one fleet: ``peak`` unpaced (what the fleet serves of the mix), then ``calm``
    and ``faulted`` paced at LOAD of it; each run's figures and checks, and the pace."""
    from tests.fleet.fleet import Fleet

    wrk.ensure_wrk()
    tmp = Path(tempfile.mkdtemp(prefix="bench-eventday-"))
    print(f"starting the fleet (nginx, 2 web nodes, 2 workers, the scheduler, PostgreSQL, Redis) in {tmp} …",
          flush=True)
    fleet = Fleet(tmp, database="bench_eventday", env=FLEET_SETTINGS, through_proxy=True,
                  access_format=report.ACCESS_FORMAT)
    try:
        fleet.start_job_process("w1", "worker")
        fleet.start_job_process("w2", "worker")
        names = ("peak", "calm", "faulted")
        populations = [Population(name, i, members, members // 4) for i, name in enumerate(names)]
        print(f"seeding {members:,} members and {members // 4:,} newcomers for each of {len(names)} runs …",
              flush=True)
        city_cookie = seed_fleet(fleet, populations)
        warm = [wrk.raw("GET", "/api/mp/v1/me", headers={"Authorization": f"Bearer {t}"}, keep_alive=True)
                for t in populations[0].tokens[:200]]
        wrk.run(fleet.port, warm, scheme="https")
        runs = {"peak": one_run(fleet, populations[0], city_cookie, faulted=False, rate=None, hang=hang,
                                base=1_800_000_000)}
        rate = round(LOAD * runs["peak"]["answered"] / runs["peak"]["seconds"])
        runs["calm"] = one_run(fleet, populations[1], city_cookie, faulted=False, rate=rate, hang=hang,
                               base=1_810_000_000)
        runs["faulted"] = one_run(fleet, populations[2], city_cookie, faulted=True, rate=rate, hang=hang,
                                  base=1_820_000_000)
        runs["rate"] = rate
        return runs
    finally:
        fleet.close()
        if keep_logs:
            print(f"the fleet's logs are kept in {tmp}/logs")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=3000, help="members of each run (newcomers: a quarter more)")
    parser.add_argument("--hang", type=float, default=15, help="seconds Redis hangs in the faulted run")
    parser.add_argument("--keep-logs", action="store_true", help="keep the fleet's logs (nginx, nodes, workers)")
    args = parser.parse_args(argv)
    runs = replay(args.members, args.hang, keep_logs=args.keep_logs)
    peak, calm, faulted, rate = runs["peak"], runs["calm"], runs["faulted"], runs["rate"]
    print("\n" + "\n".join(report.table(calm["kinds"], faulted["kinds"])))
    print(f"\npeak (unpaced): {peak['answered'] / peak['seconds']:.0f} answered a second, {peak['served']:,} served of "
          f"{peak['requests']:,} in {peak['seconds']:.1f} s; calm and faulted paced at {rate}/s ({LOAD:.0%})")
    print(f"calm: {calm['served']:,} served of {calm['requests']:,} in {calm['seconds']:.1f} s "
          f"({calm['served_rps']:.0f}/s); faulted: {faulted['served']:,} of {faulted['requests']:,} in "
          f"{faulted['seconds']:.1f} s ({faulted['served_rps']:.0f}/s)")
    for what, met, detail in goals(calm, faulted):
        print(f"goal [{'met' if met else 'NOT met'}] {what}: {detail}")
    held = all(h for run in (peak, calm, faulted) for _, h, _ in run["checks"])
    return 0 if held else 1


if __name__ == "__main__":
    sys.exit(main())
