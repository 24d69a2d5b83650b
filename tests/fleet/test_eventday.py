"""bench/eventday shortened for CI (issue 35): the same 报到 day for 150 members a run, unpaced, calm
and with its faults (a web node SIGKILLed, Redis hung 3 s, PostgreSQL restarted, a worker SIGKILLed
mid-push). What is asserted is what must hold whatever the machine's speed: every fault applied, every
effect once, nothing open by mistake, every push message accounted. The figures (throughput, p50/p99)
are printed, never asserted: they are the bench's to report (bench/README.md)."""
from __future__ import annotations

from tests.fleet.fleet import require_fleet


def test_a_short_event_day_calm_and_faulted_loses_and_doubles_nothing(capsys):
    require_fleet()
    from bench.eventday import report
    from bench.eventday.run import replay

    runs = replay(150, hang=3)
    with capsys.disabled():
        print("\n" + "\n".join(report.table(runs["calm"]["kinds"], runs["faulted"]["kinds"])))
    faulted = runs["faulted"]
    assert not faulted["fault_errors"]
    assert {w.name for w in faulted["windows"]} == {"kill a web node", "hang Redis 3 s", "kill a worker mid-push",
                                                     "restart PostgreSQL"}
    for name in ("peak", "calm", "faulted"):
        failed = [f"{what}: {detail}" for what, held, detail in runs[name]["checks"] if not held]
        assert not failed, (name, failed)
    for name in ("peak", "calm"):  # no fault: every request of the day served
        refused = {kind: dict(figures["bad"]) for kind, figures in runs[name]["kinds"].items() if figures["bad"]}
        assert runs[name]["served"] == runs[name]["requests"], (name, refused)
    # the faulted run's server errors are inside its fault windows (after them, only what follows from a
    # step refused inside: no sign-out without the sign-in), and none is a 500
    assert not any(500 in kind["bad"] for kind in faulted["kinds"].values()), faulted["kinds"]
    late = {kind: dict(figures["bad_outside"]) for kind, figures in faulted["kinds"].items()
            if any(status >= 500 for status in figures["bad_outside"])}
    assert not late, late
