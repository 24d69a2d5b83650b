"""The API client against the sandbox over real HTTP: one shared token, refresh once on 40001/42001."""
import threading

import pytest
from wechatpy.exceptions import WeChatClientException

from wechat import menu
from wechat.client import get_client


def test_one_token_shared_by_every_client(app, session, sandbox):
    clients = [get_client() for _ in range(6)]
    tokens = []

    def use(client):
        with app.app_context():
            tokens.append(client.access_token)

    threads = [threading.Thread(target=use, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(tokens)) == 1 and sandbox.token_grants == 1
    assert len(sandbox.calls_to("cgi-bin/stable_token")) == 1


def test_expired_token_is_refreshed_once_and_the_call_retried(app, session, sandbox):
    client = get_client()
    client.menu.create(menu.load("http://x"))
    sandbox.expire_tokens()
    assert get_client().menu.get()["menu"]["button"][0]["name"] == "找组织"
    assert sandbox.token_grants == 2


def test_a_second_refusal_is_raised_not_looped(app, session, sandbox):
    client = get_client()
    client.access_token  # noqa: B018 - fetch one
    sandbox.failures["cgi-bin/menu/get"] = [40001, 40001]
    with pytest.raises(WeChatClientException) as err:
        client.menu.get()
    assert err.value.errcode == 40001 and sandbox.token_grants == 2


def test_menu_limits_are_checked_before_pushing(app, session, sandbox):
    data = menu.load("http://x")
    data["button"].append({"type": "click", "name": "多余", "key": "X"})
    with pytest.raises(menu.MenuError, match="1至3"):
        menu.sync(get_client(), data)
    data = menu.load("http://x")
    data["button"][2]["sub_button"] *= 2
    with pytest.raises(menu.MenuError, match="二级菜单"):
        menu.validate(data)
    data = menu.load("http://x")
    data["button"][1]["name"] = "这是一个很长的菜单名"
    with pytest.raises(menu.MenuError, match="16字节"):
        menu.validate(data)
    assert sandbox.calls_to("cgi-bin/menu/create") == []


def test_sync_menu_command(app, session, sandbox):
    result = app.test_cli_runner().invoke(args=["wechat", "sync-menu"])
    assert result.exit_code == 0, result.output
    assert "找组织 · 社区服务 · 志愿服务" in result.output
    assert [b["name"] for b in sandbox.menu["button"]] == ["找组织", "社区服务", "志愿服务"]


def test_wechat_error_codes_reach_the_caller(app, session, sandbox):
    client = get_client()
    sandbox.unfollowed.add("o_gone")
    with pytest.raises(WeChatClientException) as err:
        client.message.send_template("o_gone", "tmpl", {"thing1": {"value": "x"}})
    assert err.value.errcode == 43004
    sandbox.quotas["cgi-bin/message/template/send"] = 0
    with pytest.raises(WeChatClientException) as err:
        client.message.send_template("o_here", "tmpl", {})
    assert err.value.errcode == 45009
    sandbox.quotas.clear()
    assert client.message.send_template("o_here", "tmpl", {})["msgid"] > 0


def test_jscode2session_and_qrcode(app, session, sandbox):
    client = get_client()
    sandbox.miniprogram_appid = client.appid
    assert client.wxa.code_to_session("dev:o_mini_1")["openid"] == "o_mini_1"
    with pytest.raises(WeChatClientException) as err:
        client.wxa.code_to_session("dev:o_mini_1")
    assert err.value.errcode == 40163
    with pytest.raises(WeChatClientException) as err:
        client.wxa.code_to_session("garbage")
    assert err.value.errcode == 40029
    ticket = client.qrcode.create({"action_name": "QR_LIMIT_STR_SCENE",
                                   "action_info": {"scene": {"scene_str": "team:ABC"}}})
    assert ticket["url"].endswith("team:ABC") and ticket["ticket"] in sandbox.tickets
    image = client.wxa.get_wxa_code_unlimited("p=ABC", page="pages/project")
    assert image.content[:8] == b"\x89PNG\r\n\x1a\n"
