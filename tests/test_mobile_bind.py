"""The bind page the bot links to: CSRF, signed token, login with lockout, pending team join."""
import re

import sqlalchemy as sa

from models import Member, TeamMembership
from services.people import wechat_users
from tests.factories import make_member, make_tree


def _form(client, url):
    page = client.get(url)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    return page, token


def test_bind_completes_the_waiting_team_scan(app, session):
    tree = make_tree(session)
    team = tree.team(session, tree.community)
    member = make_member(session, phone="13700001111")
    wechat_users.set_pending_team(session, "o_bind_1", team.id)
    with app.test_request_context():
        url = "/m/bind/" + wechat_users.bind_token("o_bind_1")
    client = app.test_client()
    page, csrf = _form(client, url)
    assert page.status_code == 200 and "绑定" in page.get_data(as_text=True)
    assert client.post(url, data={"phone": "13700001111", "password": "abc12345"}).status_code == 400  # no CSRF
    wrong = client.post(url, data={"phone": "13700001111", "password": "nope1234", "csrf_token": csrf})
    assert wrong.status_code == 400 and "手机号或密码错误" in wrong.get_data(as_text=True)
    done = client.post(url, data={"phone": "13700001111", "password": "abc12345", "csrf_token": csrf})
    body = done.get_data(as_text=True)
    assert done.status_code == 200 and "绑定成功" in body and team.name in body
    session.expire_all()
    assert session.get(Member, member.id).openid == "o_bind_1"
    assert session.scalar(sa.select(TeamMembership.team_id)) == team.id


def test_bad_links_and_lockout(app, session):
    make_member(session, phone="13700002222")
    client = app.test_client()
    bad = client.get("/m/bind/not-a-token")
    assert bad.status_code == 400 and "绑定链接无效" in bad.get_data(as_text=True)
    with app.test_request_context():
        url = "/m/bind/" + wechat_users.bind_token("o_bind_2")
    _, csrf = _form(client, url)
    for _ in range(5):
        client.post(url, data={"phone": "13700002222", "password": "wrong123", "csrf_token": csrf})
    locked = client.post(url, data={"phone": "13700002222", "password": "abc12345", "csrf_token": csrf})
    assert locked.status_code == 403 and "15分钟" in locked.get_data(as_text=True)
