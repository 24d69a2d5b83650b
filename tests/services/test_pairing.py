import pytest
import sqlalchemy as sa

from models import Pairing, PairingStatus
from services import orgs, pairing
from services.errors import Conflict, Forbidden, Invalid
from tests.factories import make_tree


def _codes(session, tree, *departments, category="urban"):
    codes = pairing.issue_codes(session, tree.city.id, tree.university.id, category, len(departments))
    for code, dept in zip(codes, departments, strict=True):
        pairing.allocate_code(session, tree.university.id, code, dept.id)
    return codes


def test_accepting_one_street_lapses_the_other_applications(session):
    tree = make_tree(session)
    street2 = orgs.create_organization(session, tree.district.id, "和平里街道团工委", "street", category="urban")
    code, = _codes(session, tree, tree.dept)
    a = pairing.apply(session, tree.dept.id, tree.street.id, code)
    b = pairing.apply(session, tree.dept.id, street2.id, code)
    assert pairing.apply(session, tree.dept.id, tree.street.id, code).id == a.id
    pairing.decide(session, street2.id, b.id, accept=True)
    session.refresh(a)
    assert (a.status, b.status) == (PairingStatus.lapsed, PairingStatus.accepted)
    with pytest.raises(Conflict, match="已与"):
        pairing.apply(session, tree.dept.id, tree.street.id, code)
    with pytest.raises(Conflict, match="已处理"):
        pairing.decide(session, tree.street.id, a.id, accept=True)


def test_code_must_be_the_departments_and_match_the_category(session):
    tree = make_tree(session)
    urban, = _codes(session, tree, tree.dept)
    with pytest.raises(Invalid, match="郊区|城区"):
        pairing.apply(session, tree.dept.id, tree.suburb.id, urban)
    with pytest.raises(Invalid, match="结对码无效"):
        pairing.apply(session, tree.dept2.id, tree.street.id, urban)
    with pytest.raises(Forbidden):
        pairing.apply(session, tree.branch.id, tree.street.id, urban)
    with pytest.raises(Invalid, match="街道"):
        pairing.apply(session, tree.dept.id, tree.community.id, urban)
    with pytest.raises(Forbidden):
        pairing.issue_codes(session, tree.district.id, tree.university.id, "urban", 1)


def test_capacity_first_come_first_served_and_dissolve_frees_a_place(session):
    tree = make_tree(session)
    depts = [orgs.create_organization(session, tree.university.id, f"第{i}学院团委", "department") for i in range(3)]
    codes = _codes(session, tree, *depts)
    pairing.set_capacity(session, tree.district.id, tree.street.id, 2)
    apps = [pairing.apply(session, d.id, tree.street.id, c) for d, c in zip(depts, codes, strict=True)]
    pairing.decide(session, tree.street.id, apps[0].id, accept=True)
    pairing.decide(session, tree.street.id, apps[1].id, accept=True)
    with pytest.raises(Conflict, match="名额已满"):
        pairing.decide(session, tree.street.id, apps[2].id, accept=True)
    late = orgs.create_organization(session, tree.university.id, "第9学院团委", "department")
    late_code, = _codes(session, tree, late)
    with pytest.raises(Conflict, match="名额已满"):
        pairing.apply(session, late.id, tree.street.id, late_code)
    with pytest.raises(Conflict, match="不能少于"):
        pairing.set_capacity(session, tree.street.id, tree.street.id, 1)
    with pytest.raises(Forbidden):
        pairing.dissolve(session, tree.suburb.id, apps[0].id)
    pairing.dissolve(session, tree.street.id, apps[0].id, reason="学院调整")
    pairing.decide(session, tree.street.id, apps[2].id, accept=True)
    assert sorted(pairing.paired_department_ids(session, tree.street.id)) == sorted([depts[1].id, depts[2].id])


def test_rejection(session):
    tree = make_tree(session)
    code, = _codes(session, tree, tree.dept)
    application = pairing.apply(session, tree.dept.id, tree.street.id, code)
    pairing.decide(session, tree.street.id, application.id, accept=False, reason="名额已安排")
    assert application.status == PairingStatus.rejected and application.reason == "名额已安排"
    assert pairing.apply(session, tree.dept.id, tree.street.id, code).status == PairingStatus.pending


def test_concurrent_accepts_never_exceed_capacity(session, pg_only, run_threads):
    tree = make_tree(session)
    depts = [orgs.create_organization(session, tree.university.id, f"并发{i}学院团委", "department") for i in range(8)]
    codes = _codes(session, tree, *depts)
    apps = [pairing.apply(session, d.id, tree.street.id, c).id for d, c in zip(depts, codes, strict=True)]

    street_id = tree.street.id
    results = run_threads(8, lambda own, i: pairing.decide(own, street_id, apps[i], accept=True).status)
    accepted = session.scalar(sa.select(sa.func.count()).select_from(Pairing).where(
        Pairing.street_id == tree.street.id, Pairing.status == PairingStatus.accepted))
    assert accepted == pairing.DEFAULT_CAPACITY == sum(r == PairingStatus.accepted for r in results)
    assert all(isinstance(r, Conflict) for r in results if r != PairingStatus.accepted)


def test_concurrent_accepts_of_one_department_by_two_streets_pair_it_once(session, pg_only, run_threads):
    tree = make_tree(session)
    street2 = orgs.create_organization(session, tree.district.id, "和平里街道团工委", "street", category="urban")
    code, = _codes(session, tree, tree.dept)
    apps = [pairing.apply(session, tree.dept.id, s.id, code).id for s in (tree.street, street2)]
    streets = [tree.street.id, street2.id]
    results = run_threads(2, lambda own, i: pairing.decide(own, streets[i], apps[i], accept=True).status)
    assert sum(r == PairingStatus.accepted for r in results) == 1, results
    assert session.scalar(sa.select(sa.func.count()).select_from(Pairing).where(
        Pairing.status == PairingStatus.accepted)) == 1
