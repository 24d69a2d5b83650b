"""修改报到 (seed 000): a coordinator removes a member from a team with a reason, or moves them to another
team of the sub-tree; audited, the member told, the history and the hours kept; through the console
and the coordinator API."""
import pytest
import sqlalchemy as sa

from models import AuditEntry, TeamMembership
from services.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from services.organisations import team_changes, teams
from services.people import mp_sessions, wechat_users
from tests.factories import join, make_account, make_member, make_tree
from tests.web import console_login, csrf_token


@pytest.fixture
def joined(session):
    tree = make_tree(session)
    duofu, shaojiu, village = (tree.team(session, org) for org in (tree.community, tree.community2, tree.village))
    member = make_member(session, name="周小舟")
    join(session, member, duofu)
    return tree, duofu, shaojiu, village, member


def test_move_and_remove_keep_the_history_and_the_rules(session, joined):
    tree, duofu, shaojiu, village, member = joined
    with pytest.raises(Invalid, match="请填写原因"):
        team_changes.remove(session, tree.community.id, duofu.id, member.id, " ")
    with pytest.raises(Forbidden):
        team_changes.move(session, tree.community.id, duofu.id, member.id, shaojiu.id, "搬家")  # 韶九 is not under 多福巷
    with pytest.raises(Forbidden):
        team_changes.remove(session, tree.suburb.id, duofu.id, member.id, "不是本组织")
    moved = team_changes.move(session, tree.street.id, duofu.id, member.id, shaojiu.id, "已搬到韶九社区")
    assert "调整为「韶九社区青年志愿者服务队」" in moved.notice and "已搬到韶九社区" in moved.notice
    assert teams.active_community_membership(session, member.id).team_id == shaojiu.id
    history = session.scalars(sa.select(TeamMembership).where(TeamMembership.member_id == member.id)
                              .order_by(TeamMembership.id)).all()
    assert [(m.team_id, m.left_at is None) for m in history] == [(duofu.id, False), (shaojiu.id, True)]
    with pytest.raises(NotFound, match="没有扫码加入"):
        team_changes.remove(session, tree.street.id, duofu.id, member.id, "再移一次")
    # A second community team is refused when moving from a non-community team.
    street_team = tree.team(session, tree.street)
    join(session, member, street_team)
    with pytest.raises(Conflict, match="其他社区"):
        team_changes.move(session, tree.district.id, street_team.id, member.id, village.id, "调整")
    removed = team_changes.remove(session, tree.street.id, shaojiu.id, member.id, "长期未参加活动")
    assert removed.new is None and "移出服务队" in removed.notice
    assert teams.active_community_membership(session, member.id) is None
    actions = session.scalars(sa.select(AuditEntry.action).where(AuditEntry.action.like("team.%_member"))).all()
    assert actions == ["team.move_member", "team.remove_member"]


def test_console_and_api_change_membership_and_tell_the_member(app, session, sandbox, joined, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)  # notices run inline
    tree, duofu, shaojiu, village, member = joined
    wechat_users.bind(session, member.id, "o_moved")
    make_account(session, tree.street, "donghuamen")
    client = console_login(app, "donghuamen")
    page = client.get(f"/console/teams/{duofu.id}")
    html = page.get_data(as_text=True)
    assert "周小舟" in html and "修改报到" in html and "韶九社区青年志愿者服务队" in html
    moved = client.post(f"/console/teams/{duofu.id}/members/{member.id}/move",
                        data={"csrf_token": csrf_token(page), "to_team": str(shaojiu.id), "reason": "已搬家"})
    assert "已将该团员调整到「韶九社区青年志愿者服务队」" in client.get(moved.headers["Location"]).get_data(as_text=True)
    told = [body["text"]["content"] for _, touser, body in sandbox.sent if touser == "o_moved"]
    assert told and "已搬家" in told[-1]

    # The coordinator API, with an organisation login of its own.
    api_token, _ = mp_sessions.create(session, openid="o_coord", unionid=None)
    mp_sessions.attach_account(session, api_token, tree.street.accounts[0].id)
    auth = {"Authorization": f"Bearer {api_token}"}
    api = app.test_client()
    missing = api.post(f"/api/mp/v1/org/teams/{shaojiu.code}/members/{member.id}/remove", json={}, headers=auth)
    assert missing.status_code == 400
    removed = api.post(f"/api/mp/v1/org/teams/{shaojiu.code}/members/{member.id}/remove",
                       json={"reason": "长期未参加活动"}, headers=auth)
    assert removed.status_code == 200 and removed.get_json()["moved_to"] is None
    again = api.post(f"/api/mp/v1/org/teams/{shaojiu.code}/members/{member.id}/remove",
                     json={"reason": "长期未参加活动"}, headers=auth)
    assert again.status_code == 404
