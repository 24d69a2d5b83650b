"""One table of handlers, keyed by message type or event name (as wechatpy's registries are)."""
from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

Handler = Callable[["Context"], str | None]  # noqa: F821 - Context is in handlers.context
_TABLE: dict[tuple[str, str], Handler] = {}


def on_event(*names: str):
    def register(fn: Handler) -> Handler:
        for name in names:
            _TABLE[("event", name.lower())] = fn
        return fn
    return register


def on_message(*types: str):
    def register(fn: Handler) -> Handler:
        for kind in types:
            _TABLE[("message", kind.lower())] = fn
        return fn
    return register


def fallback(fn: Handler) -> Handler:
    _TABLE[("fallback", "")] = fn
    return fn


def lookup(raw: dict) -> Handler:
    kind = str(raw.get("MsgType", "")).lower()
    key = ("event", str(raw.get("Event", "")).lower()) if kind == "event" else ("message", kind)
    return _TABLE.get(key) or _TABLE[("fallback", "")]


def registered() -> list[tuple[str, str]]:
    return sorted(_TABLE)
