"""Reminders members want (issue 36.7): the day before a project, near the end of a period without
taking part, and in November under 20 h; through 订阅通知 for who accepted the reminder template and a
template message otherwise; each kind switchable by the member; never twice; only in the day; asked
again before sending; visible as counts in the console's push history."""
from __future__ import annotations

import datetime as dt
import logging
import re
from collections import Counter

import pytest
import sqlalchemy as sa

from jobs import periodic
from models import (
    AuditEntry,
    Project,
    RecordStatus,
    Reminder,
    ReminderKind,
    ReminderStatus,
    ServiceRecord,
    WechatFollower,
)
from services.kernel.beijing_time import BEIJING
from services.people import mp_sessions
from services.push import reminder_plans, reminders, subscriptions
from services.volunteering import enrolment
from tests.factories import make_account, make_dated_project, make_followers, make_member, make_tree
from tests.web import console_login, csrf_token, mobile_login
from tests.wechat.helpers import post

API = "/api/mp/v1"
TEMPLATE = "cgi-bin/message/template/send"
BIZSEND = "cgi-bin/message/subscribe/bizsend"


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=BEIJING).astimezone(dt.UTC)


@pytest.fixture
def world(app, session, sandbox, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    tree = make_tree(session)
    team = tree.team(session, tree.community)
    return tree, team


def _round(session, sandbox, now):
    from jobs.push import client

    return reminders.run_round(session, client=client(), now=now)


def _approved(session, project: Project, member, at: dt.datetime, minutes: int):
    session.add(ServiceRecord(project_id=project.id, member_id=member.id, status=RecordStatus.approved,
                              signin_at=at, signout_at=at + dt.timedelta(minutes=minutes), duration_minutes=minutes))
    session.commit()


def test_the_day_before_a_project_its_enrolled_members_are_reminded_once(app, session, sandbox, world):
    tree, team = world
    today = (dt.datetime.now(BEIJING) + dt.timedelta(days=30)).date()
    project = make_dated_project(session, tree, team, start=_at(today + dt.timedelta(days=1), 9))
    keen, quiet, unfollowed, unbound, subscribed = make_followers(session, team, 5, "o_eve_")
    for member in (keen, quiet, unfollowed, unbound, subscribed):
        enrolment.enrol(session, member.id, project.id)
    reminders.set_switches(session, quiet.id, {"project_eve": False})
    session.add(WechatFollower(openid=unfollowed.openid, subscribed=False))
    unbound.openid = None
    session.commit()
    subscriptions.record(session, subscribed.openid, [{"TemplateId": "sandbox_subscribe_reminder",
                                                       "SubscribeStatusString": "accept"}])

    night = _round(session, sandbox, _at(today, 22))
    assert night.stopped == "night" and session.scalar(sa.select(sa.func.count()).select_from(Reminder)) == 0

    done = _round(session, sandbox, _at(today, 10))
    assert done.planned["project_eve"] == 2 and done.sent == 2
    assert sandbox.sent_to(TEMPLATE) == [keen.openid] and sandbox.sent_to(BIZSEND) == [subscribed.openid]
    body = [b for path, _, b in sandbox.sent if path == TEMPLATE][0]
    assert body["template_id"] == "sandbox_reminder_notice" and body["url"].endswith(f"/m/projects/{project.code}")
    assert body["data"]["thing1"]["value"] == project.title
    assert body["data"]["time2"]["value"] == f"{today + dt.timedelta(days=1):%Y年%m月%d日} 09:00"
    assert body["data"]["thing3"]["value"] == "明天开始，请按时到场签到"
    rows = {r.member_id: r for r in session.scalars(sa.select(Reminder))}
    assert rows[keen.id].channel == "template" and rows[subscribed.id].channel == "subscribe"

    # The scheduler comes back every quarter of an hour: nobody hears of it twice.
    again = _round(session, sandbox, _at(today, 10) + dt.timedelta(minutes=15))
    assert again.planned["project_eve"] == 0 and again.sent == 0
    assert Counter(sandbox.sent_to(TEMPLATE) + sandbox.sent_to(BIZSEND)) == Counter({keen.openid: 1, subscribed.openid: 1})

    # WeChat's final word settles the reminder by its msgid.
    post(app, "TEMPLATESENDJOBFINISH", keen.openid, MsgID=rows[keen.id].msgid, Status="success")
    session.expire_all()
    assert session.get(Reminder, rows[keen.id].id).status == ReminderStatus.delivered


def test_a_reminder_no_longer_due_when_its_turn_comes_is_skipped_not_sent(app, session, sandbox, world):
    tree, team = world
    today = (dt.datetime.now(BEIJING) + dt.timedelta(days=30)).date()
    project = make_dated_project(session, tree, team, start=_at(today + dt.timedelta(days=1), 9))
    stays, leaves, switches_off = make_followers(session, team, 3, "o_due_")
    for member in (stays, leaves, switches_off):
        enrolment.enrol(session, member.id, project.id)
    now = _at(today, 10)
    reminder_plans.plan(session, now)  # planned, and then, before the round sends:
    enrolment.withdraw(session, leaves.id, project.id)
    reminders.set_switches(session, switches_off.id, {"project_eve": False})
    done = _round(session, sandbox, now)
    assert (done.sent, done.skipped) == (1, 2) and sandbox.sent_to(TEMPLATE) == [stays.openid]
    reasons = {r.member_id: (r.status, r.errmsg) for r in session.scalars(sa.select(Reminder))}
    assert reasons[leaves.id] == (ReminderStatus.skipped, reminders.NO_LONGER["withdrawn"])
    assert reasons[switches_off.id] == (ReminderStatus.skipped, reminders.NO_LONGER["off"])
    # A row whose moment passed (the project began) is never sent late.
    late = make_followers(session, team, 1, "o_late_")[0]
    enrolment.enrol(session, late.id, project.id)
    reminder_plans.plan(session, now)
    assert _round(session, sandbox, project.starts_at + dt.timedelta(minutes=5)).sent == 0
    assert session.scalar(sa.select(Reminder.errmsg).where(Reminder.member_id == late.id)) == reminders.NO_LONGER["late"]


def test_near_the_end_of_a_period_who_has_not_taken_part_is_reminded_by_their_own_rule(app, session, sandbox, world):
    tree, team = world
    project = make_dated_project(session, tree, team)
    idle, active, student = (make_member(session, branch=tree.branch2), make_member(session, branch=tree.branch2),
                             make_member(session, branch=tree.branch))
    for i, member in enumerate((idle, active, student)):
        member.openid = f"o_period_{i}"
    session.commit()
    _approved(session, project, active, dt.datetime(2026, 11, 2, 10, tzinfo=BEIJING), 60)

    early = _round(session, sandbox, _at(dt.date(2026, 12, 10), 10))  # 22 days before the quarter ends
    assert early.planned["period_end"] == 0
    done = _round(session, sandbox, _at(dt.date(2026, 12, 20), 10))  # 12 days: within REMINDER_PERIOD_DAYS
    assert done.sent == 1 and sandbox.sent_to(TEMPLATE) == [idle.openid]  # the student's semester runs to 15 January
    body = [b for path, _, b in sandbox.sent if path == TEMPLATE][0]
    assert body["data"]["thing1"]["value"] == "2026年第4季度志愿服务"
    assert body["data"]["time2"]["value"] == "2026年12月31日"
    assert body["data"]["thing3"]["value"] == "本季度尚未参加志愿服务，去看看项目"

    term_end = _round(session, sandbox, _at(dt.date(2027, 1, 6), 10))
    assert term_end.sent == 1 and sandbox.sent_to(TEMPLATE)[-1] == student.openid
    body = [b for path, _, b in sandbox.sent if path == TEMPLATE][-1]
    assert body["data"]["thing1"]["value"] == "2026年秋季学期志愿服务"
    assert body["data"]["thing3"]["value"].startswith("本学期尚未参加")


def test_in_november_members_short_of_20_hours_are_told_how_much_is_left(app, session, sandbox, world):
    tree, team = world
    project = make_dated_project(session, tree, team)
    short, done_already = make_member(session, branch=tree.branch2), make_member(session, branch=tree.branch2)
    short.openid, done_already.openid = "o_year_short", "o_year_done"
    session.commit()
    _approved(session, project, short, dt.datetime(2026, 5, 1, 9, tzinfo=BEIJING), 12 * 60 + 30)
    _approved(session, project, done_already, dt.datetime(2026, 5, 1, 9, tzinfo=BEIJING), 20 * 60)

    assert _round(session, sandbox, _at(dt.date(2026, 10, 31), 10)).planned["year_hours"] == 0
    done = _round(session, sandbox, _at(dt.date(2026, 11, 2), 10))
    assert done.planned["year_hours"] == 1 and sandbox.sent_to(TEMPLATE) == [short.openid]
    body = [b for path, _, b in sandbox.sent if path == TEMPLATE][0]
    assert body["data"]["thing1"]["value"] == "2026年志愿服务时长"
    assert body["data"]["thing3"]["value"] == "已服务12.5小时，还差7.5小时"
    assert body["url"].endswith("/m/hours")
    assert _round(session, sandbox, _at(dt.date(2026, 11, 20), 10)).planned["year_hours"] == 0  # once a year


def test_the_days_quota_ends_the_round_and_the_next_round_sends_the_rest_once(app, session, sandbox, world):
    tree, team = world
    today = (dt.datetime.now(BEIJING) + dt.timedelta(days=30)).date()
    project = make_dated_project(session, tree, team, start=_at(today + dt.timedelta(days=1), 9))
    people = make_followers(session, team, 3, "o_quota_")
    for member in people:
        enrolment.enrol(session, member.id, project.id)
    sandbox.quotas[TEMPLATE] = 1
    first = _round(session, sandbox, _at(today, 10))
    assert (first.sent, first.stopped) == (1, "quota")
    assert session.scalar(sa.select(sa.func.count()).where(Reminder.status == ReminderStatus.pending)) == 2
    del sandbox.quotas[TEMPLATE]
    assert _round(session, sandbox, _at(today, 11)).sent == 2
    assert Counter(sandbox.sent_to(TEMPLATE)) == Counter({m.openid: 1 for m in people})


def test_the_member_switches_reminders_on_the_phone_and_in_the_api(app, session, sandbox, world):
    tree, team = world
    member = make_followers(session, team, 1, "o_switch_")[0]
    phone = app.test_client()
    mobile_login(phone, member.openid, "/m/reminders")
    page = phone.get("/m/reminders")
    assert page.status_code == 200 and "活动前一天提醒" in page.get_data(as_text=True)
    assert page.get_data(as_text=True).count("checked") == 3
    answer = phone.post("/m/reminders", data={"on": ["project_eve"], "csrf_token": csrf_token(page)})
    assert answer.status_code == 302
    assert reminders.switches(session, member.id) == {ReminderKind.project_eve: True, ReminderKind.period_end: False,
                                                      ReminderKind.year_hours: False}
    assert session.scalar(sa.select(AuditEntry.detail).where(AuditEntry.action == "member.reminders")) == {
        "period_end": False, "year_hours": False}

    token, _ = mp_sessions.create(session, openid="o_switch_mp", unionid=None, member_id=member.id)
    api, auth = app.test_client(), {"Authorization": f"Bearer {token}"}
    got = api.get(f"{API}/me/reminders", headers=auth)
    assert got.status_code == 200 and got.json["reachable"] is True
    assert [r["on"] for r in got.json["reminders"]] == [True, False, False]
    put = api.put(f"{API}/me/reminders", json={"year_hours": True}, headers=auth)
    assert put.status_code == 200 and [r["on"] for r in put.json["reminders"]] == [True, False, True]
    bad = api.put(f"{API}/me/reminders", json={"year_hours": "often"}, headers=auth)
    assert bad.status_code == 400 and "year_hours" in bad.get_data(as_text=True)


def test_the_console_push_history_shows_pushes_and_reminders_as_counts(app, session, sandbox, world):
    from services.push import runs
    from services.volunteering import projects

    tree, team = world
    today = (dt.datetime.now(BEIJING) + dt.timedelta(days=30)).date()
    project = make_dated_project(session, tree, team, start=_at(today + dt.timedelta(days=1), 9))
    people = make_followers(session, team, 2, "o_hist_")
    for member in people:
        enrolment.enrol(session, member.id, project.id)
    runs.request_push(session, project.id, actor_org_id=tree.community.id)
    _round(session, sandbox, _at(today, 10))
    assert projects.get_project(session, project.id).status.value == "published"

    make_account(session, tree.street, "hist_street")
    make_account(session, tree.university, "hist_university")
    street = console_login(app, "hist_street")  # the street sees its communities' messages
    page = street.get("/console/pushes")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and project.title in text
    assert "活动前一天提醒" in text and "已发送 2" in text
    assert people[0].name not in text and people[0].openid not in text  # counts, never who
    outsider = console_login(app, "hist_university")
    assert project.title not in outsider.get("/console/pushes").get_data(as_text=True)


def test_closing_the_account_leaves_no_openid_on_its_reminders(app, session, sandbox, world, caplog):
    from services.people import my_data

    caplog.set_level(logging.INFO, logger="runtime.smsgateway")
    tree, team = world
    today = (dt.datetime.now(BEIJING) + dt.timedelta(days=30)).date()
    project = make_dated_project(session, tree, team, start=_at(today + dt.timedelta(days=1), 9))
    member = make_followers(session, team, 1, "o_close_")[0]
    enrolment.enrol(session, member.id, project.id)
    reminders.set_switches(session, member.id, {"year_hours": False})
    _round(session, sandbox, _at(today, 10))
    my_data.send_close_code(session, member.id)
    my_data.close(session, member.id, re.search(r"注销账号验证码 (\d{6})", caplog.records[-1].getMessage()).group(1))
    assert session.scalar(sa.select(Reminder.openid).where(Reminder.member_id == member.id)) is None
    assert reminders.switches(session, member.id) == dict.fromkeys(ReminderKind, True)


def test_the_scheduler_runs_reminders(app):
    with app.app_context():
        assert any(job is periodic.send_reminders for job, _ in periodic.schedule())
