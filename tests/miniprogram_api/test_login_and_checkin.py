"""Mini-program API: login by jscode2session (sandbox), bearer sessions in the shared store, sign in
and out with a location body, hours; every error is JSON with a Chinese message."""
import datetime as dt
import json

from models import utcnow
from services.volunteering import enrolment
from tests.factories import here, join, make_dated_project, make_member, make_tree

API = "/api/mp/v1"


def _login(client, openid: str):
    return client.post(f"{API}/login", json={"code": f"dev:{openid}"})


def _registered(session, openid: str):
    member = make_member(session)
    member.unionid = "u_" + openid[-20:]  # what the sandbox answers for this openid, as WeChat would
    session.commit()
    return member


def test_login_codes_and_tokens(app, session, sandbox):
    _registered(session, "o_api_login")
    client = app.test_client()
    first = _login(client, "o_api_login")
    assert first.status_code == 200
    body = first.get_json()
    assert body["registered"] is True and len(body["token"]) > 30 and "session_key" not in json.dumps(body)
    replay = _login(client, "o_api_login")
    assert replay.status_code == 401 and replay.get_json() == {
        "error": "invalid_code", "message": "登录凭证无效或已使用，请重新登录"}
    assert client.post(f"{API}/login", json={"code": "garbage"}).status_code == 401
    missing = client.post(f"{API}/login", json={})
    assert missing.status_code == 400 and missing.get_json()["message"] == "缺少登录凭证"
    assert client.get(f"{API}/me/hours").status_code == 401
    assert client.get(f"{API}/me/hours", headers={"Authorization": "Bearer nope"}).get_json()["error"] == \
        "unauthenticated"
    stranger = _login(client, "o_api_stranger").get_json()
    assert stranger["registered"] is False
    refused = client.get(f"{API}/me/hours", headers={"Authorization": f"Bearer {stranger['token']}"})
    assert refused.status_code == 403 and refused.get_json()["message"] == "请先完成实名注册"


def test_sign_in_and_out(app, session, sandbox):
    tree = make_tree(session)
    team = tree.team(session, tree.community)
    project = make_dated_project(session, tree, team, start=utcnow() - dt.timedelta(minutes=5))
    member = _registered(session, "o_api_member")
    join(session, member, team)
    enrolment.enrol(session, member.id, project.id)
    client = app.test_client()
    auth = {"Authorization": "Bearer " + _login(client, "o_api_member").get_json()["token"]}

    def location(loc, **extra):
        return {"lat": loc.lat, "lng": loc.lng, "accuracy": loc.accuracy_m, "coord_type": loc.coord_system, **extra}

    far = client.post(f"{API}/projects/{project.code}/signin", json=location(here(north_m=3000)), headers=auth)
    assert far.status_code == 400 and far.get_json()["detail"]["reason"] == "too_far"
    nan = client.post(f"{API}/projects/{project.code}/signin", data='{"lat": NaN, "lng": 116.4}',
                      content_type="application/json", headers=auth)
    assert nan.status_code == 400 and nan.get_json()["error"] == "invalid_input"
    wrong_system = client.post(f"{API}/projects/{project.code}/signin", json=location(here(), coord_type="utm"),
                               headers=auth)
    assert wrong_system.status_code == 400 and wrong_system.get_json()["message"] == "坐标系格式不正确"
    assert client.post(f"{API}/projects/NOSUCH/signin", json=location(here()), headers=auth).status_code == 404

    key = {**auth, "Idempotency-Key": "tap-1"}
    first = client.post(f"{API}/projects/{project.code}/signin", json=location(here("gcj02")), headers=key)
    again = client.post(f"{API}/projects/{project.code}/signin", json=location(here("gcj02")), headers=key)
    assert first.status_code == again.status_code == 200
    assert first.get_json()["record"]["id"] == again.get_json()["record"]["id"] and again.get_json()["created"] is False
    out = client.post(f"{API}/projects/{project.code}/signout", json=location(here("bd09")), headers=auth)
    assert out.status_code == 200 and out.get_json()["record"]["status"] == "pending"
    hours = client.get(f"{API}/me/hours", headers=auth).get_json()
    assert hours["year_hours"] == 0 and hours["target_hours"] == 20  # pending hours do not count
