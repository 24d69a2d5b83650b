"""The member journey on the `make run` demo data (seed-demo), as a scripted mini-program client:
login → register → join 多福巷 → enrol in the project on now → sign in → sign out → the community's
coordinator (demo login duofuxiang) approves → hours show. SQLite and PostgreSQL + Redis."""
import logging
import re

import geo
from demo.seed import DEFAULT_PASSWORD, seed_demo
from tests.factories import registration

API = "/api/mp/v1"


def test_member_journey_on_the_demo(app, session, sandbox, caplog):
    seed_demo(session, echo=lambda *_: None)
    caplog.set_level(logging.INFO, logger="runtime.smsgateway")
    phone, office = app.test_client(), app.test_client()

    member = {"Authorization": "Bearer " + phone.post(f"{API}/login", json={"code": "dev:o_visitor"}).get_json()["token"]}
    form = registration(volunteer=True)
    assert phone.post(f"{API}/sms/code", json={"phone": form.phone}, headers=member).status_code == 200
    code = re.search(r"验证码 (\d{6})", caplog.records[-1].getMessage()).group(1)
    assert phone.post(f"{API}/register", headers=member, json={
        "name": "李新", "id_number": form.id_number, "phone": form.phone, "password": form.password,
        "joined_league": form.joined_league, "ethnicity": "汉族", "education": "本科", "volunteer": True,
        "sms_code": code, "consent_notice": True, "consent_sensitive": True}).status_code == 201

    team = next(t for t in phone.get(f"{API}/teams", query_string={"q": "多福巷"}, headers=member).get_json()["teams"]
                if t["is_community"])
    assert phone.post(f"{API}/teams/join", json={"payload": f"team:{team['code']}"}, headers=member).status_code == 201
    listed = phone.get(f"{API}/projects", headers=member).get_json()["projects"]
    snow = next(p for p in listed if p["title"] == "冬季扫雪铲冰")   # the demo's project on right now
    assert phone.post(f"{API}/projects/{snow['code']}/enrol", headers=member).status_code == 201
    lat, lng = geo.convert(snow["lat"], snow["lng"], snow["coord_system"], "wgs84")
    here = {"lat": lat, "lng": lng, "accuracy": 20, "coord_type": "wgs84"}
    assert phone.post(f"{API}/projects/{snow['code']}/signin", json=here, headers=member).get_json()["action"] == "signin"
    signed_out = phone.post(f"{API}/projects/{snow['code']}/signout", json=here, headers=member).get_json()
    assert signed_out["record"]["status"] == "pending"

    staff = {"Authorization": "Bearer " + office.post(f"{API}/login", json={"code": "dev:o_office"}).get_json()["token"]}
    assert office.post(f"{API}/org/login", json={"username": "duofuxiang", "password": DEFAULT_PASSWORD},
                       headers=staff).status_code == 200
    pending = office.get(f"{API}/org/projects/{snow['code']}/pending", headers=staff).get_json()["records"]
    mine = [r for r in pending if r["id"] == signed_out["record"]["id"]]
    assert mine, pending
    decided = office.post(f"{API}/org/projects/{snow['code']}/decide", headers=staff,
                          json={"approve": True, "record_ids": [mine[0]["id"]]}).get_json()
    assert decided["decided"] == [mine[0]["id"]]
    assert phone.get(f"{API}/me/records", headers=member).get_json()["records"][0]["status"] == "approved"
    hours = phone.get(f"{API}/me/hours", headers=member).get_json()
    assert hours["total_hours"] == round(signed_out["record"]["duration_minutes"] / 60, 1)
