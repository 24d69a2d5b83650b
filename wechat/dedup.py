"""Exactly-once handling of WeChat deliveries.

WeChat retries an unanswered message three times within 15 s, sometimes while the first is still
running. The first delivery claims the message's key in the shared store (Redis in production); a
retry waits briefly for that reply and answers with it. The store is the only bookkeeping on the
hot path: every effect a handler has is idempotent in the database by itself (a membership is
unique per member and team, a sign-in carries the message key, a sign-out repeated within the retry
window returns the first one, follow/unfollow/bind set states), so a retry after the store lost its
keys changes nothing and answers from what is there ("已在服务队中" rather than "报到成功"). An
earlier version also kept each key and reply in a database table: it cost a lookup and a commit per
message (half the callback's time under load) for nothing the effects do not already guarantee.
"""
from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable

from runtime.extensions import store
from runtime.metrics import DEDUP_HITS
from runtime.sharedstore import StoreUnavailable

logger = logging.getLogger(__name__)

TTL = 300
WAIT_FOR_FIRST = 4.0
_BUSY = "\x00busy"
#: How long a (timestamp, nonce, signature) triple is remembered: twice the callback's clock window.
SIGNATURE_TTL = 600


def same_body_as_before(args: dict, body: bytes) -> bool:
    """False when this signature was already used with a different body: the plaintext signature does
    not cover the body, so a captured URL replayed with another message must be refused. The same
    body is WeChat's own retry and goes on to the exactly-once path. Keyed on what every mode verifies
    (timestamp, nonce, signature) and nothing else: a parameter no check reads, such as msg_signature
    on a plaintext message, would make each made-up value a fresh slot."""
    triple = "|".join(args.get(name, "") for name in ("timestamp", "nonce", "signature"))
    slot = "wxsig:" + hashlib.sha256(triple.encode()).hexdigest()
    digest = hashlib.sha256(body).hexdigest()
    try:
        if store.add(slot, digest, ttl=SIGNATURE_TTL):
            return True
        return store.get(slot) in (digest, None)
    except StoreUnavailable:
        return True  # without the store only the ±300 s window guards a captured URL, for now


def handle_once(key: str, handler: Callable[[], str | None]) -> str | None:
    """The first delivery runs the handler; a retry gets its reply. Without the store every delivery
    runs the handler, which is safe: every effect is idempotent in the database by itself."""
    try:
        return _handle_once(key, handler)
    except _StoreLost:
        logger.warning("exactly-once store unavailable: handling %s without it", key)
        return handler()


class _StoreLost(Exception):
    """The store failed before the handler ran."""


def _handle_once(key: str, handler: Callable[[], str | None]) -> str | None:
    slot = "wxmsg:" + key
    try:
        claimed = store.add(slot, _BUSY, ttl=TTL)
    except StoreUnavailable as exc:
        raise _StoreLost from exc
    if not claimed:
        DEDUP_HITS.inc()
        deadline = time.monotonic() + WAIT_FOR_FIRST
        while time.monotonic() < deadline:
            try:
                value = store.get(slot)
            except StoreUnavailable:
                return None  # the first delivery is working on it; WeChat keeps its answer
            if value is None or value != _BUSY:
                return value or None
            time.sleep(0.05)
        return None  # the first delivery is still working; WeChat keeps its answer
    try:
        reply = handler()
    except BaseException:
        _forget(slot)  # let WeChat's retry try again
        raise
    try:
        store.set(slot, reply or "", ttl=TTL)
    except StoreUnavailable:
        _forget(slot)
    return reply


def _forget(slot: str) -> None:
    try:
        store.delete(slot)
    except StoreUnavailable:
        pass  # the claim expires with its TTL
