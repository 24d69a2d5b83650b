"""The on-site check-in QR: the coordinator's screen (token changing every 30 s) and the member's
phone page that signs in and out with the browser's position, geofence answer included."""
import datetime as dt
import io
import json
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from PIL import Image
from pyzbar.pyzbar import decode

from models import RecordStatus, ServiceRecord, utcnow
from services.kernel.errors import Conflict
from services.people import wechat_users
from services.volunteering import enrolment, onsite_qr, projects
from tests.factories import here, join, make_account, make_dated_project, make_member, make_project_input, make_tree
from tests.web import console_login, csrf_token, mobile_login


def _setup(session):
    tree = make_tree(session)
    make_account(session, tree.community, "duofuxiang")
    make_account(session, tree.suburb, "changyang")
    team = tree.team(session, tree.community)
    project = make_dated_project(session, tree, team, start=utcnow() - dt.timedelta(minutes=10))
    member = make_member(session)
    join(session, member, team)
    enrolment.enrol(session, member.id, project.id)
    wechat_users.bind(session, member.id, "o_onsite")
    return tree, project, member


def _post(client, path, csrf, location, **extra):
    body = {"lat": location.lat, "lng": location.lng, "accuracy": location.accuracy_m,
            "coord_type": location.coord_system, **extra}
    return client.post(path, data=json.dumps(body), content_type="application/json", headers={"X-CSRFToken": csrf})


def test_screen_shows_a_rotating_code_only_to_managers(app, session):
    tree, project, _ = _setup(session)
    console = console_login(app, "duofuxiang")
    assert project.title in console.get("/console/projects").get_data(as_text=True)
    screen = console.get(f"/console/projects/{project.id}/onsite")
    assert screen.status_code == 200 and "每30秒更换" in screen.get_data(as_text=True)
    png = console.get(f"/console/projects/{project.id}/onsite.png")
    assert png.headers["Cache-Control"] == "no-store"
    (url,) = [s.data.decode() for s in decode(Image.open(io.BytesIO(png.data)))]
    path = urlsplit(url).path
    assert path.startswith(f"/m/onsite/{project.code}/")
    assert onsite_qr.verify(project.code, path.rsplit("/", 1)[1])
    assert console_login(app, "changyang").get(f"/console/projects/{project.id}/onsite").status_code == 403


def test_phone_signs_in_and_out_with_its_position(app, session, sandbox):
    tree, project, member = _setup(session)
    with app.test_request_context():
        token, _ = onsite_qr.current(project)
    path = f"/m/onsite/{project.code}/{token}"
    phone = app.test_client()
    mobile_login(phone, "o_onsite", path)
    page = phone.get(path)
    assert page.status_code == 200 and project.title in page.get_data(as_text=True)
    csrf = csrf_token(page)
    assert _post(phone, path, "", here()).status_code == 400  # no CSRF token

    far = _post(phone, path, csrf, here(north_m=2000))
    assert far.status_code == 400
    answer = far.get_json()
    assert answer["error"] == "outside_fence" and answer["detail"]["distance_m"] > 1500
    assert answer["detail"]["radius_m"] == 300

    bad = _post(phone, path, csrf, here(), lat="north")
    assert bad.status_code == 400 and bad.get_json()["message"] == "纬度格式不正确"
    assert phone.post(path, data="{not json", content_type="application/json",
                      headers={"X-CSRFToken": csrf}).status_code == 400

    signed_in = _post(phone, path, csrf, here())
    assert signed_in.status_code == 200
    body = signed_in.get_json()
    assert body["action"] == "signin" and body["fence"]["valid"] and "签到成功" in body["message"]
    signed_out = _post(phone, path, csrf, here(north_m=50))
    assert signed_out.get_json()["action"] == "signout"
    session.expire_all()
    record = session.scalar(sa.select(ServiceRecord).where(ServiceRecord.member_id == member.id))
    assert record.status == RecordStatus.pending and record.signout_at is not None


def test_a_forwarded_photo_stops_working(app, session, sandbox):
    tree, project, _ = _setup(session)
    with app.test_request_context():
        old, _ = onsite_qr.current(project, now=utcnow() - dt.timedelta(minutes=2))
    path = f"/m/onsite/{project.code}/{old}"
    phone = app.test_client()
    mobile_login(phone, "o_onsite", path)
    page = phone.get(path)
    expired = _post(phone, path, csrf_token(page), here())
    assert expired.status_code == 400 and "二维码已过期" in expired.get_json()["message"]
    unknown = phone.get("/m/onsite/NOSUCHCODE/ABC")
    assert unknown.status_code == 404 and "项目不存在" in unknown.get_data(as_text=True)


def test_only_a_published_project_goes_on_the_screen(session):
    """A draft or an ended project has no on-site code to show: refused with the reason, not a blank QR."""
    tree = make_tree(session)
    team = tree.team(session, tree.community)
    draft = projects.create_project(session, tree.community.id, team.id, make_project_input())
    with pytest.raises(Conflict, match="未发布或已结束"):
        onsite_qr.screen_project(session, tree.community.id, draft.id)
    projects.publish_project(session, tree.community.id, draft.id)
    assert onsite_qr.screen_project(session, tree.community.id, draft.id).id == draft.id
    projects.close_project(session, tree.community.id, draft.id)
    with pytest.raises(Conflict, match="未发布或已结束"):
        onsite_qr.screen_project(session, tree.community.id, draft.id)
