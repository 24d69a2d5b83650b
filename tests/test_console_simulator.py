"""The console's development-only simulator page drives the bot end to end, in both modes."""
import sqlalchemy as sa

from app import create_app
from models import TeamMembership
from services.people import wechat_users
from tests.factories import make_account, make_member, make_tree
from tests.web import console_login, csrf_token


def test_buttons_send_signed_messages_and_show_the_reply(app, session):
    tree = make_tree(session)
    make_account(session, tree.street, "donghuamen")
    team = tree.team(session, tree.community)
    member = make_member(session, name="韩梅梅")
    wechat_users.bind(session, member.id, "o_sim_page")
    client = console_login(app, "donghuamen")
    page = client.get("/console/dev/simulator")
    assert page.status_code == 200 and "MY_PROFILE" in page.get_data(as_text=True)
    token = csrf_token(page)
    scan = client.post("/console/dev/simulator", data={
        "csrf_token": token, "kind": "scan", "openid": "o_sim_page", "key": f"team:{team.code}", "aes": "1"})
    body = scan.get_data(as_text=True)
    assert "HTTP 200" in body and "报到成功" in body and team.name in body
    again = client.post("/console/dev/simulator", data={
        "csrf_token": token, "kind": "text", "openid": "o_sim_page", "content": "帮助"})
    assert "签到" in again.get_data(as_text=True)
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count()).select_from(TeamMembership)) == 1


def test_not_served_in_production(tmp_path):
    from tests.security.production import production_env

    url = f"sqlite:///{tmp_path}/p.db"
    production = create_app({**production_env(DATABASE_URL=url), "TESTING": True})
    assert "console_dev.simulator_page" not in production.view_functions
