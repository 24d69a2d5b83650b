"""The whole member journey through the API, as the mini-program would script it: login → register →
join team → enrol → sign in → sign out → coordinator approves → hours show. SQLite and PostgreSQL."""
import datetime as dt
import logging
import re

import geo
from models import utcnow
from tests.factories import SITE, make_account, make_tree, registration
from tests.steps import step

API = "/api/mp/v1"


def _auth(token):
    return {"Authorization": f"Bearer {token}"}


def test_member_journey(app, session, sandbox, caplog):
    caplog.set_level(logging.INFO, logger="runtime.smsgateway")
    tree = make_tree(session)
    make_account(session, tree.community, "duofuxiang")
    team = tree.team(session, tree.community)
    phone, coordinator = app.test_client(), app.test_client()

    with step("登录并注册"):
        member = _auth(phone.post(f"{API}/login", json={"code": "dev:o_journey"}).get_json()["token"])
        form = registration(volunteer=True)
        assert phone.post(f"{API}/sms/code", json={"phone": form.phone}, headers=member).status_code == 200
        code = re.search(r"验证码 (\d{6})", caplog.records[-1].getMessage()).group(1)
        registered = phone.post(f"{API}/register", headers=member, json={
            "name": form.name, "id_number": form.id_number, "phone": form.phone, "password": form.password,
            "joined_league": form.joined_league, "ethnicity": form.ethnicity, "education": form.education,
            "volunteer": True, "sms_code": code, "consent_notice": True, "consent_sensitive": True})
        assert registered.status_code == 201

    with step("找到服务队并报到"):
        found = phone.get(f"{API}/teams", query_string={"q": "多福巷"}, headers=member).get_json()["teams"]
        assert found[0]["code"] == team.code
        joined = phone.post(f"{API}/teams/join", json={"payload": f"team:{team.code}"}, headers=member)
        assert joined.status_code == 201 and joined.get_json()["team"]["contact_phone"] == "010-65257713"
        assert phone.post(f"{API}/teams/join", json={"payload": f"team:{team.code}"}, headers=member).status_code == 200

    with step("负责人登录并发布项目"):
        staff = _auth(coordinator.post(f"{API}/login", json={"code": "dev:o_staff"}).get_json()["token"])
        assert coordinator.post(f"{API}/org/login", json={"username": "duofuxiang", "password": "abc12345"},
                                headers=staff).status_code == 200
        start = utcnow() - dt.timedelta(minutes=20)
        created = coordinator.post(f"{API}/org/teams/{team.code}/projects", headers=staff, json={
            "title": "社区环境清洁", "starts_at": start.isoformat(), "ends_at": (start + dt.timedelta(hours=3)).isoformat(),
            "lat": SITE[0], "lng": SITE[1], "coord_system": "gcj02", "radius_m": 300})
        assert created.status_code == 201, created.get_json()
        project = created.get_json()["code"]
        assert coordinator.post(f"{API}/org/projects/{project}/publish", headers=staff).get_json()["status"] == "published"

    with step("报名、签到、签退"):
        listed = phone.get(f"{API}/projects", headers=member).get_json()["projects"]
        assert project in [p["code"] for p in listed]
        assert phone.post(f"{API}/projects/{project}/enrol", headers=member).get_json()["status"] == "enrolled"
        lat, lng = geo.convert(SITE[0], SITE[1], "gcj02", "wgs84")
        where = {"lat": lat, "lng": lng, "accuracy": 15, "coord_type": "wgs84"}
        assert phone.post(f"{API}/projects/{project}/signin", json=where, headers=member).status_code == 200
        out = phone.post(f"{API}/projects/{project}/signout", json=where, headers=member)
        assert out.status_code == 200 and out.get_json()["record"]["status"] == "pending"

    with step("负责人审核，时长可见"):
        pending = coordinator.get(f"{API}/org/projects/{project}/pending", headers=staff).get_json()["records"]
        assert len(pending) == 1
        decided = coordinator.post(f"{API}/org/projects/{project}/decide", json={"approve": True}, headers=staff)
        assert decided.get_json()["decided"] == [pending[0]["id"]]
        records = phone.get(f"{API}/me/records", headers=member).get_json()["records"]
        assert records[0]["status"] == "approved"
        hours = phone.get(f"{API}/me/hours", headers=member).get_json()
        assert hours["total_hours"] == round(records[0]["duration_minutes"] / 60, 1) and hours["target_hours"] == 20
        members = coordinator.get(f"{API}/org/teams/{team.code}/members", headers=staff).get_json()["members"]
        assert members[0]["phone"] != form.phone and "****" in members[0]["phone"]  # masked to others
