"""Day two in real browsers (issue 21): a member who forgot the password resets it on the phone (the
code button, the form, the way back to binding), and a coordinator fixes a record's times and decides a
member's correction request in 时长审核, then withdraws a member from a full project. SQLite and
PostgreSQL; every page under the Content-Security-Policy (the fixtures fail on a violation)."""
import datetime as dt
import logging
import re

from jobs import periodic
from models import CorrectionRequest, Enrolment, RecordStatus, ServiceRecord, utcnow
from runtime.extensions import protector
from services.people import appeal_review, wechat_users
from services.volunteering import corrections, enrolment, projects
from tests.browser.conftest import answer, desk_login
from tests.factories import START, join, make_account, make_dated_project, make_member, make_project_input, make_tree


def test_a_member_resets_the_password_on_the_phone(app, session, live_server, phone, caplog):
    caplog.set_level(logging.INFO, logger="runtime.smsgateway")
    member = make_member(session, name="孙悟空")
    number = protector.decrypt(member.phone_enc)
    page, shot = phone, phone.shots
    page.goto(f"{live_server}/m/bind/{_bind_token(app, 'o_forgetful')}")
    page.click("text=忘记密码？")
    page.wait_for_selector("h1:has-text('忘记密码')")
    page.fill("#phone", number)
    page.click("#send-code")
    page.wait_for_selector("text=验证码已发送")
    sent = [r.getMessage() for r in caplog.records if r.name == "runtime.smsgateway"]
    code = re.search(r"重置密码验证码 (\d{6})", sent[-1]).group(1)
    page.fill("#code", code)
    page.fill("#password", "newpass88")
    page.fill("#confirm", "newpass88")
    shot("reset-form")
    page.click("button[type=submit]")
    page.wait_for_selector("text=密码已重置")
    shot("reset-done")
    page.goto(f"{live_server}/m/bind/{_bind_token(app, 'o_forgetful')}")
    page.fill("#phone", number)
    page.fill("#password", "newpass88")
    page.click("button[type=submit]")
    page.wait_for_selector("text=绑定成功")
    assert "孙悟空" in page.content()


def _bind_token(app, openid: str) -> str:
    with app.test_request_context():
        return wechat_users.bind_token(openid)


def test_a_coordinator_fixes_hours_and_decides_a_correction(app, session, live_server, desk, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)  # notices run inline
    tree = make_tree(session)
    make_account(session, tree.community, "duofu")
    team = tree.team(session, tree.community)
    project = make_dated_project(session, tree, team)
    asker, late = make_member(session, name="唐三藏"), make_member(session, name="猪八戒")
    for person in (asker, late):
        join(session, person, team)
        session.add(Enrolment(project_id=project.id, member_id=person.id))
    session.add_all([
        ServiceRecord(project_id=project.id, member_id=asker.id, status=RecordStatus.pending, signin_at=START,
                      signout_at=START + dt.timedelta(hours=1), duration_minutes=60),
        ServiceRecord(project_id=project.id, member_id=late.id, status=RecordStatus.missing_signout,
                      signin_at=START)])
    session.commit()
    asked = session.query(ServiceRecord).filter_by(member_id=asker.id).one()
    corrections.request_correction(session, asker.id, asked.id, START, START + dt.timedelta(hours=2), "忘记及时签退")
    full = projects.create_project(session, tree.community.id, team.id, make_project_input(
        title="周末图书整理", capacity=1, starts_at=START + dt.timedelta(days=30)))
    projects.publish_project(session, tree.community.id, full.id)
    for person in (asker, late):
        enrolment.enrol(session, person.id, full.id)
    project_id, full_id = project.id, full.id
    page, shot = desk, desk.shots

    desk_login(page, live_server, "duofu")
    page.goto(f"{live_server}/console/hours?project={project_id}")
    page.wait_for_selector("text=团员更正申请（1）")
    shot("hours-with-correction")
    page.click("#corrections button:has-text('通过')")
    page.wait_for_selector("text=已通过唐三藏的更正申请")
    row = page.locator("#pending tr", has_text="猪八戒")
    row.locator("summary").click()
    row.locator("input[name=signout_at]").fill((START + dt.timedelta(hours=3)).astimezone(
        dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%dT%H:%M"))
    row.locator("input[name=reason]").fill("现场负责人确认签退时间")
    shot("edit-times")
    row.locator("button:has-text('保存')").click()
    page.wait_for_selector("text=已修改服务时间")
    assert "现场负责人确认签退时间" in page.content()
    shot("times-edited")

    page.goto(f"{live_server}/console/projects/{full_id}")
    page.wait_for_selector("text=报名（2）")
    page.locator("#enrolments tr", has_text="唐三藏").locator("button:has-text('取消报名')").click()
    answer(page)
    page.wait_for_selector("text=候补第一位已递补")
    shot("enrolment-removed")
    session.expire_all()
    assert session.query(Enrolment).filter_by(project_id=full_id, member_id=late.id).one().status.value == "enrolled"


def test_an_identity_appeal_from_the_phone_to_the_reviewer(app, session, live_server, phone, desk, caplog,
                                                           monkeypatch, tmp_path):
    """身份认证 in browsers: the appellant uploads the photo on /m/appeal, the district committee
    compares it with the claimed number and the holder and accepts in /console/appeals, the city
    accepts second (the names differ), and after the waiting period the appellant's page shows the outcome."""
    import io

    from PIL import Image

    caplog.set_level(logging.INFO, logger="runtime.smsgateway")
    monkeypatch.setitem(app.config, "APPEAL_PHOTO_DIR", str(tmp_path / "appeals"))
    monkeypatch.setitem(app.config, "REDIS_URL", None)  # notices run inline
    tree = make_tree(session)
    make_account(session, tree.district, "dongcheng")
    make_account(session, tree.city, "beijing")
    squatter = make_member(session, branch=tree.branch2, name="冒用者")
    number = protector.decrypt(squatter.id_number_enc)
    photo = io.BytesIO()
    Image.new("RGB", (320, 200), (30, 90, 200)).save(photo, "JPEG")

    page, shot = phone, phone.shots
    page.goto(f"{live_server}/m/login?next=/m/appeal")
    page.fill("input[name=openid]", "o_real_owner")
    page.click("form button")
    page.wait_for_selector("h1:has-text('身份认证')")
    page.fill("#name", "李娜")
    page.fill("#id_number", number)
    page.fill("#phone", "13600000002")
    page.click("text=获取验证码")
    page.wait_for_selector("text=验证码已发送")
    sent = [r.getMessage() for r in caplog.records if r.name == "runtime.smsgateway"]
    page.fill("#sms_code", re.search(r"验证码 (\d{6})", sent[-1]).group(1))
    page.fill("#password", "real1234")
    page.set_input_files("#photo", files=[{"name": "id.jpg", "mimeType": "image/jpeg", "buffer": photo.getvalue()}])
    shot("appeal-form")
    page.click("button[type=submit]")
    page.wait_for_selector("#appeal-status[data-status=pending]")
    assert "待审核" in page.content()
    shot("appeal-pending")

    review, desk_shot = desk, desk.shots
    desk_login(review, live_server, "dongcheng")
    review.goto(f"{live_server}/console/appeals")
    card = review.locator("section.appeal", has_text="李娜")
    text = card.inner_text()
    assert "136****0002" in text and number in text and "冒用者" in text and "不一致" in text
    with review.expect_popup() as opened:
        card.locator("text=查看照片").click()
    picture = opened.value
    picture.wait_for_load_state()
    assert picture.evaluate("document.images.length === 1 && document.images[0].naturalWidth === 320")
    picture.close()
    desk_shot("appeal-queue")

    def accept(reviewer, done_text):
        reviewer.goto(f"{live_server}/console/appeals")
        found = reviewer.locator("section.appeal", has_text="李娜")
        found.locator("input[name=number_matches]").check()
        found.locator("input[name=name_matches]").check()
        found.locator("button:has-text('通过')").click()
        answer(reviewer)
        reviewer.wait_for_selector(f"text={done_text}")

    accept(review, "需另一位审核人复核")  # the names differ: one reviewer is not enough
    desk_shot("appeal-first-approval")
    review.context.clear_cookies()  # the second reviewer: the city committee's own login
    desk_login(review, live_server, "beijing")
    accept(review, "3天内无异议即移交")
    desk_shot("appeal-waiting")
    page.reload()
    assert "移交" in page.inner_text("#appeal-status")

    monkeypatch.setattr(appeal_review, "utcnow", lambda: utcnow() + dt.timedelta(days=3, minutes=1))
    assert periodic.hand_over_appeals() == 1
    page.reload()
    page.wait_for_selector("#appeal-status[data-status=accepted]")
    shot("appeal-accepted")
    session.expire_all()
    assert session.get(type(squatter), squatter.id).name == "李娜"


def test_a_member_withdraws_and_asks_for_a_correction_on_the_phone(app, session, live_server, phone, monkeypatch):
    """The member's half of day two: 取消报名 on the project page (the waitlisted member moves up) and
    时间有误？申请更正 on 我的服务记录, then the outcome shown there after the coordinator decides."""
    monkeypatch.setitem(app.config, "REDIS_URL", None)  # notices run inline
    tree = make_tree(session)
    team = tree.team(session, tree.community)
    worked = make_dated_project(session, tree, team)
    member, waiting = make_member(session, name="沙悟净"), make_member(session, name="白龙马")
    for person in (member, waiting):
        join(session, person, team)
    wechat_users.bind(session, member.id, "o_withdrawing")
    session.add(ServiceRecord(project_id=worked.id, member_id=member.id, status=RecordStatus.pending, signin_at=START,
                              signout_at=START + dt.timedelta(minutes=30), duration_minutes=30))
    full = projects.create_project(session, tree.community.id, team.id, make_project_input(
        title="周末图书整理", capacity=1, starts_at=START + dt.timedelta(days=30)))
    projects.publish_project(session, tree.community.id, full.id)
    for person in (member, waiting):
        enrolment.enrol(session, person.id, full.id)
    session.commit()
    full_code, full_id, waiting_id = full.code, full.id, waiting.id
    page, shot = phone, phone.shots

    page.goto(f"{live_server}/m/login?next=/m/projects/{full_code}")
    page.fill("input[name=openid]", "o_withdrawing")
    page.click("form button")
    page.wait_for_selector("#withdraw")
    shot("enrolled")
    page.click("#withdraw")
    answer(page)
    page.wait_for_selector("text=已取消报名")
    shot("withdrawn")
    session.expire_all()
    assert session.query(Enrolment).filter_by(project_id=full_id, member_id=waiting_id).one().status.value == "enrolled"

    page.goto(f"{live_server}/m/records")
    page.click("text=时间有误？申请更正")
    page.wait_for_selector("h1:has-text('申请更正服务时间')")
    page.fill("#signout_at", (START + dt.timedelta(hours=2)).astimezone(
        dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#reason", "忘记及时签退")
    shot("correction-form")
    page.click("button:has-text('提交申请')")
    page.wait_for_selector("[data-correction=pending]")
    shot("correction-pending")
    asked = session.query(CorrectionRequest).one()
    corrections.decide_correction(session, tree.community.id, asked.id, False, "签退时间与现场记录不符")
    page.reload()
    page.wait_for_selector("[data-correction=refused]")
    assert "签退时间与现场记录不符" in page.content()
    shot("correction-refused")


def test_the_accounts_holder_objects_to_a_handover_on_the_phone(app, session, live_server, phone, monkeypatch,
                                                                 tmp_path, caplog):
    """The notice's link: the holder sees when the account would be handed over and objects; the
    handover stops (issue 39.1)."""
    from services.people import appeals
    from tests.test_identity_appeals import _code, _photo

    caplog.set_level(logging.INFO, logger="runtime.smsgateway")
    monkeypatch.setitem(app.config, "APPEAL_PHOTO_DIR", str(tmp_path / "appeals"))
    tree = make_tree(session)
    holder = make_member(session, branch=tree.branch2, name="王芳")
    wechat_users.bind(session, holder.id, "o_holder")
    appeal = appeals.submit(session, name="王芳", id_number=protector.decrypt(holder.id_number_enc),
                            phone="13600000004", sms_code=_code(app, caplog, "13600000004"), password="real1234",
                            photo=_photo())
    appeal_review.decide(session, tree.city.id, appeal.id, True, number_matches=True, name_matches=True)
    page, shot = phone, phone.shots
    page.goto(f"{live_server}/m/login?next=/m/appeal/objection")
    page.fill("input[name=openid]", "o_holder")
    page.click("form button")
    page.wait_for_selector("h1:has-text('身份认证异议')")
    assert "移交" in page.inner_text("body") and "提出异议" in page.inner_text("body")
    shot("objection")
    page.fill("#note", "这是我本人的身份证号")
    page.click("button:has-text('提出异议')")
    page.wait_for_selector("text=已暂停移交")
    shot("objected")
    session.expire_all()
    assert appeal_review.awaiting_objection(session, holder.id) is None
