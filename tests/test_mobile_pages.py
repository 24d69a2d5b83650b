"""The member's phone pages (/m/): register with the API's validation and phone code, profile,
find and join a team, my team, projects, enrol, sign in/out with the position, records with their
approval state, correction request, hours; Chinese error pages."""
import datetime as dt
import json
import logging
import re

import sqlalchemy as sa

from models import CorrectionRequest, Member, RecordStatus, ServiceRecord, utcnow
from services.people import wechat_users
from services.volunteering import approval
from tests.factories import here, join, make_dated_project, make_member, make_tree, registration
from tests.steps import step
from tests.web import csrf_token, mobile_login


def _form(form, code="000000", **overrides):
    data = {"name": form.name, "id_number": form.id_number, "phone": form.phone, "sms_code": code,
            "password": form.password, "joined_league": form.joined_league, "ethnicity": form.ethnicity,
            "education": form.education, "volunteer": "on", "consent_notice": "on", "consent_sensitive": "on"}
    data.update(overrides)
    return data


def test_register_on_the_phone_validates_like_the_api(app, session, sandbox, caplog):
    make_tree(session)
    phone = app.test_client()
    mobile_login(phone, "o_newcomer")
    assert "没有账号，去注册" in phone.get("/m/").get_data(as_text=True)
    page = phone.get("/m/register")
    assert page.status_code == 200
    csrf = csrf_token(page)
    form = registration()

    # The same wrong ID number: the page says what the API says.
    bad = _form(form, id_number=form.id_number[:-1] + ("0" if form.id_number[-1] != "0" else "1"))
    api = app.test_client()
    token = api.post("/api/mp/v1/login", json={"code": "dev:o_api"}).get_json()["token"]
    api_answer = api.post("/api/mp/v1/register", headers={"Authorization": f"Bearer {token}"},
                          json={**{k: v for k, v in bad.items() if k != "volunteer"}, "volunteer": True})
    refused = phone.post("/m/register", data={**bad, "csrf_token": csrf})
    assert refused.status_code == 400 and api_answer.status_code == 400
    assert api_answer.get_json()["message"] in refused.get_data(as_text=True)
    missing = phone.post("/m/register", data={**_form(form), "name": "", "csrf_token": csrf})
    assert missing.status_code == 400 and "姓名" in missing.get_data(as_text=True)
    assert phone.post("/m/register", data=_form(form)).status_code == 400  # no CSRF token

    caplog.set_level(logging.INFO, logger="runtime.smsgateway")
    sent = phone.post("/m/register/code", json={"phone": form.phone}, headers={"X-CSRFToken": csrf})
    assert sent.status_code == 200 and sent.get_json()["resend_after"] == 60
    again = phone.post("/m/register/code", json={"phone": form.phone}, headers={"X-CSRFToken": csrf})
    assert again.status_code == 429 and "秒后再试" in again.get_json()["message"]
    code = re.search(r"验证码 (\d{6})", caplog.records[-1].getMessage()).group(1)
    wrong = phone.post("/m/register", data={**_form(form, code="999999" if code != "999999" else "111111"),
                                            "csrf_token": csrf})
    assert wrong.status_code == 400 and "验证码" in wrong.get_data(as_text=True)
    done = phone.post("/m/register", data={**_form(form, code=code), "csrf_token": csrf})
    assert done.status_code == 302 and done.headers["Location"].endswith("/m/")
    home = phone.get("/m/").get_data(as_text=True)
    assert "注册成功" in home and form.name in home
    member = session.scalar(sa.select(Member).where(Member.openid == "o_newcomer"))
    assert member is not None and member.is_volunteer
    assert phone.get("/m/register").status_code == 302   # registered: nothing more to do here


def test_profile_team_and_hours(app, session, sandbox):
    tree = make_tree(session)
    member = make_member(session, volunteer=False)
    wechat_users.bind(session, member.id, "o_pages")
    phone = app.test_client()
    mobile_login(phone, "o_pages", "/m/profile")
    page = phone.get("/m/profile")
    html = page.get_data(as_text=True)
    assert "****" not in html and "未注册" in html  # clear to its owner
    assert phone.post("/m/profile/volunteer", data={"csrf_token": csrf_token(page)}).status_code == 302
    assert "你已注册成为志愿者" in phone.get("/m/profile").get_data(as_text=True)

    found = phone.get("/m/teams", query_string={"q": "多福巷"})
    html = found.get_data(as_text=True)
    assert "多福巷社区青年志愿者服务队" in html and "010-65257713" in html
    team = tree.team(session, tree.community)
    other = tree.team(session, tree.community2)
    csrf = csrf_token(found)
    assert phone.post(f"/m/teams/{team.code}/join", data={"csrf_token": csrf}).headers["Location"].endswith("/m/skills")
    mine = phone.get("/m/team").get_data(as_text=True)
    assert "已加入「多福巷社区青年志愿者服务队」" in mine and "成员 1 人" in mine and "任琳丽" in mine
    phone.post(f"/m/teams/{team.code}/join", data={"csrf_token": csrf})
    assert "无需重复报到" in phone.get("/m/team").get_data(as_text=True)
    phone.post(f"/m/teams/{other.code}/join", data={"csrf_token": csrf})
    assert "退出" in phone.get("/m/teams").get_data(as_text=True)  # told to quit the other one first
    assert phone.post("/m/teams/NOSUCHTEAM/join", data={"csrf_token": csrf}).status_code == 404
    phone.post(f"/m/teams/{team.code}/quit", data={"csrf_token": csrf})
    assert "你还没有加入社区（村）服务队" in phone.get("/m/team").get_data(as_text=True)

    hours = phone.get("/m/hours").get_data(as_text=True)
    assert "全年目标 20 小时" in hours and "暂无星级" in hours and "1星 100 小时" in hours
    missing = phone.get("/m/projects/NOSUCH")
    assert missing.status_code == 404 and "未找到" in missing.get_data(as_text=True)


def test_project_enrol_sign_in_out_records_and_correction(app, session, sandbox):
    tree = make_tree(session)
    team = tree.team(session, tree.community)
    project = make_dated_project(session, tree, team, start=utcnow() - dt.timedelta(minutes=10))
    member = make_member(session)
    join(session, member, team)
    wechat_users.bind(session, member.id, "o_walker")
    phone = app.test_client()
    mobile_login(phone, "o_walker", f"/m/projects/{project.code}")

    with step("看到项目并报名"):
        listed = phone.get("/m/projects").get_data(as_text=True)
        assert project.title in listed
        page = phone.get(f"/m/projects/{project.code}")
        csrf = csrf_token(page)
        assert 'id="enrol"' in page.get_data(as_text=True)
        phone.post(f"/m/projects/{project.code}/enrol", data={"csrf_token": csrf})
        page = phone.get(f"/m/projects/{project.code}").get_data(as_text=True)
        assert "报名成功" in page and 'id="signin"' in page

    with step("围栏外签到被拒，围栏内签到、签退"):
        def post(action, where):
            body = {"lat": where.lat, "lng": where.lng, "accuracy": where.accuracy_m, "coord_type": where.coord_system}
            return phone.post(f"/m/projects/{project.code}/{action}", data=json.dumps(body),
                              content_type="application/json", headers={"X-CSRFToken": csrf, "Accept": "application/json"})

        far = post("signin", here(north_m=2000))
        assert far.status_code == 400 and far.get_json()["detail"]["radius_m"] == 300
        assert far.get_json()["detail"]["distance_m"] > 1500
        signed_in = post("signin", here())
        assert signed_in.status_code == 200 and signed_in.get_json()["fence"]["valid"]
        assert post("signout", here()).get_json()["record"]["status"] == "pending"
        assert phone.post(f"/m/projects/{project.code}/signin", json={}).status_code == 400  # no CSRF token

    with step("申请更正，他人看不到"):
        records = phone.get("/m/records").get_data(as_text=True)
        assert "待审核" in records
        record = session.scalar(sa.select(ServiceRecord).where(ServiceRecord.member_id == member.id))
        form = phone.get(f"/m/records/{record.id}/correction")
        local = (record.signin_at - dt.timedelta(minutes=5)).astimezone(dt.timezone(dt.timedelta(hours=8)))
        bad = phone.post(f"/m/records/{record.id}/correction", data={
            "csrf_token": csrf_token(form), "signin_at": "昨天", "signout_at": "", "reason": "忘记签到"})
        assert bad.status_code == 400 and "请选择完整的日期和时间" in bad.get_data(as_text=True)
        sent = phone.post(f"/m/records/{record.id}/correction", data={
            "csrf_token": csrf_token(form), "signin_at": local.strftime("%Y-%m-%dT%H:%M"),
            "signout_at": (local + dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"), "reason": "到场后忘记签到"})
        assert sent.status_code == 302, sent.get_data(as_text=True)
        assert session.scalar(sa.select(sa.func.count()).select_from(CorrectionRequest)) == 1
        other = make_member(session)
        wechat_users.bind(session, other.id, "o_other")
        stranger = app.test_client()
        mobile_login(stranger, "o_other")
        assert stranger.get(f"/m/records/{record.id}/correction").status_code == 404

    with step("审核后显示已认证"):
        approval.decide_records(session, tree.community.id, [record.id], approve=True)
        assert "已认证" in phone.get("/m/records").get_data(as_text=True)
        assert session.get(ServiceRecord, record.id).status == RecordStatus.approved


def test_error_pages_are_chinese_pages_for_people_and_json_for_programs(app, session):
    browser = {"Accept": "text/html,application/xhtml+xml"}
    page = app.test_client().get("/m/no/such/page", headers=browser)
    assert page.status_code == 404 and page.mimetype == "text/html" and "页面不存在" in page.get_data(as_text=True)
    console = app.test_client().get("/console/nothing-here", headers=browser)
    assert console.status_code == 404 and "页面不存在" in console.get_data(as_text=True)
    api = app.test_client().get("/api/mp/v1/nothing", headers=browser)
    assert api.status_code == 404 and api.get_json()["error"] == "not_found"
    fetch = app.test_client().post("/m/register/code", json={"phone": "13900000000"})
    assert fetch.status_code in (302, 400)  # not logged in: sent to authorisation; never an HTML 500


def test_registration_says_every_mistake_beside_its_field_and_loses_nothing(app, session, sandbox, caplog):
    """Issue 37.2: every field's error beside the field at once (aria-invalid, aria-describedby), 请填写姓名
    for an empty name, the password and SMS code kept after a refusal, the branch search inside the
    form keeping everything typed, and the form in two steps (account, then identity and branch)."""
    tree = make_tree(session)
    phone = app.test_client()
    mobile_login(phone, "o_careless")
    page = phone.get("/m/register")
    html = page.get_data(as_text=True)
    csrf = csrf_token(page)
    assert 'data-step="1" id="step-account"' in html and 'data-step="2" id="step-identity"' in html
    account = html.split('id="step-account"')[1].split('id="step-identity"')[0]
    assert 'id="phone"' in account and 'id="sms_code"' in account and 'id="password"' in account
    assert 'id="name"' not in account
    form = registration()
    careless = {**_form(form), "name": "", "id_number": "110101", "education": "", "consent_sensitive": "",
                "sms_code": "123456", "csrf_token": csrf}
    refused = phone.post("/m/register", data=careless)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    errors = dict(re.findall(r'<span class="field-error" id="([a-z_]+)-error">([^<]+)</span>', html))
    assert errors["name"] == "请填写姓名"
    assert {"name", "id_number", "education", "consent"} <= set(errors)             # all at once
    assert re.search(r'id="name"[^>]*aria-invalid="true" aria-describedby="name-error"', html)
    assert re.search(r'id="id_number"[^>]*aria-invalid="true" aria-describedby="id_number-error"', html)
    assert f'value="{form.password}"' in html and 'value="123456"' in html          # nothing typed is lost
    assert f'value="{form.phone}"' in html and 'data-current="2"' in html           # reopens at the step at fault

    branch = tree.branch
    searched = phone.post("/m/register", data={**_form(form), "name": "王小明", "branch_q": branch.name[:4],
                                               "action": "search_branch", "csrf_token": csrf})
    html = searched.get_data(as_text=True)
    assert searched.status_code == 200 and 'class="field-error"' not in html
    assert f'value="{branch.id}"' in html and 'value="王小明"' in html and f'value="{form.password}"' in html

    caplog.set_level(logging.INFO, logger="runtime.smsgateway")
    phone.post("/m/register/code", json={"phone": form.phone}, headers={"X-CSRFToken": csrf})
    code = re.search(r"验证码 (\d{6})", caplog.records[-1].getMessage()).group(1)
    wrong = "111111" if code != "111111" else "222222"
    refused = phone.post("/m/register", data={**_form(form, code=wrong), "csrf_token": csrf})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and 'id="sms_code-error">验证码不正确' in html and 'data-current="1"' in html
    done = phone.post("/m/register", data={**_form(form, code=code), "branch_id": str(branch.id), "csrf_token": csrf})
    assert done.status_code == 302
