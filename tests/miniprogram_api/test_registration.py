"""Registration through the API: phone code (dev backend logs it), resend interval, wrong codes,
the real-name rules from services, the session becoming the member's; login rate limit."""
import logging
import re

from tests.factories import registration
from tests.steps import step

API = "/api/mp/v1"


def _token(client, openid):
    return {"Authorization": "Bearer " + client.post(f"{API}/login", json={"code": f"dev:{openid}"}).get_json()["token"]}


def _sent_code(caplog) -> str:
    messages = [r.getMessage() for r in caplog.records if r.name == "runtime.smsgateway"]
    return re.search(r"验证码 (\d{6})", messages[-1]).group(1)


def test_register_with_a_phone_code(app, session, sandbox, caplog):
    caplog.set_level(logging.INFO, logger="runtime.smsgateway")
    client = app.test_client()
    auth = _token(client, "o_reg_1")
    form = registration(volunteer=True)
    with step("发送验证码，60 秒内不重发"):
        sent = client.post(f"{API}/sms/code", json={"phone": form.phone}, headers=auth)
        assert sent.status_code == 200 and sent.get_json()["resend_after"] == 60
        too_soon = client.post(f"{API}/sms/code", json={"phone": form.phone}, headers=auth)
        assert too_soon.status_code == 429 and "秒后再试" in too_soon.get_json()["message"]
        code = _sent_code(caplog)

    with step("不同意、验证码错、身份证号错、缺字段都被拒"):
        body = {"name": form.name, "id_number": form.id_number, "phone": form.phone, "password": form.password,
                "joined_league": form.joined_league, "ethnicity": form.ethnicity, "education": form.education,
                "volunteer": True, "consent_notice": True, "consent_sensitive": True}
        unconsented = client.post(f"{API}/register", json={**body, "sms_code": code, "consent_notice": False}, headers=auth)
        assert unconsented.status_code == 400 and unconsented.get_json()["message"] == "请阅读并同意《个人信息保护说明》"
        no_separate = client.post(f"{API}/register", json={**body, "sms_code": code, "consent_sensitive": False},
                                  headers=auth)
        assert no_separate.status_code == 400 and "敏感个人信息" in no_separate.get_json()["message"]
        wrong = client.post(f"{API}/register", json={**body, "sms_code": "000000" if code != "000000" else "111111"},
                            headers=auth)
        assert wrong.status_code == 400 and wrong.get_json()["message"] == "验证码不正确"
        bad_id = client.post(f"{API}/register", json={**body, "sms_code": code, "id_number": "110101200005170000"},
                             headers=auth)
        assert bad_id.status_code == 400 and bad_id.get_json()["error"] == "id_number"
        missing = client.post(f"{API}/register", json={"sms_code": code}, headers=auth)
        assert missing.status_code == 400 and missing.get_json()["message"].startswith("缺少")

    with step("注册成功，本人看到完整信息"):
        done = client.post(f"{API}/register", json={**body, "sms_code": code}, headers=auth)
        assert done.status_code == 201, done.get_json()
        profile = done.get_json()["profile"]
        assert profile["phone"] == form.phone and profile["id_number"] == form.id_number  # the owner sees them
        me = client.get(f"{API}/me", headers=auth).get_json()
        assert me["name"] == form.name and me["is_volunteer"] is True
        assert client.get(f"{API}/me/hours", headers=auth).status_code == 200

    with step("不能重复注册，再次登录即已注册"):
        again = client.post(f"{API}/register", json={**body, "sms_code": code}, headers=auth)
        assert again.status_code == 409
        # The next login from the same WeChat user (same unionid) is recognised as registered.
        assert client.post(f"{API}/login", json={"code": "dev:o_reg_1#2"}).get_json()["registered"] is False
        relogin = client.post(f"{API}/login", json={"code": "dev:o_reg_1"})
        assert relogin.status_code == 401  # codes are single use; a fresh one:
        sandbox.used_codes.clear()
        assert client.post(f"{API}/login", json={"code": "dev:o_reg_1"}).get_json()["registered"] is True


def test_codes_expire_after_five_wrong_tries(app, session, sandbox, caplog):
    caplog.set_level(logging.INFO, logger="runtime.smsgateway")
    client = app.test_client()
    auth = _token(client, "o_reg_2")
    form = registration()
    client.post(f"{API}/sms/code", json={"phone": form.phone}, headers=auth)
    body = {"name": form.name, "id_number": form.id_number, "phone": form.phone, "password": form.password,
            "joined_league": form.joined_league, "ethnicity": form.ethnicity, "education": form.education,
            "consent_notice": True, "consent_sensitive": True}
    code = _sent_code(caplog)
    wrong = "000000" if code != "000000" else "111111"
    answers = [client.post(f"{API}/register", json={**body, "sms_code": wrong}, headers=auth).get_json()["message"]
               for _ in range(5)]
    assert answers[-1] == "验证码错误次数过多，请重新获取"
    late = client.post(f"{API}/register", json={**body, "sms_code": code}, headers=auth)
    assert late.get_json()["message"] == "验证码已过期或未获取，请重新获取"


def test_login_is_rate_limited(app, session, sandbox):
    client = app.test_client()
    statuses = [client.post(f"{API}/login", json={"code": "bogus"}).status_code for _ in range(31)]
    assert statuses[:30] == [401] * 30 and statuses[30] == 429
    limited = client.post(f"{API}/login", json={"code": "bogus"})
    assert limited.get_json()["message"] == "操作过于频繁，请稍后再试" and "Retry-After" in limited.headers
