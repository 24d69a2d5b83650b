"""SMS_BACKEND=tencent: the official Tencent Cloud SDK sends through the sandbox's stand-in endpoint,
so the real client code runs; a refused send is a 503 that the member may retry at once."""
from __future__ import annotations

import pytest

from runtime.smsgateway import TencentSender
from services.kernel.errors import Unavailable
from services.people import mp_sessions, sms
from tests.factories import make_member


def _sender(app, secret_id="sandbox-sms-secret-id") -> TencentSender:
    base = app.config["WECHAT_API_BASE_URL"]
    return TencentSender(secret_id=secret_id, secret_key="sandbox-sms-secret-key", sdk_app_id="1400000000",
                         sign_name="青春北京", template_id="100000", region="ap-guangzhou",
                         endpoint=f"{base}/tencent-sms")


def test_a_code_goes_through_tencent_clouds_sdk(app, session, sandbox, monkeypatch):
    monkeypatch.setitem(app.extensions, "sms_sender", _sender(app))
    member = make_member(session)
    token, _ = mp_sessions.create(session, openid="o_tc", unionid=None, member_id=member.id)
    sent = app.test_client().post("/api/mp/v1/sms/code", json={"phone": "13812345678"},
                                  headers={"Authorization": "Bearer " + token})
    assert sent.status_code == 200
    message = sandbox.sms[-1]
    assert message["phone"] == "+8613812345678" and message["sign"] == "青春北京" and message["template"] == "100000"
    purpose, code = message["params"]
    assert purpose == "注册" and len(code) == 6
    sms.take_code("13812345678", code)  # the code that went out is the one that is checked
    call = next(c for c in sandbox.calls if c.path == "tencent-sms")
    assert call.params == {"action": "SendSms"} and "PhoneNumberSet" not in (call.body or {})


def test_a_refused_send_is_503_and_may_be_retried_at_once(app, session, sandbox, monkeypatch):
    monkeypatch.setitem(app.extensions, "sms_sender", _sender(app, secret_id="AKIDwrong"))
    with pytest.raises(Unavailable):
        sms.send_code("13812345679")
    monkeypatch.setitem(app.extensions, "sms_sender", _sender(app))
    assert sms.send_code("13812345679") == sms.RESEND_SECONDS  # no 60 s wait after a failed send
    assert sandbox.sms[-1]["phone"] == "+8613812345679"
