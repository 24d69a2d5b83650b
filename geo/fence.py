"""The geofence decision for sign-in and sign-out.

Rule (issue 5): valid when distance − min(accuracy, 100 m) ≤ radius and accuracy ≤ 500 m. The
member's point is converted into the site's coordinate system first, since WGS-84 and GCJ-02 differ
by more than any fence. The answer always says how far and how far is allowed.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from geopy.distance import geodesic

from geo.coords import InvalidCoordinates, convert, validate_point

ACCURACY_CREDIT_M = 100.0
WORST_ACCURACY_M = 500.0


@dataclass(frozen=True)
class FenceDecision:
    valid: bool
    distance_m: float
    radius_m: float
    accuracy_m: float | None
    reason: str        # ok, too_far, poor_accuracy
    message: str       # Chinese, for the member

    def as_dict(self) -> dict:
        return asdict(self)


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Geodesic distance on WGS-84's ellipsoid (geopy, Karney's algorithm)."""
    return geodesic(a, b).meters


def _accuracy(value) -> float | None:
    if value is None:
        return None
    try:
        accuracy = float(value)
    except (TypeError, ValueError) as exc:
        raise InvalidCoordinates("定位精度格式不正确") from exc
    if math.isnan(accuracy) or math.isinf(accuracy) or accuracy < 0:
        raise InvalidCoordinates("定位精度应为非负数（米）")
    return accuracy


def decide(lat, lng, coord_system: str, accuracy_m, *, site_lat: float, site_lng: float, site_system: str,
           radius_m: float) -> FenceDecision:
    """``accuracy_m`` may be None where the client does not report it (a WeChat location message):
    then no allowance is given and none is refused for it."""
    lat, lng = validate_point(lat, lng)
    accuracy = _accuracy(accuracy_m)
    point = convert(lat, lng, coord_system, site_system)
    distance = round(distance_m(point, (site_lat, site_lng)), 1)
    if accuracy is not None and accuracy > WORST_ACCURACY_M:
        return FenceDecision(False, distance, radius_m, accuracy, "poor_accuracy",
                             f"定位精度太差（约{accuracy:.0f}米，需优于{WORST_ACCURACY_M:.0f}米），"
                             "请到开阔处打开GPS后重试")
    allowance = min(accuracy or 0.0, ACCURACY_CREDIT_M)
    if distance - allowance <= radius_m:
        return FenceDecision(True, distance, radius_m, accuracy, "ok",
                             f"定位有效：距服务地点约{distance:.0f}米（允许{radius_m:.0f}米）")
    return FenceDecision(False, distance, radius_m, accuracy, "too_far",
                         f"不在服务地点范围内：距服务地点约{distance:.0f}米，允许范围{radius_m:.0f}米")
