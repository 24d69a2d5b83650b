"""Issue 39.14: with ``make run HOST=0.0.0.0`` the development sandbox, which lists every SMS code it
sent (``/sandbox/_control/calls``) and lets anyone pick a WeChat user, was open to the LAN; and
``/healthz`` through nginx named the database and store kinds. Both are now this machine's alone."""
from __future__ import annotations

LAN = {"REMOTE_ADDR": "192.168.1.23"}


def test_the_sandbox_answers_this_machine_only(app, session, monkeypatch):
    client = app.test_client()
    for path in ("/sandbox/_control/calls", "/sandbox/connect/oauth2/authorize?appid=x&redirect_uri=/m/&state=s"):
        assert client.get(path, environ_base=LAN).status_code == 403
        assert client.get(path).status_code != 403  # 127.0.0.1, the test client's default
    refused = client.get("/sandbox/_control/calls", environ_base=LAN)
    assert "本机" in refused.get_data(as_text=True) and "errcode" not in refused.get_data(as_text=True)
    monkeypatch.setitem(app.config, "SANDBOX_NETWORK", True)
    assert client.get("/sandbox/_control/calls", environ_base=LAN).status_code == 200


def test_healthz_keeps_its_detail_for_local_callers(app, session):
    client = app.test_client()
    remote = client.get("/healthz", environ_base={"REMOTE_ADDR": "203.0.113.9"}).get_json()
    assert set(remote) == {"status", "database", "store", "font"}
    local = client.get("/healthz").get_json()
    assert {"database_kind", "store_kind", "font_file"} <= set(local)
