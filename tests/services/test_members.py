import datetime as dt

import pytest
import sqlalchemy as sa

from models import ApplicationStatus, BranchApplication, Member, Sex
from runtime.extensions import protector
from services.kernel.errors import Conflict, Forbidden, Invalid
from services.people import league_numbers, members
from services.people.idcard import make_id_number
from tests.factories import make_member, make_tree, registration

TODAY = dt.date(2026, 11, 22)


def register(session, **overrides):
    return members.register_member(session, registration(**overrides), today=TODAY)


def test_registration_derives_birth_and_sex_and_protects_personal_data(session):
    tree = make_tree(session)
    number = make_id_number("110101", dt.date(2001, 3, 9), 7, male=False)
    member = register(session, id_number=number, phone="13800138000", branch_id=tree.branch.id, volunteer=True)
    assert member.birth_date == dt.date(2001, 3, 9) and member.sex == Sex.female
    assert member.is_volunteer and member.volunteer_registered_at is not None
    row = session.execute(sa.text("SELECT * FROM members")).mappings().one()
    assert number not in str(dict(row)) and "13800138000" not in str(dict(row))
    assert protector.decrypt(member.id_number_enc) == number
    assert members.find_by_phone(session, "138 0013 8000").id == member.id
    # The branch decides: the member is not in it until then.
    assert member.branch_id is None
    assert session.scalar(sa.select(BranchApplication.status)) == ApplicationStatus.pending


def test_one_account_per_phone_and_per_id(session):
    first = register(session, phone="13900000001")
    with pytest.raises(Conflict) as err:
        register(session, phone="13900000001")
    assert err.value.code == "phone_taken" and "忘记密码" in err.value.message
    same_id = protector.decrypt(first.id_number_enc)
    with pytest.raises(Conflict) as err:
        register(session, phone="13900000002", id_number=same_id)
    assert err.value.code == "id_taken" and "身份认证" in err.value.message
    assert session.scalar(sa.select(sa.func.count()).select_from(Member)) == 1


@pytest.mark.parametrize("field, value, code", [
    ("password", "12345678", "password_digits"),
    ("password", "abc", "password_length"),
    ("password", "abcdefghijklmnopq", "password_length"),
    ("phone", "1234567", "phone"),
    ("name", "张", "name"),
    ("id_number", "110101200105170001", "id_number"),
    ("joined_league", "2015/05", "joined_league"),
    ("joined_league", "2030-01", "joined_league"),
    ("education", "幼儿园", "education"),
    ("ethnicity", "", "ethnicity"),
])
def test_field_rules(session, field, value, code):
    with pytest.raises(Invalid) as err:
        register(session, **{field: value})
    assert err.value.code == code and err.value.message


def test_league_age_and_join_date(session):
    with pytest.raises(Invalid, match="年满14周岁"):
        register(session, born=dt.date(2013, 1, 1), joined_league="2026-01")
    with pytest.raises(Invalid, match="入团时应年满14周岁"):
        register(session, born=dt.date(2005, 6, 1), joined_league="2015-01")


def test_league_number_rules(session):
    before = register(session, joined_league="2015-09")
    assert before.league_number.startswith("2015") and len(before.league_number) == 12
    given = register(session, joined_league="2016-05", league_number="201611223344")
    assert given.league_number == "201611223344"
    derived = register(session, joined_league="2016-05", student_number="1120160012345678")
    assert derived.league_number == "201612345678"
    with pytest.raises(Invalid, match="学号"):
        register(session, joined_league="2016-05")
    with pytest.raises(Invalid, match="团员证"):
        register(session, joined_league="2019-05")
    after = register(session, joined_league="2019-05", league_number="2019110100123")
    assert after.league_number == "2019110100123"
    with pytest.raises(Conflict, match="团员编号"):
        register(session, joined_league="2019-05", league_number="2019110100123")


def test_a_generated_league_number_that_is_taken_is_drawn_again(session, monkeypatch):
    """Pre-2016 numbers are the join year and eight random digits: a draw that hits a taken number is
    drawn again rather than refused (the member cannot change it)."""
    first = register(session, joined_league="2015-06")
    taken = int(first.league_number[4:])
    draws = iter([taken, taken, 7])
    monkeypatch.setattr(league_numbers.secrets, "randbelow", lambda _bound: next(draws))
    second = register(session, joined_league="2015-07")
    assert second.league_number == "201500000007" and first.league_number != second.league_number
    monkeypatch.setattr(league_numbers.secrets, "randbelow", lambda _bound: taken)  # never free: refused, clearly
    with pytest.raises(Conflict, match="团员编号"):
        register(session, joined_league="2015-08")
    assert session.scalar(sa.select(sa.func.count()).select_from(Member)) == 2


def test_volunteer_registration_is_idempotent_and_14_plus(session):
    member = register(session, volunteer=False)
    first = members.register_volunteer(session, member.id).volunteer_registered_at
    assert members.register_volunteer(session, member.id).volunteer_registered_at == first
    young = register(session, born=dt.date(2012, 1, 10), joined_league="2026-02", volunteer=False,
                     league_number="202600001111")
    with pytest.raises(Invalid, match="14周岁"):
        members.register_volunteer(session, young.id, today=dt.date(2026, 1, 5))
    with pytest.raises(Invalid, match="14周岁"):  # the day before the 14th birthday
        members.register_volunteer(session, young.id, today=dt.date(2026, 1, 9))
    assert members.register_volunteer(session, young.id, today=dt.date(2026, 1, 10)).is_volunteer  # exactly 14


def test_over_age_from_the_28th_birthday(session):
    member = make_member(session, born=dt.date(1998, 3, 1))
    assert members.league_status(member, dt.date(2026, 2, 28)) == "member"
    assert members.league_status(member, dt.date(2026, 3, 1)) == "over_age"


def test_over_age_cadre_stays_over_age_until_confirmed_by_an_organisation_above(session):
    tree = make_tree(session)
    member = make_member(session, branch=tree.branch, born=dt.date(1994, 1, 1), cadre=True)
    assert members.league_status(member, TODAY) == "over_age"
    with pytest.raises(Forbidden):
        members.confirm_cadre(session, tree.district.id, member.id)
    members.confirm_cadre(session, tree.university.id, member.id)
    assert members.league_status(member, TODAY) == "member"
    plain = make_member(session, branch=tree.branch, born=dt.date(1994, 1, 1))
    with pytest.raises(Invalid, match="未申报"):
        members.confirm_cadre(session, tree.branch.id, plain.id)


def test_profile_is_masked_for_everybody_but_the_owner(session):
    member = register(session, phone="13712345678")
    number = protector.decrypt(member.id_number_enc)
    mine, theirs = members.profile(member, viewer_is_owner=True), members.profile(member, viewer_is_owner=False)
    assert mine["phone"] == "13712345678" and mine["id_number"] == number
    assert theirs["phone"] == "137****5678" and theirs["id_number"] == number[:6] + "********" + number[-4:]


def test_concurrent_registrations_with_one_phone_make_one_account(session, pg_only, run_threads):
    forms = [registration(phone="13511112222") for _ in range(5)]

    def go(own, i):
        return members.register_member(own, forms[i], today=TODAY).id

    results = run_threads(5, go)
    assert sum(isinstance(r, int) for r in results) == 1, results
    assert all(isinstance(r, Conflict) for r in results if not isinstance(r, int))
    assert session.scalar(sa.select(sa.func.count()).select_from(Member)) == 1
