"""One scheduler at a time. RQ's cron scheduler keeps no lock: two running queued every periodic job
twice (the hourly dashboard recount included). The scheduler holds a Redis lock (redis-py's Lock, with
its token check) while it runs, extended by a thread every LOCK_TTL/3; a second scheduler waits for it
and takes over within LOCK_TTL of the first one's end. A holder that loses the lock (Redis restarted and
another took it, or a pause past its TTL) stops scheduling at once and goes back to waiting."""
from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable

import redis
from redis.exceptions import LockError

logger = logging.getLogger(__name__)

LOCK_NAME = "qingchun:scheduler:lock"
LOCK_TTL = 30


class LockLost(Exception):
    """Raised in the scheduler's main thread when its lock is gone: it must stop queueing."""


def _raise_lock_lost(_signum, _frame):
    raise LockLost


def hold(connection: redis.Redis, *, say: Callable[[str], None] = logger.info) -> Callable[[], None]:
    """Block until this process holds the lock; return the function that releases it. While held, a
    thread extends it; losing it raises LockLost in the main thread (through SIGUSR1)."""
    lock = connection.lock(LOCK_NAME, timeout=LOCK_TTL, thread_local=False)
    told = False
    while not lock.acquire(blocking=True, blocking_timeout=1):
        if not told:
            say("另一个定时任务进程正在运行：等待它的锁（它停止后接手）")
            told = True
    signal.signal(signal.SIGUSR1, _raise_lock_lost)
    stop = threading.Event()
    main = threading.main_thread().ident
    threading.Thread(target=_keep, args=(lock, stop, main), daemon=True, name="scheduler-lock").start()

    def release() -> None:
        stop.set()
        try:
            lock.release()
        except (LockError, redis.RedisError):
            pass  # already expired or taken: nothing of ours to free
    return release


def _keep(lock, stop: threading.Event, main: int) -> None:
    held_until = time.monotonic() + LOCK_TTL
    while not stop.wait(LOCK_TTL / 3):
        try:
            lock.extend(LOCK_TTL, replace_ttl=True)
            held_until = time.monotonic() + LOCK_TTL
            continue
        except LockError:
            logger.warning("scheduler lock lost to another scheduler: stopping")
        except redis.RedisError as exc:
            if time.monotonic() < held_until:
                continue  # Redis away for a moment; the lock may still be ours
            logger.warning("scheduler lock not extended (%s): stopping", type(exc).__name__)
        signal.pthread_kill(main, signal.SIGUSR1)
        return
