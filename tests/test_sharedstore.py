"""One suite, two stores: the in-process default and Redis."""
import threading
import time

import pytest
import redis

from runtime.sharedstore import LockTimeout
from tests.conftest import REDIS_URL


def test_get_set_delete(kv):
    assert kv.get("a") is None
    kv.set("a", "1")
    assert kv.get("a") == "1"
    kv.delete("a")
    assert kv.get("a") is None


def test_values_expire(kv):
    kv.set("short", "x", ttl=0.05)
    assert kv.get("short") == "x"
    assert 0 < kv.ttl("short") <= 0.05
    time.sleep(0.08)
    assert kv.get("short") is None
    assert kv.ttl("short") is None


def test_add_only_when_absent(kv):
    assert kv.add("dedup:msg1", "first reply", ttl=30) is True
    assert kv.add("dedup:msg1", "second reply", ttl=30) is False
    assert kv.get("dedup:msg1") == "first reply"


def test_take_gives_the_value_to_one_taker(kv):
    import threading

    kv.set("sms:code", "123456", ttl=30)
    barrier, got = threading.Barrier(8), []

    def take():
        barrier.wait(timeout=5)
        got.append(kv.take("sms:code"))

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(got, key=str) == ["123456"] + [None] * 7
    assert kv.get("sms:code") is None and kv.take("sms:code") is None


def test_incr_keeps_its_first_expiry(kv):
    assert kv.incr("rate:ip", ttl=0.2) == 1
    assert kv.incr("rate:ip", ttl=10) == 2
    assert kv.ttl("rate:ip") <= 0.2
    time.sleep(0.25)
    assert kv.incr("rate:ip", ttl=10) == 1


def test_lock_excludes_other_threads(kv):
    kv.set("counter", "0")

    def bump():
        for _ in range(20):
            with kv.lock("counter", timeout=5, wait=10):
                value = int(kv.get("counter"))
                time.sleep(0.0005)
                kv.set("counter", str(value + 1))

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert kv.get("counter") == "80"  # no lost update


def test_lock_wait_times_out_and_is_released_after_use(kv):
    with kv.lock("token-refresh", timeout=5):
        with pytest.raises(LockTimeout):
            with kv.lock("token-refresh", wait=0.05):
                pass
    with kv.lock("token-refresh", wait=0.05):
        assert True


def test_an_expired_lock_can_be_taken(kv):
    with kv.lock("stale", timeout=0.05):
        time.sleep(0.1)
        with kv.lock("stale", wait=0.05):
            assert True


def test_flush_empties(kv):
    kv.set("x", "1")
    kv.flush()
    assert kv.get("x") is None


def test_a_connection_redis_closed_is_made_again_and_the_command_answers(redis_kv):
    """Redis restarting or timing a client out closes its connections; the next get/set/add (the dedup's
    two commands a message) still answers, on a new connection, without pausing the store."""
    kv = redis_kv
    kv.set("k", "v")
    with redis.Redis.from_url(REDIS_URL, decode_responses=True) as admin:  # as a Redis restart would
        mine = admin.client_id()
        db = str(admin.connection_pool.connection_kwargs.get("db", 0))
        killed = [c["id"] for c in admin.client_list() if c["db"] == db and c["id"] != str(mine)]
        for client in killed:
            admin.client_kill_filter(_id=client)
    assert killed  # the store's connections were there, and are gone
    assert kv.add("after", "1", ttl=30) is True and kv.get("after") == "1" and kv.get("k") == "v"
    assert kv.available  # answered on new connections, without pausing the store
