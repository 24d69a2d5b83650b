"""Issue 19.8: 30 wrong passwords fired in parallel get at most 5 real checks (an atomic counter)."""
from __future__ import annotations

import threading

from runtime.extensions import protector
from services.people import members, wechat_users
from tests.factories import make_member
from tests.web import csrf_token


def test_thirty_parallel_wrong_passwords_get_at_most_five_checks(app, session, monkeypatch):
    member = make_member(session)
    phone = protector.decrypt(member.phone_enc)
    token = wechat_users.bind_token("o_attacker")
    checks, lock = [], threading.Lock()
    real_check = members.check_password

    def counting(password_hash, password):
        with lock:
            checks.append(password)
        return real_check(password_hash, password)

    monkeypatch.setattr(members, "check_password", counting)
    clients = [app.test_client() for _ in range(30)]
    forms = [{"csrf_token": csrf_token(c.get(f"/m/bind/{token}")), "phone": phone, "password": f"wrong{i:03d}"}
             for i, c in enumerate(clients)]
    barrier, statuses = threading.Barrier(30), [None] * 30

    def attack(i):
        barrier.wait(timeout=10)
        statuses[i] = clients[i].post(f"/m/bind/{token}", data=forms[i]).status_code

    threads = [threading.Thread(target=attack, args=(i,)) for i in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(checks) <= 5, f"{len(checks)} passwords were checked"
    assert statuses.count(403) >= 25 and set(statuses) <= {400, 403}
    # Locked for the right password too, for the lock's 15 minutes.
    right = clients[0].post(f"/m/bind/{token}", data={**forms[0], "password": "abc12345"})
    assert right.status_code == 403 and "15分钟" in right.get_data(as_text=True)
