"""Key-value store and locks for every piece of shared state.

Access tokens, WeChat message dedup, rate limits, sessions and short locks must be shared by all
gunicorn workers in production (Redis), yet ``make run`` must work with nothing installed, so the
same small interface has an in-process implementation. Tests run one suite against both.
"""
from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from flask import Flask, current_app

logger = logging.getLogger(__name__)


class LockTimeout(RuntimeError):
    """The lock could not be had within the wait time."""


class StoreUnavailable(RuntimeError):
    """Redis is down, hung or was failing a moment ago. PostgreSQL is the truth and Redis only an
    accelerator, so callers that can do without it (dedup, caches) go on; others answer 503."""


class KeyValueStore(Protocol):
    def get(self, key: str) -> str | None: ...
    def set(self, key: str, value: str, ttl: float | None = None) -> None: ...
    def add(self, key: str, value: str, ttl: float | None = None) -> bool: ...
    def delete(self, key: str) -> None: ...
    def take(self, key: str) -> str | None: ...
    def incr(self, key: str, ttl: float | None = None) -> int: ...
    def ttl(self, key: str) -> float | None: ...
    def lock(self, name: str, timeout: float = 10, wait: float = 10) -> Iterator[None]: ...
    def ping(self) -> bool: ...
    def flush(self) -> None: ...


def fail_fast(timeout: float = 0.5) -> dict:
    """redis-py options for a client that must not hold a request on a hung or absent Redis: short
    timeouts and no retries (redis-py's default retries thrice with backoff: 10 s on a hung server).
    The shared store, the rate limits and enqueueing use them; RQ's workers, which block on purpose, do not."""
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return {"socket_timeout": timeout, "socket_connect_timeout": timeout, "retry": Retry(NoBackoff(), 0)}


class MemoryStore:
    """One process only: correct for ``make run`` and tests, never for several workers."""

    def __init__(self) -> None:
        self._data: dict[str, tuple[str, float | None]] = {}
        self._mutex = threading.Lock()

    def _live(self, key: str) -> tuple[str, float | None] | None:
        item = self._data.get(key)
        if item is not None and item[1] is not None and item[1] <= time.monotonic():
            del self._data[key]
            return None
        return item

    @staticmethod
    def _expiry(ttl: float | None) -> float | None:
        return None if ttl is None else time.monotonic() + ttl

    def get(self, key: str) -> str | None:
        with self._mutex:
            item = self._live(key)
            return None if item is None else item[0]

    def set(self, key: str, value: str, ttl: float | None = None) -> None:
        with self._mutex:
            self._data[key] = (value, self._expiry(ttl))

    def add(self, key: str, value: str, ttl: float | None = None) -> bool:
        with self._mutex:
            if self._live(key) is not None:
                return False
            self._data[key] = (value, self._expiry(ttl))
            return True

    def delete(self, key: str) -> None:
        with self._mutex:
            self._data.pop(key, None)

    def take(self, key: str) -> str | None:
        """The value, removed in the same step: of two takers at once, one gets it."""
        with self._mutex:
            item = self._live(key)
            self._data.pop(key, None)
            return None if item is None else item[0]

    def incr(self, key: str, ttl: float | None = None) -> int:
        with self._mutex:
            item = self._live(key)
            if item is None:
                value, expiry = 1, self._expiry(ttl)
            else:
                value, expiry = int(item[0]) + 1, item[1]
            self._data[key] = (str(value), expiry)
            return value

    def ttl(self, key: str) -> float | None:
        with self._mutex:
            item = self._live(key)
            if item is None or item[1] is None:
                return None
            return item[1] - time.monotonic()

    @contextmanager
    def lock(self, name: str, timeout: float = 10, wait: float = 10) -> Iterator[None]:
        token = uuid.uuid4().hex
        deadline = time.monotonic() + wait
        key = "lock:" + name
        while not self.add(key, token, ttl=timeout):
            if time.monotonic() >= deadline:
                raise LockTimeout(name)
            time.sleep(0.005)
        try:
            yield
        finally:
            with self._mutex:
                item = self._live(key)
                if item is not None and item[0] == token:
                    del self._data[key]

    def ping(self) -> bool:
        return True

    def flush(self) -> None:
        with self._mutex:
            self._data.clear()


class RedisStore:
    """Redis-backed store shared by every worker; keys carry a prefix so one Redis can serve several apps.

    Every command goes through redis-py's public client. get, set and add (two on every WeChat
    message) use each thread's own single-connection client (``single_connection_client``), which skips
    the pool's per-command checkout and its readiness system call; a connection Redis closed is made
    again once (a retry on connection errors only; a repeated SET NX answers as a duplicate at worst),
    one that timed out is dropped, so a late answer is never read as the next one's. What this class
    adds is the pause: after a failure, commands fail at once for a few seconds, so no thread waits on
    a dead server and the callers that can do without Redis go on.
    """

    #: Seconds a command may take: a hung Redis costs a request this once, then the store pauses.
    TIMEOUT = 0.5
    #: After a failure every command fails at once for this long (no thread waits on a dead server).
    PAUSE = 3.0

    def __init__(self, url: str, prefix: str = "qc:", *, timeout: float | None = None,
                 pause: float | None = None) -> None:
        import redis  # imported here so that the embedded default never needs a Redis client configured
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        options = fail_fast(self.TIMEOUT if timeout is None else timeout)
        self.client = redis.Redis.from_url(url, decode_responses=True, **options)
        # The threads' own connections: made again once when Redis closed them, never retried on a timeout.
        reconnect_once = Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,))
        self._own_pool = redis.ConnectionPool.from_url(url, decode_responses=True,
                                                       **{**options, "retry": reconnect_once})
        self.prefix = prefix
        self.pause = self.PAUSE if pause is None else pause
        self._paused_until = 0.0
        self._broken = (redis.ConnectionError, redis.TimeoutError, OSError)
        self._own = threading.local()

    def _mine(self):
        """This thread's client on a connection of its own (made anew in a forked child)."""
        own = self._own
        if getattr(own, "pid", None) != os.getpid():
            import redis

            own.client, own.pid = redis.Redis(connection_pool=self._own_pool, single_connection_client=True), os.getpid()
        return own.client

    def _guarded(self, call):
        """Run one call against Redis; a failure pauses the store for ``pause`` seconds."""
        if time.monotonic() < self._paused_until:
            raise StoreUnavailable("redis failed a moment ago")
        try:
            return call()
        except self._broken as exc:
            self._paused_until = time.monotonic() + self.pause
            logger.warning("shared store unavailable for %.0f s: %s", self.pause, type(exc).__name__)
            raise StoreUnavailable(type(exc).__name__) from exc

    @property
    def available(self) -> bool:
        return time.monotonic() >= self._paused_until

    def _k(self, key: str) -> str:
        return self.prefix + key

    @staticmethod
    def _px(ttl: float | None) -> int | None:
        return None if ttl is None else max(1, int(ttl * 1000))

    def get(self, key: str) -> str | None:
        return self._guarded(lambda: self._mine().get(self._k(key)))

    def set(self, key: str, value: str, ttl: float | None = None) -> None:
        self._guarded(lambda: self._mine().set(self._k(key), value, px=self._px(ttl)))

    def add(self, key: str, value: str, ttl: float | None = None) -> bool:
        return bool(self._guarded(lambda: self._mine().set(self._k(key), value, px=self._px(ttl), nx=True)))

    def delete(self, key: str) -> None:
        self._guarded(lambda: self.client.delete(self._k(key)))

    def take(self, key: str) -> str | None:
        return self._guarded(lambda: self._mine().getdel(self._k(key)))

    def incr(self, key: str, ttl: float | None = None) -> int:
        def run() -> int:
            pipe = self.client.pipeline()
            pipe.incr(self._k(key))
            if ttl is not None:
                pipe.pexpire(self._k(key), self._px(ttl), nx=True)
            return int(pipe.execute()[0])
        return self._guarded(run)

    def ttl(self, key: str) -> float | None:
        ms = self._guarded(lambda: self.client.pttl(self._k(key)))
        return None if ms < 0 else ms / 1000

    @contextmanager
    def lock(self, name: str, timeout: float = 10, wait: float = 10) -> Iterator[None]:
        # redis-py's Lock releases with a token check in Lua, so an expired holder cannot free another's lock.
        lock = self.client.lock(self._k("lock:" + name), timeout=timeout, blocking_timeout=wait)
        if not self._guarded(lock.acquire):
            raise LockTimeout(name)
        try:
            yield
        finally:
            try:
                lock.release()
            except Exception:  # noqa: BLE001 - the lock expired while held, or Redis went away
                logger.warning("lock %s expired before release", name)

    def ping(self) -> bool:
        return bool(self._guarded(self.client.ping))

    def flush(self) -> None:
        def run() -> None:
            for key in self.client.scan_iter(self.prefix + "*"):
                self.client.delete(key)
        self._guarded(run)


class FallbackStore:
    """The shared store, or this process's own while it is unavailable: for state that each process
    may keep alone for a while (the WeChat access token: the stable_token API hands every process the
    same one, so nothing is invalidated)."""

    def __init__(self, primary: KeyValueStore, fallback: KeyValueStore | None = None) -> None:
        self.primary, self.fallback = primary, fallback or MemoryStore()

    def __getattr__(self, name: str):
        primary, fallback = getattr(self.primary, name), getattr(self.fallback, name)
        if name == "lock":
            return self._lock

        def call(*args, **kwargs):
            try:
                return primary(*args, **kwargs)
            except StoreUnavailable:
                return fallback(*args, **kwargs)
        return call

    @contextmanager
    def _lock(self, name: str, timeout: float = 10, wait: float = 10) -> Iterator[None]:
        try:
            context = self.primary.lock(name, timeout=timeout, wait=wait)
            context.__enter__()
        except StoreUnavailable:
            with self.fallback.lock(name, timeout=timeout, wait=wait):
                yield
            return
        try:
            yield
        finally:
            context.__exit__(None, None, None)


def make_store(redis_url: str | None) -> KeyValueStore:
    return RedisStore(redis_url) if redis_url else MemoryStore()


class StoreProxy:
    """``extensions.store``: forwards to the store bound to the current app."""

    def init_app(self, app: Flask, store: KeyValueStore | None = None) -> None:
        app.extensions["store"] = store or make_store(app.config.get("REDIS_URL"))

    def __getattr__(self, name: str):
        return getattr(current_app.extensions["store"], name)
