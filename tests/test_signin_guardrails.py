"""Issue 37.6: sign-in and hours with their next step — the refusal for a project still signed in to
names it (the page links to it), and a rejected record shows the reviewer's reason with 申请更正."""
from __future__ import annotations

import datetime as dt
import json

from models import Enrolment, utcnow
from services.people import wechat_users
from services.volunteering import approval, checkin
from tests.factories import here, join, make_dated_project, make_member, make_tree
from tests.web import csrf_token, mobile_login


def test_a_sign_in_refused_for_an_open_one_elsewhere_names_that_project(app, session, sandbox):
    tree = make_tree(session)
    team = tree.team(session, tree.community)
    first = make_dated_project(session, tree, team, start=utcnow() - dt.timedelta(minutes=20))
    second = make_dated_project(session, tree, team, start=utcnow() - dt.timedelta(minutes=10))
    member = make_member(session)
    join(session, member, team)
    wechat_users.bind(session, member.id, "o_elsewhere")
    session.add_all([Enrolment(project_id=first.id, member_id=member.id),
                     Enrolment(project_id=second.id, member_id=member.id)])
    session.commit()
    checkin.sign_in(session, member.id, first.id, here(), source="test")
    phone = app.test_client()
    mobile_login(phone, "o_elsewhere", f"/m/projects/{second.code}")
    page = phone.get(f"/m/projects/{second.code}")
    where = here()
    refused = phone.post(f"/m/projects/{second.code}/signin", content_type="application/json",
                         data=json.dumps({"lat": where.lat, "lng": where.lng, "accuracy": 20, "coord_type": "wgs84"}),
                         headers={"X-CSRFToken": csrf_token(page), "Accept": "application/json"})
    assert refused.status_code == 409
    assert refused.get_json()["detail"] == {"project_code": first.code}
    assert first.title in refused.get_json()["message"]


def test_a_rejected_record_shows_the_reason_and_the_way_to_correct_it(app, session, sandbox):
    tree = make_tree(session)
    team = tree.team(session, tree.community)
    project = make_dated_project(session, tree, team, start=utcnow() - dt.timedelta(hours=2))
    member = make_member(session)
    join(session, member, team)
    wechat_users.bind(session, member.id, "o_rejected")
    session.add(Enrolment(project_id=project.id, member_id=member.id))
    session.commit()
    record = checkin.sign_in(session, member.id, project.id, here(), source="test").record
    checkin.sign_out(session, member.id, project.id, here(), source="test")
    approval.decide_records(session, tree.community.id, [record.id], approve=False, note="签到时不在现场")
    phone = app.test_client()
    mobile_login(phone, "o_rejected", f"/m/projects/{project.code}")
    page = phone.get(f"/m/projects/{project.code}").get_data(as_text=True)
    assert "未通过" in page and "：签到时不在现场" in page and f"/m/records/{record.id}/correction" in page
    records = phone.get("/m/records").get_data(as_text=True)
    assert "未通过" in records and "签到时不在现场" in records
