"""How one environment value is read: choices, numbers, flags, intervals, networks and the template's
field map, each refusing a bad value with a ConfigError that names the variable and what it wants
(runtime/config.py puts them together; a typo in a deployment fails at start, never at the first push)."""
from __future__ import annotations

import ipaddress
import json


class ConfigError(RuntimeError):
    """Raised at start-up when the environment cannot make a safe configuration."""


def networks(raw: str) -> tuple[str, ...]:
    try:
        return tuple(str(ipaddress.ip_network(part.strip())) for part in raw.split(",") if part.strip())
    except ValueError as exc:
        raise ConfigError(f"METRICS_NETWORKS must be networks such as 10.0.0.0/8: {exc}") from exc


def choice(env: dict, name: str, allowed: tuple[str, ...]) -> str:
    value = env.get(name) or allowed[0]
    if value not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def message_mode(env: dict, aes_key: str | None, production: bool) -> str:
    default = ("safe" if production else "compatible") if aes_key else "plain"
    mode = env.get("WECHAT_MESSAGE_MODE") or default
    if mode not in ("plain", "compatible", "safe"):
        raise ConfigError(f"WECHAT_MESSAGE_MODE must be plain, compatible or safe, not {mode!r}")
    if mode != "plain" and not aes_key:
        raise ConfigError(f"WECHAT_MESSAGE_MODE={mode} needs WECHAT_ENCODING_AES_KEY")
    return mode


def coord(env: dict, name: str, default: str) -> str:
    value = env.get(name) or default
    if value not in ("wgs84", "gcj02", "bd09"):
        raise ConfigError(f"{name} must be wgs84, gcj02 or bd09, not {value!r}")
    return value


def number(env: dict, name: str, default, kind=int, minimum=0):
    raw = env.get(name)
    try:
        value = default if raw in (None, "") else kind(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, not {raw!r}") from exc
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}")
    return value


def intervals(env: dict, name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    raw = env.get(name)
    if not raw:
        return default
    try:
        values = tuple(int(part) for part in raw.split(","))
    except ValueError as exc:
        raise ConfigError(f"{name} must be whole seconds separated by commas, not {raw!r}") from exc
    if any(v < 0 for v in values):
        raise ConfigError(f"{name} must not be negative")
    return values


def flag(env: dict, name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw not in ("1", "0", "true", "false", "yes", "no"):
        raise ConfigError(f"{name} must be 1 or 0, not {raw!r}")
    return raw in ("1", "true", "yes")


PUSH_FIELD_SOURCES = ("title", "time", "site", "team", "contact")
DEFAULT_PUSH_FIELDS = {"thing1": "title", "time2": "time", "thing3": "site"}
REMINDER_FIELD_SOURCES = ("title", "time", "note")
DEFAULT_REMINDER_FIELDS = {"thing1": "title", "time2": "time", "thing3": "note"}


def push_fields(env: dict, name: str = "PUSH_TEMPLATE_FIELDS", default: dict = DEFAULT_PUSH_FIELDS,
                sources: tuple[str, ...] = PUSH_FIELD_SOURCES) -> dict[str, str]:
    """A template's keyword → what fills it, as JSON in ``name``."""
    raw = env.get(name)
    if not raw:
        return dict(default)
    try:
        fields = json.loads(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a JSON object") from exc
    if (not isinstance(fields, dict) or not fields
            or any(not isinstance(k, str) or not k.isidentifier() or v not in sources
                   for k, v in fields.items())):
        raise ConfigError(f"{name} maps template keywords to one of " + ", ".join(sources))
    return fields


def hour_window(env: dict, name: str, default: tuple[int, int]) -> tuple[int, int]:
    """Hours of the Beijing day as FROM-UNTIL (9-21: from 09:00 to before 21:00)."""
    raw = env.get(name)
    if not raw:
        return default
    try:
        start, end = (int(part) for part in raw.split("-"))
    except ValueError:
        raise ConfigError(f"{name} must be hours such as 9-21") from None
    if not 0 <= start < end <= 24:
        raise ConfigError(f"{name} must be hours such as 9-21, the first before the second")
    return start, end
