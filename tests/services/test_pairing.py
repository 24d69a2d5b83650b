"""结对 as seed 001 describes it: 先到先得 at once with a code of the street's category, caps of 5 urban
and 3 suburban (the city may lower one), the offline pairing confirmed by both sides within three days
or lapsing, one street per department, and every step race-safe on PostgreSQL."""
import datetime as dt

import pytest
import sqlalchemy as sa

from models import Pairing, PairingStatus
from services.kernel.beijing_time import BEIJING
from services.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from services.organisations import orgs, pairing
from tests.factories import make_tree


def _codes(session, tree, *departments, category="urban"):
    codes = pairing.issue_codes(session, tree.city.id, tree.university.id, category, len(departments))
    for code, dept in zip(codes, departments, strict=True):
        pairing.allocate_code(session, tree.university.id, code, dept.id)
    return codes


def _departments(session, tree, count, prefix="第"):
    return [orgs.create_organization(session, tree.university.id, f"{prefix}{i}学院团委", "department")
            for i in range(count)]


def test_a_department_pairs_at_once_and_only_once(session):
    tree = make_tree(session)
    street2 = orgs.create_organization(session, tree.district.id, "和平里街道团工委", "street", category="urban")
    code, = _codes(session, tree, tree.dept)
    pair = pairing.pair(session, tree.dept.id, tree.street.id, code)
    assert pair.status == PairingStatus.accepted and not pair.settled
    assert pairing.paired_department_ids(session, tree.street.id) == [tree.dept.id]
    with pytest.raises(Conflict, match="已与"):
        pairing.pair(session, tree.dept.id, street2.id, code)


def test_code_must_be_the_departments_and_match_the_category(session):
    tree = make_tree(session)
    urban, = _codes(session, tree, tree.dept)
    with pytest.raises(Invalid, match="城区"):
        pairing.pair(session, tree.dept.id, tree.suburb.id, urban)
    with pytest.raises(Invalid, match="结对码无效"):
        pairing.pair(session, tree.dept2.id, tree.street.id, urban)
    with pytest.raises(Forbidden):
        pairing.pair(session, tree.branch.id, tree.street.id, urban)
    with pytest.raises(Invalid, match="街道"):
        pairing.pair(session, tree.dept.id, tree.community.id, urban)
    with pytest.raises(Forbidden):
        pairing.issue_codes(session, tree.district.id, tree.university.id, "urban", 1)


def test_an_urban_street_takes_five_the_sixth_is_refused_and_dissolving_frees_a_place(session):
    tree = make_tree(session)
    depts = _departments(session, tree, 6)
    codes = _codes(session, tree, *depts)
    assert pairing.capacity_of(tree.street) == 5
    pairs = [pairing.pair(session, d.id, tree.street.id, c) for d, c in zip(depts[:5], codes[:5], strict=True)]
    assert [s.id for s, _ in pairing.open_streets(session, tree.street.category)] == []
    with pytest.raises(Conflict, match="名额已满"):
        pairing.pair(session, depts[5].id, tree.street.id, codes[5])
    with pytest.raises(Forbidden):
        pairing.dissolve(session, tree.suburb.id, pairs[0].id)
    pairing.dissolve(session, tree.street.id, pairs[0].id, reason="学院调整")
    assert pairing.pair(session, depts[5].id, tree.street.id, codes[5]).status == PairingStatus.accepted


def test_a_suburban_street_takes_three(session):
    tree = make_tree(session)
    depts = _departments(session, tree, 4)
    codes = _codes(session, tree, *depts, category="suburban")
    for dept, code in zip(depts[:3], codes[:3], strict=True):
        pairing.pair(session, dept.id, tree.suburb.id, code)
    with pytest.raises(Conflict, match="名额已满"):
        pairing.pair(session, depts[3].id, tree.suburb.id, codes[3])


def test_only_the_city_lowers_a_cap_never_above_the_category_nor_below_the_pairs(session):
    tree = make_tree(session)
    depts = _departments(session, tree, 3)
    codes = _codes(session, tree, *depts)
    with pytest.raises(Forbidden, match="团市委"):
        pairing.set_capacity(session, tree.street.id, tree.street.id, 2)
    with pytest.raises(Forbidden, match="团市委"):
        pairing.set_capacity(session, tree.district.id, tree.street.id, 2)
    with pytest.raises(Invalid, match="1至5"):
        pairing.set_capacity(session, tree.city.id, tree.street.id, 6)
    with pytest.raises(Invalid, match="1至3"):
        pairing.set_capacity(session, tree.city.id, tree.suburb.id, 4)
    pairing.set_capacity(session, tree.city.id, tree.street.id, 2)
    for dept, code in zip(depts[:2], codes[:2], strict=True):
        pairing.pair(session, dept.id, tree.street.id, code)
    with pytest.raises(Conflict, match="名额已满"):
        pairing.pair(session, depts[2].id, tree.street.id, codes[2])
    with pytest.raises(Conflict, match="不能少于"):
        pairing.set_capacity(session, tree.city.id, tree.street.id, 1)
    assert pairing.capacity_of(pairing.set_capacity(session, tree.city.id, tree.street.id, None)) == 5


def _at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 10, day, hour, minute, tzinfo=BEIJING).astimezone(dt.UTC)


def test_offline_pairing_confirmed_on_day_three_holds_and_lapses_on_day_four(session):
    """Paired on 15 October (not counted): 16, 17, 18 October are the three days; from 19 October 00:00
    Beijing time an unconfirmed pairing lapses and its place is free again."""
    tree = make_tree(session)
    kept, dropped, late = _departments(session, tree, 3)
    codes = _codes(session, tree, kept, dropped, late)
    first = pairing.pair(session, kept.id, tree.street.id, codes[0], now=_at(15, 23, 30))
    second = pairing.pair(session, dropped.id, tree.street.id, codes[1], now=_at(15, 9))
    assert first.offline_due_at == second.offline_due_at == _at(19, 0)
    pairing.confirm_offline(session, tree.university.id, first.id, now=_at(18, 10))   # the department's side
    with pytest.raises(Forbidden):
        pairing.confirm_offline(session, tree.suburb.id, first.id, now=_at(18, 11))
    pairing.confirm_offline(session, tree.street.id, first.id, now=_at(18, 23, 59))   # day 3, last minute
    pairing.confirm_offline(session, dropped.id, second.id, now=_at(17, 8))         # one side only
    assert pairing.lapse_overdue(session, now=_at(18, 23, 59)) == 0
    with pytest.raises(Conflict, match="已超过三日"):
        pairing.confirm_offline(session, tree.street.id, second.id, now=_at(19, 0, 1))
    assert pairing.lapse_overdue(session, now=_at(19, 0, 1)) == 1                    # day 4
    session.expire_all()
    first, second = session.get(Pairing, first.id), session.get(Pairing, second.id)
    assert first.status == PairingStatus.accepted and first.settled
    assert second.status == PairingStatus.lapsed and second.reason == pairing.LAPSE_REASON
    assert pairing.paired_department_ids(session, tree.street.id) == [kept.id]
    with pytest.raises(NotFound):
        pairing.confirm_offline(session, dropped.id, second.id, now=_at(19, 1))
    # The lapsed department may pair again (with its same code), here or elsewhere.
    assert pairing.pair(session, dropped.id, tree.street.id, codes[1], now=_at(20, 9)).status == PairingStatus.accepted
    assert pairing.lapse_overdue(session, now=dt.datetime(2026, 12, 1, tzinfo=dt.UTC)) == 1  # settled pairs stay


def test_concurrent_pairings_never_exceed_the_cap(session, pg_only, run_threads):
    tree = make_tree(session)
    depts = _departments(session, tree, 8, prefix="并发")
    codes = _codes(session, tree, *depts)
    street_id = tree.street.id
    results = run_threads(8, lambda own, i: pairing.pair(own, depts[i].id, street_id, codes[i]).status)
    accepted = session.scalar(sa.select(sa.func.count()).select_from(Pairing).where(
        Pairing.street_id == street_id, Pairing.status == PairingStatus.accepted))
    assert accepted == 5 == sum(r == PairingStatus.accepted for r in results)
    assert all(isinstance(r, Conflict) for r in results if r != PairingStatus.accepted)


def test_one_department_racing_to_two_streets_pairs_once(session, pg_only, run_threads):
    tree = make_tree(session)
    street2 = orgs.create_organization(session, tree.district.id, "和平里街道团工委", "street", category="urban")
    code, = _codes(session, tree, tree.dept)
    streets, dept_id = [tree.street.id, street2.id], tree.dept.id
    results = run_threads(2, lambda own, i: pairing.pair(own, dept_id, streets[i], code).status)
    assert sum(r == PairingStatus.accepted for r in results) == 1, results
    assert session.scalar(sa.select(sa.func.count()).select_from(Pairing).where(
        Pairing.status == PairingStatus.accepted)) == 1
