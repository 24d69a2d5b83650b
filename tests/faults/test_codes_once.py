"""Issue 35.2: a verification code is spent in the step that checks it. Six password resets sent at
once with one code (PostgreSQL, a Redis of the test's own) used to answer 200 each: checked, committed,
then consumed. Now one of them resets the password and the others are told the code is used."""
from __future__ import annotations

import logging
import re
import threading

from runtime.extensions import db, protector
from services.people import members
from tests.factories import make_member

API = "/api/mp/v1"


def test_six_resets_at_once_with_one_code_reset_once(fault_app, caplog):
    caplog.set_level(logging.INFO, logger="runtime.smsgateway")
    with fault_app.test_request_context():
        member = make_member(db.session)
        phone = protector.decrypt(member.phone_enc)
    clients = [fault_app.test_client() for _ in range(6)]
    assert clients[0].post(f"{API}/password/reset/code", json={"phone": phone}).status_code == 200
    code = re.search(r"验证码 (\d{6})", [r.getMessage() for r in caplog.records
                                        if r.name == "runtime.smsgateway"][-1]).group(1)
    forms = [{"phone": phone, "code": code, "password": f"newpass{i}0"} for i in range(6)]
    barrier, answers = threading.Barrier(6), [None] * 6

    def reset(i):
        barrier.wait(timeout=10)
        response = clients[i].post(f"{API}/password/reset", json=forms[i])
        answers[i] = (response.status_code, response.get_data(as_text=True))

    threads = [threading.Thread(target=reset, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    statuses = [status for status, _ in answers]
    assert statuses.count(200) == 1, statuses
    assert all(status == 400 and ("验证码已使用" in body or "验证码已过期" in body)
               for status, body in answers if status != 200)
    winner = forms[statuses.index(200)]["password"]
    with fault_app.app_context():
        assert members.authenticate(db.session, phone, winner).id == member.id
