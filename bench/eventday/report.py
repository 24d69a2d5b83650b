"""What a run served, read from nginx's access log, and the checks on the database at its end.

The log has one line a request: ``$msec $request_time $status "$http_x_bench"`` (ACCESS_FORMAT), so
each request's kind, its person, its answer and its time as nginx saw it (TLS to the client, the
proxying, the node) are known without a client that spends the cores it measures."""
from __future__ import annotations

import statistics
import time
from collections import Counter, defaultdict
from dataclasses import dataclass

import sqlalchemy as sa

from bench.eventday.day import CALLBACKS, PEOPLE, by_location_message
from bench.eventday.faults import Window
from bench.eventday.seed import Population

ACCESS_FORMAT = '$msec $request_time $status "$http_x_bench"'


@dataclass
class Entry:
    ended: float
    seconds: float
    status: int
    kind: str
    who: str

    @property
    def began(self) -> float:
        return self.ended - self.seconds

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def read_log(path, offset: int) -> list[Entry]:
    entries = []
    with open(path, encoding="utf-8") as log:
        log.seek(offset)
        for line in log:
            head, _, tag = line.rstrip("\n").partition(' "')
            tag = tag.rstrip('"')
            if not tag or tag == "-":
                continue
            ended, seconds, status = head.split()
            kind, _, who = tag.rpartition(" ")
            entries.append(Entry(float(ended), float(seconds), int(status), kind, who))
    return entries


def outside(entry: Entry, windows: list[Window]) -> bool:
    return not any(entry.began < w.ended and entry.ended > w.began for w in windows)


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def by_kind(entries: list[Entry], windows: list[Window]) -> dict[str, dict]:
    kinds: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        kinds[entry.kind].append(entry)
    out = {}
    for kind, group in kinds.items():
        times = [e.seconds * 1000 for e in group]
        calm_times = [e.seconds * 1000 for e in group if outside(e, windows)]
        out[kind] = {"n": len(group), "ok": sum(e.ok for e in group), "p50": statistics.median(times),
                     "p99": percentile(times, 0.99), "p99_outside": percentile(calm_times, 0.99),
                     "bad": Counter(e.status for e in group if not e.ok),
                     "bad_outside": Counter(e.status for e in group if not e.ok and outside(e, windows))}
    return out


def worst_p99(kinds: dict[str, dict], names: tuple[str, ...]) -> float:
    return max((kinds[k]["p99_outside"] for k in names if k in kinds), default=float("nan"))


def settle_push(fleet, population: Population, timeout: float) -> float:
    """Seconds until no message of the district's push is pending or being sent (or the timeout)."""
    from models import DeliveryStatus, PushDelivery
    from runtime.extensions import db

    app, began = fleet.app(), time.monotonic()
    with app.app_context():
        while time.monotonic() - began < timeout:
            waiting = db.session.scalar(sa.select(sa.func.count()).select_from(PushDelivery).where(
                PushDelivery.project_id == population.push_project_id,
                PushDelivery.status.in_([DeliveryStatus.pending, DeliveryStatus.sending])))
            total = db.session.scalar(sa.select(sa.func.count()).select_from(PushDelivery).where(
                PushDelivery.project_id == population.push_project_id))
            db.session.rollback()
            if total and not waiting:
                break
            time.sleep(1)
        db.engine.dispose()
    return time.monotonic() - began


def checks(fleet, population: Population, entries: list[Entry]) -> list[tuple[str, bool, str]]:
    """(what, held, the figures) for every invariant of the day. A push message is sent (WeChat took
    it), failed, or unknown (its worker died while WeChat was asked: maybe received, never resent by
    itself), so WeChat received at least the sent ones and at most those plus the unknown ones."""
    from models import AuditEntry, DeliveryStatus, Enrolment, Member, PushDelivery, ServiceRecord, TeamMembership
    from runtime.extensions import db, protector

    answered: dict[str, set[str]] = defaultdict(set)
    for entry in entries:
        if entry.ok:
            answered[entry.kind].add(entry.who)
    people = {f"{population.name}:{i}": member_id for i, member_id in enumerate(population.member_ids)}
    out = []
    app = fleet.app()
    with app.app_context():
        s = db.session
        joined = {m for (m,) in s.execute(sa.select(TeamMembership.member_id).where(
            TeamMembership.team_id == population.team_id))}
        joins = s.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "team.join", AuditEntry.target_id == population.team_id))
        scanned = {people[w] for w in answered["scan poster"]}
        out.append(("报到 once: every scan answered joined, one join each", scanned <= joined and joins == len(joined),
                    f"{len(scanned)} scans answered, {len(joined)} joined, {joins} join entries, "
                    f"{len(scanned - joined)} answered but not joined"))

        phones = {protector.lookup_hash("phone", phone): f"{population.name}:new{i}"
                  for i, phone in enumerate(population.newcomer_phones)}
        registered = {phones[h] for (h,) in s.execute(sa.select(Member.phone_hash).where(
            Member.phone_hash.in_(list(phones))))}
        out.append(("registrations: every one answered is there", answered["register"] <= registered,
                    f"{len(answered['register'])} answered 201, {len(registered)} members, "
                    f"{len(answered['register'] - registered)} lost"))

        enrolled = {m for (m,) in s.execute(sa.select(Enrolment.member_id).where(
            Enrolment.project_id == population.project_id))}
        asked = {people[w] for w in answered["enrol"]}
        out.append(("enrolments: every one answered is there", asked <= enrolled,
                    f"{len(asked)} answered, {len(enrolled)} enrolled"))

        records = s.execute(sa.select(ServiceRecord.member_id, ServiceRecord.signout_at, ServiceRecord.id).where(
            ServiceRecord.project_id == population.project_id)).all()
        per_member = Counter(r.member_id for r in records)
        open_ = {r.member_id for r in records if r.signout_at is None}
        signed_in = {people[w] for w in answered["sign in"]}
        signed_out = {people[w] for w in answered["sign out"]}
        by_message = {population.member_ids[i] for i in range(population.members) if by_location_message(i)}
        # A location message toggles (signs in, or out when signed in): a member whose every delivery
        # was answered is signed out; one whose sign-in message failed was rightly signed in by the next.
        failed_message = {people[e.who] for e in entries if e.kind == "location" and not e.ok}
        messaged = by_message - failed_message
        out.append(("sign-in once: one record a member, every answered sign-in recorded",
                    max(per_member.values(), default=0) <= 1 and signed_in <= set(per_member),
                    f"{len(records)} records for {len(per_member)} members, at most "
                    f"{max(per_member.values(), default=0)} each; {len(signed_in - set(per_member))} answered "
                    "sign-ins without a record"))
        mistaken = (open_ & signed_out) | (open_ & by_message & messaged)
        out.append(("no record open by mistake", not mistaken,
                    f"{len(open_)} open ({len(open_ - signed_out - by_message)} whose sign-out went unanswered), "
                    f"{len(mistaken)} open after an answered sign-out; {len(by_message)} signed in and out by "
                    "location messages, each delivered twice"))

        approvals = Counter(t for (t,) in s.execute(sa.select(AuditEntry.target_id).where(
            AuditEntry.action == "record.approved", AuditEntry.target_id.in_([r.id for r in records]))))
        out.append(("each record approved at most once", max(approvals.values(), default=0) <= 1,
                    f"{len(approvals)} records approved"))

        deliveries = Counter(status for (status,) in s.execute(sa.select(PushDelivery.status).where(
            PushDelivery.project_id == population.push_project_id)))
        sent_db = deliveries[DeliveryStatus.sent] + deliveries[DeliveryStatus.delivered]
        openids = {population.openid(i) for i in range(population.members)}
        received = Counter(o for o in fleet.sandbox.sent_to() if o in openids)
        settled = not deliveries[DeliveryStatus.pending] and not deliveries[DeliveryStatus.sending]
        out.append(("push: every message accounted, none twice, counts equal to what WeChat received",
                    settled and sum(deliveries.values()) == population.members
                    and max(received.values(), default=0) <= 1
                    and sent_db <= sum(received.values()) <= sent_db + deliveries[DeliveryStatus.unknown],
                    f"{population.members} followers, deliveries {dict((k.value, v) for k, v in deliveries.items())}, "
                    f"WeChat received {sum(received.values())} ({max(received.values(), default=0)} at most each)"))
        db.engine.dispose()
    return out


def table(calm: dict[str, dict], faulted: dict[str, dict]) -> list[str]:
    lines = ["| kind | calm n | served | p50 ms | p99 ms | faulted n | served | p50 ms | p99 ms | p99 outside faults "
             "| faulted: not served |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for kind in (*CALLBACKS, *PEOPLE):
        a, b = calm.get(kind), faulted.get(kind)
        if not a and not b:
            continue
        a = a or {"n": 0, "ok": 0, "p50": float("nan"), "p99": float("nan")}
        b = b or {"n": 0, "ok": 0, "p50": float("nan"), "p99": float("nan"), "p99_outside": float("nan"),
                  "bad": Counter()}
        bad = ", ".join(f"{status}×{n}" for status, n in sorted(b["bad"].items())) or "—"
        lines.append(f"| {kind} | {a['n']:,} | {a['ok']:,} | {a['p50']:.0f} | {a['p99']:.0f} | {b['n']:,} | {b['ok']:,} | "
                     f"{b['p50']:.0f} | {b['p99']:.0f} | {b['p99_outside']:.0f} | {bad} |")
    return lines
