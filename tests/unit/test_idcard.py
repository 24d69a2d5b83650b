import datetime as dt

import pytest

from services.people.idcard import IdNumberError, age_on, check_digit, make_id_number, parse_id_number


def test_parses_the_standard_example_with_x_check_digit():
    info = parse_id_number("11010519491231002x")
    assert info.number == "11010519491231002X"
    assert info.birth_date == dt.date(1949, 12, 31)
    assert info.male is False  # 17th digit 2 is even
    assert info.region == "110105"


@pytest.mark.parametrize("value, message", [
    ("11010519491231002", "18位"),
    ("01010519491231002X", "18位"),
    ("110105194912310021", "校验位"),
    ("110105194913310028", "出生日期"),
])
def test_rejects_bad_numbers_with_a_chinese_reason(value, message):
    first17 = value[:17]
    if message == "出生日期":
        value = first17 + check_digit(first17)
    with pytest.raises(IdNumberError, match=message):
        parse_id_number(value)


def test_birth_date_in_the_future_is_invalid():
    number = make_id_number("110101", dt.date(2030, 1, 1), 1, True)
    with pytest.raises(IdNumberError, match="出生日期"):
        parse_id_number(number, today=dt.date(2026, 11, 22))


def test_made_numbers_round_trip_with_sex():
    for seq in range(0, 400, 37):
        for male in (True, False):
            info = parse_id_number(make_id_number("110108", dt.date(2004, 2, 29), seq, male))
            assert info.male is male and info.birth_date == dt.date(2004, 2, 29)


def test_age_counts_birthdays():
    assert age_on(dt.date(2012, 11, 23), dt.date(2026, 11, 22)) == 13
    assert age_on(dt.date(2012, 11, 22), dt.date(2026, 11, 22)) == 14
