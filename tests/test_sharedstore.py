"""One suite, two stores: the in-process default and Redis."""
import threading
import time

import pytest

from sharedstore import LockTimeout


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


def test_each_thread_keeps_its_redis_connection_and_makes_it_again_when_broken(redis_kv):
    """get/set/add run on the calling thread's own connection (the dedup's two commands a message); one
    that Redis closed (a restart, a timeout) is made again on the next command, which still answers."""
    kv = redis_kv
    kv.set("k", "v")
    names = {}

    def name_it(label: str) -> None:
        kv._command("CLIENT", "SETNAME", label)  # names this thread's own connection
        names[label] = kv.get("k")

    threads = [threading.Thread(target=name_it, args=(f"qc-thread-{i}",)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    mine = kv._command("CLIENT", "ID")  # this thread's connection
    assert kv._command("CLIENT", "ID") == mine  # kept, not taken anew
    listed = kv.client.execute_command("CLIENT", "LIST")
    assert names == {f"qc-thread-{i}": "v" for i in range(3)}
    assert all(f"name=qc-thread-{i}" in listed for i in range(3))
    assert kv.client.execute_command("CLIENT", "KILL", "ID", mine) == 1
    assert kv.add("after", "1", ttl=30) is True and kv.get("after") == "1"
    assert kv._command("CLIENT", "ID") != mine  # a new connection answered
