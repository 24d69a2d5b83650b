"""Whether a request comes from this machine: what development surfaces and health details are kept for."""
from __future__ import annotations

import ipaddress


def is_loopback(address: str | None) -> bool:
    try:
        return ipaddress.ip_address(address or "").is_loopback
    except ValueError:
        return False
