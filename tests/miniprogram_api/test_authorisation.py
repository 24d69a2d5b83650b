"""Who may do what through the API: member / coordinator / committee × own team / another team /
another sub-tree, on every coordinator endpoint."""
import datetime as dt

import pytest

from models import utcnow
from services.volunteering import projects
from tests.factories import SITE, make_account, make_member, make_project_input, make_tree

API = "/api/mp/v1"


@pytest.fixture
def world(app, session, sandbox):
    tree = make_tree(session)
    make_account(session, tree.community, "duofuxiang")   # a community coordinator
    make_account(session, tree.district, "dongcheng")     # the district committee above it
    targets = {"own": tree.community, "other_team": tree.community2, "other_subtree": tree.dept}
    codes = {}
    for name, org in targets.items():
        team = tree.team(session, org)
        start = utcnow() - dt.timedelta(minutes=10)
        project = projects.create_project(session, org.id, team.id, make_project_input(
            starts_at=start, ends_at=start + dt.timedelta(hours=2)))
        projects.publish_project(session, org.id, project.id)
        codes[name] = (team.code, project.code)
    member = make_member(session)
    member.unionid = "u_o_authz_member"
    session.commit()
    client = app.test_client()

    def token(openid, username=None):
        value = client.post(f"{API}/login", json={"code": f"dev:{openid}"}).get_json()["token"]
        headers = {"Authorization": f"Bearer {value}"}
        if username:
            assert client.post(f"{API}/org/login", json={"username": username, "password": "abc12345"},
                               headers=headers).status_code == 200
        return headers

    roles = {"member": token("o_authz_member"), "coordinator": token("o_authz_c", "duofuxiang"),
             "committee": token("o_authz_d", "dongcheng")}
    return client, roles, codes


ALLOWED = {  # role → targets it may act on
    "member": set(),
    "coordinator": {"own"},
    "committee": {"own", "other_team"},
}


def _calls(team_code, project_code):
    start = utcnow().isoformat()
    end = (utcnow() + dt.timedelta(hours=1)).isoformat()
    return [
        ("get", f"{API}/org/teams/{team_code}/members", None),
        ("post", f"{API}/org/teams/{team_code}/projects", {"title": "新项目", "starts_at": start, "ends_at": end,
                                                          "lat": SITE[0], "lng": SITE[1]}),
        ("get", f"{API}/org/projects/{project_code}/pending", None),
        ("post", f"{API}/org/projects/{project_code}/decide", {"approve": True}),
    ]


def test_matrix(world):
    client, roles, codes = world
    seen = []
    for role, headers in roles.items():
        for target, (team_code, project_code) in codes.items():
            for method, path, body in _calls(team_code, project_code):
                response = getattr(client, method)(path, json=body, headers=headers)
                allowed = target in ALLOWED[role]
                expected = {200, 201} if allowed else {403}
                assert response.status_code in expected, (role, target, path, response.get_json())
                if not allowed:
                    assert response.get_json()["message"]  # a Chinese reason, never an empty 403
                seen.append((role, target, path.split("/")[-1], response.status_code))
    assert len(seen) == 3 * 3 * 4


def test_members_cannot_read_each_others_records(world):
    client, roles, codes = world
    own = client.get(f"{API}/me/records", headers=roles["member"])
    assert own.status_code == 200 and own.get_json() == {"records": []}
    # A coordinator's login is not a member's: member endpoints ask for registration.
    assert client.get(f"{API}/me/records", headers=roles["coordinator"]).status_code == 403
