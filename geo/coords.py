"""WGS-84 ↔ GCJ-02 ↔ BD-09.

GPS and the mini-program's default give WGS-84; Chinese maps (高德, 腾讯, WeChat's own map) give
GCJ-02, which is WGS-84 moved by a published non-linear offset of 100–700 m in mainland China;
百度 adds a further rotation (BD-09). WGS-84 → GCJ-02 is a closed formula; the reverse has none
and is solved by fixed-point iteration to well under a millimetre. Outside mainland China (the
usual bounding box) no offset applies, so every system is the same there.
"""
from __future__ import annotations

import math

SYSTEMS = ("wgs84", "gcj02", "bd09")

_A = 6378245.0                      # Krasovsky 1940 semi-major axis used by GCJ-02
_EE = 0.00669342162296594323        # its first eccentricity squared
_X_PI = math.pi * 3000.0 / 180.0


class InvalidCoordinates(ValueError):
    """Missing, NaN or out-of-range input: a client error (HTTP 400), never a fence decision."""


def validate_point(lat, lng) -> tuple[float, float]:
    try:
        lat_f, lng_f = float(lat), float(lng)
    except (TypeError, ValueError) as exc:
        raise InvalidCoordinates("缺少经纬度或格式不正确") from exc
    if math.isnan(lat_f) or math.isnan(lng_f) or math.isinf(lat_f) or math.isinf(lng_f):
        raise InvalidCoordinates("经纬度不是有效数字")
    if not -90 <= lat_f <= 90 or not -180 <= lng_f <= 180:
        raise InvalidCoordinates("经纬度超出范围（纬度 -90～90，经度 -180～180）")
    return lat_f, lng_f


def out_of_china(lat: float, lng: float) -> bool:
    return not (72.004 <= lng <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _offset(lat: float, lng: float) -> tuple[float, float]:
    x, y = lng - 105.0, lat - 35.0
    d_lat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
             + (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
             + (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
             + (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0)
    d_lng = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
             + (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
             + (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
             + (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lng = (d_lng * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return d_lat, d_lng


def wgs84_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    d_lat, d_lng = _offset(lat, lng)
    return lat + d_lat, lng + d_lng


def gcj02_to_wgs84(lat: float, lng: float) -> tuple[float, float]:
    w_lat, w_lng = lat, lng  # the offset is < 0.01°, so the GCJ point itself is a close first guess
    for _ in range(30):
        g_lat, g_lng = wgs84_to_gcj02(w_lat, w_lng)
        e_lat, e_lng = g_lat - lat, g_lng - lng
        w_lat, w_lng = w_lat - e_lat, w_lng - e_lng
        if abs(e_lat) < 1e-10 and abs(e_lng) < 1e-10:
            break
    return w_lat, w_lng


def gcj02_to_bd09(lat: float, lng: float) -> tuple[float, float]:
    z = math.hypot(lng, lat) + 0.00002 * math.sin(lat * _X_PI)
    theta = math.atan2(lat, lng) + 0.000003 * math.cos(lng * _X_PI)
    return z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065


def bd09_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    """百度's published inverse is approximate (~15 cm); a few fixed-point steps on the forward map fix it."""
    x, y = lng - 0.0065, lat - 0.006
    z = math.hypot(x, y) - 0.00002 * math.sin(y * _X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _X_PI)
    g_lat, g_lng = z * math.sin(theta), z * math.cos(theta)
    for _ in range(5):
        b_lat, b_lng = gcj02_to_bd09(g_lat, g_lng)
        g_lat, g_lng = g_lat - (b_lat - lat), g_lng - (b_lng - lng)
    return g_lat, g_lng


_TO_GCJ = {"wgs84": wgs84_to_gcj02, "gcj02": lambda lat, lng: (lat, lng), "bd09": bd09_to_gcj02}
_FROM_GCJ = {"wgs84": gcj02_to_wgs84, "gcj02": lambda lat, lng: (lat, lng), "bd09": gcj02_to_bd09}


def convert(lat, lng, src: str, dst: str) -> tuple[float, float]:
    """Convert a point between systems through GCJ-02, the hub every pair shares."""
    if src not in SYSTEMS or dst not in SYSTEMS:
        raise InvalidCoordinates(f"坐标系应为 {', '.join(SYSTEMS)} 之一")
    lat, lng = validate_point(lat, lng)
    if src == dst or out_of_china(lat, lng):
        return lat, lng
    return _FROM_GCJ[dst](*_TO_GCJ[src](lat, lng))
