"""Registering as a volunteer and joining or transferring between branches through the API."""
from services.people import branches, mp_sessions
from tests.factories import make_member, make_tree

API = "/api/mp/v1"


def _client(app, session, member):
    token, _ = mp_sessions.create(session, openid="o_extras", unionid=None, member_id=member.id)
    return app.test_client(), {"Authorization": f"Bearer {token}"}


def test_register_as_volunteer(app, session):
    make_tree(session)
    member = make_member(session, volunteer=False)
    client, auth = _client(app, session, member)
    first = client.post(f"{API}/me/volunteer", headers=auth).get_json()
    assert first["is_volunteer"] is True and first["registered_at"]
    again = client.post(f"{API}/me/volunteer", headers=auth).get_json()
    assert again == first                                   # ticking it again changes nothing
    assert client.get(f"{API}/me", headers=auth).get_json()["is_volunteer"] is True


def test_join_then_transfer_branch(app, session):
    tree = make_tree(session)
    member = make_member(session)
    client, auth = _client(app, session, member)
    found = client.get(f"{API}/branches", query_string={"q": "计算机"}, headers=auth).get_json()["branches"]
    assert [b["id"] for b in found] == [tree.branch.id]
    assert found[0]["path"] == "北京理工大学团委 / 计算机学院团委 / 计算机学院2024级1班团支部"
    assert client.get(f"{API}/branches", query_string={"q": ""}, headers=auth).status_code == 400

    assert client.get(f"{API}/me/branch", headers=auth).get_json() == {"branch": None, "application": None, "leaving": None}
    applied = client.post(f"{API}/me/branch", json={"branch_id": tree.branch.id}, headers=auth)
    assert applied.status_code == 201
    assert applied.get_json()["application"]["kind"] == "join"
    assert client.post(f"{API}/me/branch", json={"branch_id": tree.branch.id}, headers=auth).status_code == 200
    other = client.post(f"{API}/me/branch", json={"branch_id": tree.branch2.id}, headers=auth)
    assert other.status_code == 409 and "请等待审核" in other.get_json()["message"]
    not_branch = client.post(f"{API}/me/branch", json={"branch_id": tree.dept.id}, headers=auth)
    assert not_branch.status_code in (400, 409)
    assert client.post(f"{API}/me/branch/withdraw", headers=auth).get_json()["application"] is None
    assert client.post(f"{API}/me/branch/withdraw", headers=auth).status_code == 404

    client.post(f"{API}/me/branch", json={"branch_id": tree.branch.id}, headers=auth)
    application = branches.pending_application(session, member.id)
    branches.decide(session, tree.dept.id, application.id, accept=True)   # the department accepts
    mine = client.get(f"{API}/me/branch", headers=auth).get_json()
    assert mine["branch"]["id"] == tree.branch.id and mine["application"] is None
    transfer = client.post(f"{API}/me/branch", json={"branch_id": tree.branch2.id}, headers=auth).get_json()
    assert transfer["application"]["kind"] == "transfer" and transfer["branch"]["id"] == tree.branch.id
    assert client.post(f"{API}/me/branch", json={"branch_id": "x"}, headers=auth).status_code == 400
