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


def _served(session, openid: str):
    """A member of the community's team who signed in and out of a project two hours ago, pending."""
    tree = make_tree(session)
    team = tree.team(session, tree.community)
    project = make_dated_project(session, tree, team, start=utcnow() - dt.timedelta(hours=2))
    member = make_member(session)
    join(session, member, team)
    wechat_users.bind(session, member.id, openid)
    session.add(Enrolment(project_id=project.id, member_id=member.id))
    session.commit()
    record = checkin.sign_in(session, member.id, project.id, here(), source="test").record
    checkin.sign_out(session, member.id, project.id, here(), source="test")
    return tree, project, record.id


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
    tree, project, record_id = _served(session, "o_rejected")
    approval.decide_records(session, tree.community.id, [record_id], approve=False, note="签到时不在现场")
    phone = app.test_client()
    mobile_login(phone, "o_rejected", f"/m/projects/{project.code}")
    page = phone.get(f"/m/projects/{project.code}").get_data(as_text=True)
    assert "未通过" in page and "：签到时不在现场" in page and f"/m/records/{record_id}/correction" in page
    records = phone.get("/m/records").get_data(as_text=True)
    assert "未通过" in records and "签到时不在现场" in records


def test_a_rejection_needs_its_reason(app, session, sandbox):
    """Issue 37.3: 驳回 requires a reason, which the member then sees (above); without one nothing changes."""
    import pytest

    from models import RecordStatus, ServiceRecord
    from services.kernel.errors import Invalid
    from tests.factories import make_account
    from tests.web import console_login

    tree, project, record_id = _served(session, "o_reason")
    with pytest.raises(Invalid, match="驳回须填写原因"):
        approval.decide_records(session, tree.community.id, [record_id], approve=False, note="  ")
    make_account(session, tree.community, "duofuxiang")
    console = console_login(app, "duofuxiang")
    page = console.get(f"/console/hours?project={project.id}")
    html = page.get_data(as_text=True)
    assert "将驳回所选的 {n} 条记录，团员会看到驳回原因" in html and "将通过本项目全部 1 条待审核记录" in html
    refused = console.post(f"/console/hours/{project.id}/decide", follow_redirects=True,
                           data={"csrf_token": csrf_token(page), "record": str(record_id), "decision": "reject"})
    assert "驳回须填写原因" in refused.get_data(as_text=True)
    session.expire_all()
    assert session.get(ServiceRecord, record_id).status == RecordStatus.pending
    console.post(f"/console/hours/{project.id}/decide", data={"csrf_token": csrf_token(page), "record": str(record_id),
                                                              "decision": "reject", "note": "照片与现场不符"})
    session.expire_all()
    rejected = session.get(ServiceRecord, record_id)
    assert rejected.status == RecordStatus.rejected and rejected.decision_note == "照片与现场不符"
