"""The volunteer's profile (issue 38 row 3): residence (district and street, or outside Beijing), native
place and service areas, edited on the phone and through the API; the home suggests the community teams
near it, and a street's coordinators list the members who live in their area. SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

from services.kernel.errors import Invalid
from services.people import mp_sessions, residence
from tests.factories import make_account, make_member, make_tree
from tests.web import console_login, csrf_token, mobile_login


def test_row3_residence_native_place_and_service_areas(app, session, sandbox):
    tree = make_tree(session)
    make_account(session, tree.street, "donghuamen")
    member = make_member(session, branch=tree.branch, name="张居住")   # a student: branch under the university
    member.openid = "o_home"
    session.commit()

    phone = app.test_client()
    mobile_login(phone, "o_home", "/m/residence")
    page = phone.get("/m/residence")
    assert page.status_code == 200 and "东华门街道团工委" in page.get_data(as_text=True)
    assert "填写" in phone.get("/m/teams").get_data(as_text=True)   # no home yet: invited to fill it
    saved = phone.post("/m/residence", data={"csrf_token": csrf_token(page), "residence": tree.street.id,
                                             "native_place": "河北", "service_areas": ["community", "elderly_disabled"]})
    assert saved.status_code == 302
    session.expire_all()
    assert (member.residence_org_id, member.lives_in_beijing, member.native_place) == (tree.street.id, True, "河北")
    assert member.service_areas == ["elderly_disabled", "community"]
    profile = phone.get("/m/profile").get_data(as_text=True)
    assert "东华门街道团工委" in profile and "助老助残、社区服务" in profile
    near = phone.get("/m/teams").get_data(as_text=True)
    assert 'id="near-home"' in near and tree.team(session, tree.community).name in near
    assert tree.team(session, tree.village).name not in near          # another street's

    # The street's coordinators find who lives in their area, whatever their branch.
    console = console_login(app, "donghuamen")
    listed = console.get("/console/members", query_string={"scope": "home"}).get_data(as_text=True)
    assert "张居住" in listed and "居住在本辖区的团员" in listed
    assert "张居住" not in console.get("/console/members").get_data(as_text=True)   # not in its branches

    bad = phone.post("/m/residence", data={"csrf_token": csrf_token(page), "native_place": "火星"})
    assert bad.status_code == 400 and "籍贯" in bad.get_data(as_text=True)

    token, _ = mp_sessions.create(session, openid="o_home_mp", unionid=None, member_id=member.id)
    api, auth = app.test_client(), {"Authorization": f"Bearer {token}"}
    places = api.get("/api/mp/v1/places", headers=auth).get_json()
    assert tree.district.id in [d["id"] for d in places["districts"]] and places["areas"]["community"] == "社区服务"
    away = api.put("/api/mp/v1/me/residence", json={"outside_beijing": True, "service_areas": ["online"]}, headers=auth)
    assert away.status_code == 200 and away.get_json()["residence"] == "不在北京" and away.get_json()["lives_in_beijing"] is False
    assert api.put("/api/mp/v1/me/residence", json={"residence_id": tree.branch.id}, headers=auth).status_code == 400


def test_row3_refusals(session):
    tree = make_tree(session)
    member = make_member(session)
    with pytest.raises(Invalid, match="服务领域"):
        residence.set_profile(session, member.id, residence_id=None, outside_beijing=False, native_place=None,
                              service_areas=["astronaut"])
    with pytest.raises(Invalid, match="区或街道"):
        residence.set_profile(session, member.id, residence_id=tree.community.id, outside_beijing=False,
                              native_place=None, service_areas=[])
