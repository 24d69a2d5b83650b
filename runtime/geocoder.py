"""Finding a site from its address (issue 36.5): Baidu Map's geocoder through geopy (``BaiduV3``: it
reads Chinese addresses well; the answer is BD-09, which the caller converts to the site's coordinate
system). In development and tests the app's own sandbox answers (``/sandbox/baidu``), offline;
production uses ``BAIDU_MAP_AK`` against api.map.baidu.com, and without a key nothing is looked up.
geopy was chosen over a hand-written HTTP call: it knows the API's parameters, statuses and errors."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Flask, current_app
from geopy.exc import GeopyError
from geopy.geocoders import BaiduV3

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Place:
    lat: float
    lng: float
    coord_system: str      # "bd09": Baidu's
    level: str | None      # 门址, 道路, 区县…: how precisely the address was found


def base_url(app: Flask) -> str | None:
    configured = app.config.get("GEOCODER_BASE_URL")
    if configured:
        return configured.rstrip("/")
    if app.config["APP_ENV"] == "production":
        return "https://api.map.baidu.com" if app.config.get("BAIDU_MAP_AK") else None
    return app.config["PUBLIC_BASE_URL"].rstrip("/") + "/sandbox/baidu"


def locate(address: str) -> Place | None:
    """The address's point, or None when it cannot be placed (or no geocoder is configured)."""
    address = (address or "").strip()
    base = base_url(current_app)
    if not address or base is None:
        return None
    scheme = base.split("://", 1)[0]
    geocoder = BaiduV3(api_key=current_app.config.get("BAIDU_MAP_AK") or "sandbox-ak", scheme=scheme, timeout=5)
    geocoder.api = base + geocoder.api_path  # the sandbox, or a proxy, instead of api.map.baidu.com
    try:
        found = geocoder.geocode(address)
    except GeopyError as exc:
        logger.info("address not placed (%s)", type(exc).__name__)
        return None
    if found is None:
        return None
    return Place(found.latitude, found.longitude, "bd09", (found.raw or {}).get("level"))
