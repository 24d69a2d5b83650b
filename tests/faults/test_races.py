"""Issue 20.6 and 20.7: races that broke a rule or answered 500, proven on PostgreSQL with threads."""
from __future__ import annotations

import datetime as dt
import threading
import time

import sqlalchemy as sa

from models import Enrolment, Member, Organization, Pairing, PairingStatus, RecordStatus, ServiceRecord, utcnow
from runtime.extensions import db
from services.organisations import orgs, pairing
from services.volunteering import checkin
from tests.factories import here, join, make_dated_project, make_member, make_tree


def test_pairings_racing_a_capacity_cut_never_exceed_the_cut(session, pg_only, run_threads):
    tree = make_tree(session)
    for attempt in range(3):
        street = orgs.create_organization(session, tree.district.id, f"竞态{attempt}街道团工委", "street",
                                          category="urban")
        depts = [orgs.create_organization(session, tree.university.id, f"竞态{attempt}-{i}学院团委", "department")
                 for i in range(5)]
        codes = pairing.issue_codes(session, tree.city.id, tree.university.id, "urban", 5)
        for code, dept in zip(codes, depts, strict=True):
            pairing.allocate_code(session, tree.university.id, code, dept.id)
        street_id, city_id, dept_ids = street.id, tree.city.id, [d.id for d in depts]

        def act(own, i, street_id=street_id, dept_ids=dept_ids, codes=codes, city_id=city_id):
            if i == 0:
                return pairing.set_capacity(own, city_id, street_id, 1).pairing_capacity
            return pairing.pair(own, dept_ids[i - 1], street_id, codes[i - 1]).status

        run_threads(6, act)
        session.expire_all()
        capacity = pairing.capacity_of(session.get(Organization, street_id))
        accepted = session.scalar(sa.select(sa.func.count()).select_from(Pairing).where(
            Pairing.street_id == street_id, Pairing.status == PairingStatus.accepted))
        assert accepted <= capacity, f"run {attempt}: {accepted} pairings on a street of {capacity}"


def test_a_sign_out_waiting_for_a_sign_in_sees_it_and_never_500s(app, session, pg_only):
    tree = make_tree(session)
    team = tree.team(session, tree.community)
    now = utcnow()
    project = make_dated_project(session, tree, team, start=now - dt.timedelta(hours=1))
    member = make_member(session)
    join(session, member, team)
    session.add(Enrolment(project_id=project.id, member_id=member.id))
    session.commit()
    member_id, project_id = member.id, project.id

    holder = sa.orm.Session(db.engine)  # a sign-in in progress: it holds the member's lock
    holder.scalar(sa.select(Member).where(Member.id == member_id).with_for_update())
    outcome = {}

    def sign_out():
        with app.app_context():
            own = sa.orm.Session(db.engine)
            try:
                result = checkin.sign_out(own, member_id, project_id, here())
                outcome["result"] = (result.record.status, result.record.signin_at, result.record.signout_at)
            except Exception as exc:  # noqa: BLE001 - the test inspects it
                outcome["error"] = exc
            finally:
                own.close()

    thread = threading.Thread(target=sign_out)
    thread.start()
    time.sleep(0.3)  # the sign-out has read the clock's old value and waits for the lock
    holder.add(ServiceRecord(project_id=project_id, member_id=member_id, status=RecordStatus.open,
                             signin_at=utcnow(), source="test"))
    holder.commit()
    holder.close()
    thread.join(timeout=10)
    assert "error" not in outcome, outcome.get("error")
    status, signin_at, signout_at = outcome["result"]
    assert status == RecordStatus.pending and signout_at >= signin_at
