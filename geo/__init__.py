"""Coordinate systems and geofences: pure functions, no Flask, no database.

``convert(lat, lng, src, dst)`` with ``src``/``dst`` in {"wgs84", "gcj02", "bd09"} returns ``(lat, lng)``.
"""
from geo.coords import SYSTEMS, InvalidCoordinates, convert, out_of_china, validate_point
from geo.fence import FenceDecision, decide, distance_m

__all__ = ["SYSTEMS", "FenceDecision", "InvalidCoordinates", "convert", "decide", "distance_m", "out_of_china",
           "validate_point"]
