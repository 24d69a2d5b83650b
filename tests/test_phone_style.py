"""The phone pages in WeChat's own style (issue 37.5): WeUI from the npm lock, served by the app; the
bottom tab bar; result pages whose icon matches how it went, with one way on; and after joining from a
poster, the team's WeChat group QR for its own members only."""
from __future__ import annotations

import io
import re

from qr.poster import qr_image
from runtime.extensions import protector
from services.organisations import team_extras
from services.organisations.team_qr import join_token
from services.people import wechat_users
from tests.factories import make_member, make_tree
from tests.web import PASSWORD, csrf_token, mobile_login


def test_phone_pages_load_weui_from_the_app_and_carry_the_tab_bar(app, session, sandbox):
    member = make_member(session, name="韩梅梅")
    wechat_users.bind(session, member.id, "o_style")
    phone = app.test_client()
    mobile_login(phone, "o_style", "/m/")
    html = phone.get("/m/").get_data(as_text=True)
    assert '<link rel="stylesheet" href="/static/vendor/weui.min.css">' in html
    weui = phone.get("/static/vendor/weui.min.css")
    assert weui.status_code == 200 and b".weui-tabbar" in weui.data and b".weui-msg" in weui.data
    tabs = re.findall(r'class="weui-tabbar__label">([^<]+)<', html)
    assert tabs == ["首页", "项目", "时长", "我的"]
    assert 'weui-bar__item_on" aria-current="page"' in html  # 首页 lit on the home page
    hours = phone.get("/m/hours").get_data(as_text=True)
    assert re.search(r'href="/m/hours" class="weui-tabbar__item weui-bar__item_on"', hours)
    assert "http://" not in html.split("<body")[0] and "https://" not in html.split("<body")[0]  # nothing third-party


def test_result_pages_say_how_it_went_with_one_way_on(app, session, sandbox):
    member = make_member(session, name="李华")
    phone = app.test_client()
    mobile_login(phone, "o_result", "/m/")
    broken = phone.get("/m/bind/not-a-token")
    html = broken.get_data(as_text=True)
    assert broken.status_code in (400, 403, 404) and "weui-icon-warn" in html and "weui-icon-success" not in html
    assert "重新点击菜单获取绑定链接" in html and "返回首页" in html
    with app.test_request_context():
        token = wechat_users.bind_token("o_result")
    page = phone.get(f"/m/bind/{token}")
    done = phone.post(f"/m/bind/{token}", data={"csrf_token": csrf_token(page), "phone": protector.decrypt(member.phone_enc),
                                                "password": PASSWORD})
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and "绑定成功" in html and "weui-icon-success" in html
    assert html.count('class="button"') == 1 and ">进入首页<" in html  # one main next action
    assert "weui-tabbar" not in html  # a result page stands alone


def _group_qr_png() -> bytes:
    buffer = io.BytesIO()
    qr_image("https://weixin.qq.com/g/AQYAAAgroup", 400).convert("RGB").save(buffer, format="PNG")
    return buffer.getvalue()


def test_joining_from_the_poster_shows_the_group_qr_to_members_only(app, session, sandbox):
    tree = make_tree(session)
    team = tree.team(session, tree.community)
    team_extras.set_group_qr(session, team.id, _group_qr_png(), actor=("account", None))
    joiner, stranger = make_member(session, name="赵一"), make_member(session, name="钱二")
    wechat_users.bind(session, joiner.id, "o_joiner")
    wechat_users.bind(session, stranger.id, "o_stranger")
    code = team.code
    with app.test_request_context():
        path = "/j/" + join_token(team)
    phone = app.test_client()
    mobile_login(phone, "o_joiner", path)
    joined = phone.post(path, data={"csrf_token": csrf_token(phone.get(path))})
    html = joined.get_data(as_text=True)
    assert joined.status_code == 200 and "报到成功" in html and "长按识别二维码" in html
    image = phone.get(f"/m/teams/{code}/group-qr.png")
    assert image.status_code == 200 and image.mimetype == "image/png" and image.data.startswith(b"\x89PNG")
    other = app.test_client()
    mobile_login(other, "o_stranger", "/m/")
    refused = other.get(f"/m/teams/{code}/group-qr.png", headers={"Accept": "image/avif,image/webp,*/*"})
    assert refused.status_code == 404 and not refused.data.startswith(b"\x89PNG")
