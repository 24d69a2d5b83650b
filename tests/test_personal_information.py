"""Personal information as PIPL asks (issue 26): consent to a versioned notice and a separate consent
for sensitive data at registration, asked again for a new version, minors told to read it with a
guardian; the person's export (complete against the models), correction and account closure (nothing
identifying left, statistics unchanged); retention of positions; the access log for the city."""
import datetime as dt
import json
import logging
import re

import pytest
import sqlalchemy as sa

from models import (
    AuthSession,
    Base,
    Certificate,
    Consent,
    Enrolment,
    Member,
    Project,
    RecordStatus,
    ServiceRecord,
)
from runtime.extensions import protector
from services.kernel.errors import Invalid
from services.people import consent, members, mp_sessions, my_data, wechat_users
from services.reporting import stats
from services.volunteering import certificates
from tests.factories import join, make_account, make_member, make_tree, registration
from tests.web import console_login, csrf_token, mobile_login

API = "/api/mp/v1"


def _record(session, tree, member, *, decided_days_ago=None):
    project = session.scalar(sa.select(Project).where(Project.team_id == tree.team(session, tree.community).id))
    start = dt.datetime(2026, 3, 1, 1, tzinfo=dt.UTC)
    record = ServiceRecord(project_id=project.id, member_id=member.id, status=RecordStatus.approved, signin_at=start,
                           signout_at=start + dt.timedelta(hours=2), duration_minutes=120, signin_lat=39.92,
                           signin_lng=116.40, signin_distance_m=12.0, signout_lat=39.92, signout_lng=116.40,
                           decided_at=None if decided_days_ago is None
                           else dt.datetime.now(dt.UTC) - dt.timedelta(days=decided_days_ago))
    session.add(record)
    session.commit()
    return record


def test_registration_needs_both_consents_and_records_the_version(session):
    form = registration(consent_notice=False)
    with pytest.raises(Invalid, match="个人信息保护说明"):
        members.register_member(session, form)
    with pytest.raises(Invalid, match="敏感个人信息"):
        members.register_member(session, registration(consent_sensitive=False))
    member = members.register_member(session, registration())
    kinds = {(c.kind.value, c.version) for c in session.scalars(sa.select(Consent).where(Consent.member_id == member.id))}
    assert kinds == {("notice", consent.VERSION), ("sensitive", consent.VERSION)}


def test_a_new_notice_version_asks_again_on_the_phone_and_in_the_api(app, session, sandbox):
    member = make_member(session, name="程英")
    wechat_users.bind(session, member.id, "o_old_consent")
    session.execute(sa.update(Consent).where(Consent.member_id == member.id).values(version="2025-01-01"))
    session.commit()
    phone = app.test_client()
    mobile_login(phone, "o_old_consent", "/m/hours")
    asked = phone.get("/m/hours")
    assert asked.status_code == 302 and "/m/privacy?next=/m/hours" in asked.headers["Location"]
    page = phone.get(asked.headers["Location"])
    assert "已更新，请阅读并同意后继续" in page.get_data(as_text=True)
    half = phone.post("/m/privacy", data={"csrf_token": csrf_token(page), "consent_notice": "on", "next": "/m/hours"})
    assert "敏感个人信息" in phone.get(half.headers["Location"]).get_data(as_text=True)
    token, _ = mp_sessions.create(session, openid="o_old_api", unionid=None, member_id=member.id)
    auth = {"Authorization": f"Bearer {token}"}
    api = app.test_client()
    refused = api.get(f"{API}/me/hours", headers=auth)
    assert refused.status_code == 403 and refused.get_json()["error"] == "consent_required"
    assert api.get(f"{API}/me/export", headers=auth).status_code == 200   # one's rights need no agreement
    agreed = api.post(f"{API}/me/consent", json={"consent_notice": True, "consent_sensitive": True}, headers=auth)
    assert agreed.status_code == 200 and agreed.get_json()["version"] == consent.VERSION
    assert api.get(f"{API}/me/hours", headers=auth).status_code == 200
    done = phone.post("/m/privacy", data={"csrf_token": csrf_token(page), "consent_notice": "on",
                                          "consent_sensitive": "on", "next": "/m/hours"})
    assert done.headers["Location"].endswith("/m/hours") and phone.get("/m/hours").status_code == 200


def test_minors_are_told_to_read_with_a_guardian(app, session, sandbox):
    this_year = dt.date.today().year
    young = make_member(session, name="郭襄", born=dt.date(this_year - 16, 1, 10), joined_league=f"{this_year - 1}-09",
                        league_number=f"{this_year - 1}00001234")
    adult = make_member(session, name="郭芙")
    for person, openid in ((young, "o_minor"), (adult, "o_adult")):
        wechat_users.bind(session, person.id, openid)
    minor_phone, adult_phone = app.test_client(), app.test_client()
    mobile_login(minor_phone, "o_minor", "/m/privacy")
    mobile_login(adult_phone, "o_adult", "/m/privacy")
    assert 'id="minor-notice"' in minor_phone.get("/m/privacy").get_data(as_text=True)
    assert 'id="minor-notice"' not in adult_phone.get("/m/privacy").get_data(as_text=True)
    public = app.test_client().get(f"{API}/privacy").get_json()
    assert public["version"] == consent.VERSION and "监护人" in public["minor_notice"]


def test_the_export_holds_every_table_with_the_members_data(app, session, sandbox):
    tree = make_tree(session)
    member = make_member(session, branch=tree.branch, name="王语嫣")
    wechat_users.follow(session, "o_export")
    wechat_users.bind(session, member.id, "o_export")
    team = tree.team(session, tree.community)
    join(session, member, team)
    _record(session, tree, member)
    project = session.scalar(sa.select(Project).where(Project.team_id == team.id))
    session.add(Enrolment(project_id=project.id, member_id=member.id))
    session.commit()
    certificates.issue(session, member.id, dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    token, _ = mp_sessions.create(session, openid="o_export", unionid=None, member_id=member.id)
    answer = app.test_client().get(f"{API}/me/export", headers={"Authorization": f"Bearer {token}"})
    data = answer.get_json()
    # Every table of the models that can hold a member's data, by its columns, is in the export.
    holding = {t.name for t in Base.metadata.sorted_tables if t.name != "members" and
               ("member_id" in t.c or "openid" in t.c)}
    assert holding <= set(data["tables"]) and "audit_log" in data["tables"]
    assert data["member"]["id_number"] == protector.decrypt(member.id_number_enc)
    for name in ("team_memberships", "service_records", "enrolments", "certificates", "consents",
                 "branch_applications", "wechat_followers", "auth_sessions"):
        assert data["tables"][name], name
    text = json.dumps(data, ensure_ascii=False)
    assert "password_hash" not in text and "token_hash" not in text and member.phone_hash not in text
    # The download says what its keys mean (issue 37.9), every table and field in Chinese, none forgotten.
    meaning = data["说明"]
    assert set(meaning["tables"]) == set(data["tables"]) and all(
        re.search(r"[\u4e00-\u9fff]", label) for label in meaning["tables"].values())
    assert set(meaning["member"]) == set(data["member"]) and meaning["member"]["id_number"] == "身份证号"
    assert all(re.search(r"[\u4e00-\u9fff]", label) for label in meaning["member"].values())
    phone = app.test_client()
    mobile_login(phone, "o_export", "/m/my-data")
    page = phone.get("/m/my-data", headers={"User-Agent": "Mozilla/5.0 (iPhone) MicroMessenger/8.0.50"}).get_data(as_text=True)
    held = dict(re.findall(r"<p>([^<]+)</p></div><div class=\"weui-cell__ft\">(\d+) 条", page))
    assert held["志愿服务记录"] == "1" and held["项目报名"] == "1" and held["服务队报到"] == "1"   # readable, in Chinese
    assert "在浏览器中打开" in page
    assert "在浏览器中打开" not in phone.get("/m/my-data", headers={"User-Agent": "Mozilla/5.0 Chrome/126"}).get_data(as_text=True)
    assert any(row["action"] == "member.export" for row in my_data.export(session, member.id)["tables"]["audit_log"])
    corrected = app.test_client().patch(f"{API}/me", json={"education": "硕士研究生"},
                                        headers={"Authorization": f"Bearer {token}"})
    assert corrected.status_code == 200 and corrected.get_json()["education"] == "硕士研究生"
    refused = app.test_client().patch(f"{API}/me", json={"education": "博士后"}, headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 400


def test_closing_the_account_leaves_nothing_identifying_and_the_statistics_unchanged(app, session, sandbox, caplog):
    caplog.set_level(logging.INFO, logger="runtime.smsgateway")
    tree = make_tree(session)
    member = make_member(session, branch=tree.branch2, name="段誉")
    number, phone_number = protector.decrypt(member.id_number_enc), protector.decrypt(member.phone_enc)
    wechat_users.follow(session, "o_closing")
    wechat_users.bind(session, member.id, "o_closing")
    join(session, member, tree.team(session, tree.community))
    _record(session, tree, member)
    stats.refresh(session, tree.city)
    before = stats.dashboard(session, tree.city).total.counts
    phone = app.test_client()
    mobile_login(phone, "o_closing", "/m/my-data")
    page = phone.get("/m/my-data")
    assert phone_number in page.get_data(as_text=True)  # the person's own page
    sent = phone.post("/m/close/code", json={}, headers={"X-CSRFToken": csrf_token(page)})
    assert sent.status_code == 200
    code = re.search(r"注销账号验证码 (\d{6})", caplog.records[-1].getMessage()).group(1)
    wrong = phone.post("/m/close", data={"csrf_token": csrf_token(page), "code": "000000" if code != "000000" else "111111"})
    assert "验证码" in phone.get(wrong.headers["Location"]).get_data(as_text=True)
    closed = phone.post("/m/close", data={"csrf_token": csrf_token(page), "code": code})
    assert closed.status_code == 200 and "账号已注销" in closed.get_data(as_text=True)

    session.expire_all()
    gone = session.get(Member, member.id)
    assert gone.name == "已注销" and gone.closed_at is not None and gone.openid is None
    assert protector.decrypt(gone.id_number_enc) == "" and protector.decrypt(gone.phone_enc) == ""
    assert gone.id_number_hash != protector.lookup_hash("id", number) and gone.league_number is None
    assert session.scalar(sa.select(sa.func.count()).select_from(AuthSession).where(
        AuthSession.member_id == member.id)) == 0
    record = session.scalar(sa.select(ServiceRecord).where(ServiceRecord.member_id == member.id))
    assert record.signin_lat is None and record.duration_minutes == 120 and record.signin_distance_m == 12.0
    row = session.execute(sa.select(Member.__table__).where(Member.id == member.id)).mappings().one()
    assert not any(isinstance(v, str) and (number in v or phone_number in v or "段誉" in v) for v in row.values())
    stats.refresh(session, tree.city)
    assert stats.dashboard(session, tree.city).total.counts == before
    with pytest.raises(Exception):  # noqa: B017 - the answer never says why a login fails
        members.authenticate(session, phone_number, "abc12345")
    again = members.register_member(session, registration(id_number=number, phone=phone_number))
    assert again.id != member.id  # the ID number and phone are free for the real person again


def test_positions_are_forgotten_after_the_retention_time(session):
    tree = make_tree(session)
    member = make_member(session)
    old, recent = _record(session, tree, member, decided_days_ago=181), _record(session, tree, member, decided_days_ago=10)
    assert my_data.forget_old_positions(session, older_than_days=180) == 1
    session.expire_all()
    assert session.get(ServiceRecord, old.id).signin_lat is None
    assert session.get(ServiceRecord, old.id).signin_distance_m == 12.0
    assert session.get(ServiceRecord, recent.id).signin_lat == 39.92


def test_exports_and_photo_looks_are_in_the_citys_access_log(app, session):
    tree = make_tree(session)
    make_account(session, tree.city, "beijing")
    make_account(session, tree.district, "dongcheng")
    make_member(session, branch=tree.branch2, name="萧峰")
    district = console_login(app, "dongcheng")
    assert district.get("/console/exports/members.csv?filter=over_age").status_code == 200
    assert district.get("/console/access-log").status_code == 403
    city = console_login(app, "beijing")
    log = city.get("/console/access-log").get_data(as_text=True)
    assert "东城区团委" in log and "导出团员名单" in log and "filter=over_age" in log
    assert session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 0
