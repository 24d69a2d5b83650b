import math

import pytest

import geo
from geo.coords import gcj02_to_wgs84, wgs84_to_gcj02

TIANANMEN_WGS = (39.90865, 116.39751)


def test_wgs84_to_gcj02_matches_the_published_offset_in_beijing():
    lat, lng = geo.convert(*TIANANMEN_WGS, "wgs84", "gcj02")
    assert (round(lat, 5), round(lng, 5)) == (39.91005, 116.40375)
    # The shift is larger than any fence: that is why points are converted before measuring.
    assert 400 < geo.distance_m(TIANANMEN_WGS, (lat, lng)) < 700


@pytest.mark.parametrize("src, dst", [(s, d) for s in geo.SYSTEMS for d in geo.SYSTEMS])
def test_every_pair_round_trips_within_centimetres(src, dst):
    start = (39.92113, 116.40735)
    there = geo.convert(*start, src, dst)
    back = geo.convert(*there, dst, src)
    assert geo.distance_m(start, back) < 0.1


def test_the_reverse_of_gcj02_is_solved_below_a_millimetre():
    for point in [(22.54, 114.06), (45.75, 126.63), (39.74, 116.14)]:
        assert geo.distance_m(point, gcj02_to_wgs84(*wgs84_to_gcj02(*point))) < 0.001


def test_no_offset_outside_mainland_china():
    for system in ("gcj02", "bd09"):
        assert geo.convert(48.8584, 2.2945, "wgs84", system) == (48.8584, 2.2945)
    assert geo.out_of_china(51.5, -0.12) and not geo.out_of_china(39.9, 116.4)


@pytest.mark.parametrize("lat, lng", [(None, 116.4), (91, 116.4), (39.9, 181), (math.nan, 116.4),
                                      ("abc", 116.4), (math.inf, 0)])
def test_bad_points_are_errors_not_decisions(lat, lng):
    with pytest.raises(geo.InvalidCoordinates):
        geo.convert(lat, lng, "wgs84", "gcj02")
    with pytest.raises(geo.InvalidCoordinates):
        geo.decide(lat, lng, "gcj02", 10, site_lat=39.9, site_lng=116.4, site_system="gcj02", radius_m=100)


def test_unknown_system_is_an_error():
    with pytest.raises(geo.InvalidCoordinates, match="坐标系"):
        geo.convert(39.9, 116.4, "wgs72", "gcj02")


SITE = dict(site_lat=39.92113, site_lng=116.40735, site_system="gcj02", radius_m=300)


def _north_of_site(metres: float) -> tuple[float, float]:
    # 1° of latitude is ~111.0 km here; refined with geopy so the edge tests are exact.
    lat = SITE["site_lat"] + metres / 111_000
    for _ in range(5):
        err = geo.distance_m((lat, SITE["site_lng"]), (SITE["site_lat"], SITE["site_lng"])) - metres
        lat -= err / 111_000
    return lat, SITE["site_lng"]


def test_just_inside_and_just_outside_the_radius():
    inside = geo.decide(*_north_of_site(299.5), "gcj02", 0, **SITE)
    outside = geo.decide(*_north_of_site(300.5), "gcj02", 0, **SITE)
    assert inside.valid and inside.reason == "ok" and inside.radius_m == 300
    assert not outside.valid and outside.reason == "too_far"
    assert "300" in outside.message and outside.distance_m == pytest.approx(300.5, abs=0.1)


def test_accuracy_gives_at_most_100_m_of_allowance():
    point = _north_of_site(380)
    assert geo.decide(*point, "gcj02", 80, **SITE).valid          # 380 − 80 ≤ 300
    assert not geo.decide(*point, "gcj02", 70, **SITE).valid      # 380 − 70 > 300
    far = _north_of_site(420)
    assert not geo.decide(*far, "gcj02", 300, **SITE).valid       # credit capped at 100
    assert geo.decide(*_north_of_site(399), "gcj02", 300, **SITE).valid


def test_poor_accuracy_is_refused_even_on_the_spot():
    decision = geo.decide(SITE["site_lat"], SITE["site_lng"], "gcj02", 501, **SITE)
    assert not decision.valid and decision.reason == "poor_accuracy" and decision.accuracy_m == 501
    assert geo.decide(SITE["site_lat"], SITE["site_lng"], "gcj02", 500, **SITE).valid
    with pytest.raises(geo.InvalidCoordinates):
        geo.decide(SITE["site_lat"], SITE["site_lng"], "gcj02", -1, **SITE)


def test_each_coordinate_system_is_converted_before_measuring():
    wgs = geo.convert(SITE["site_lat"], SITE["site_lng"], "gcj02", "wgs84")
    bd = geo.convert(SITE["site_lat"], SITE["site_lng"], "gcj02", "bd09")
    assert geo.decide(*wgs, "wgs84", 10, **SITE).distance_m < 1
    assert geo.decide(*bd, "bd09", 10, **SITE).distance_m < 1
    # The same numbers taken as GCJ-02 would be hundreds of metres off and refused.
    assert not geo.decide(*wgs, "gcj02", 10, **SITE).valid
    assert geo.decide(*wgs, "wgs84", None, **SITE).accuracy_m is None
