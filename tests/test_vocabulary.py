"""One vocabulary, one clock (issue 37.10): the account is called 青春北京 everywhere, star levels are
written one way on the phone and in WeChat, every time on a page is Beijing time, and no confirmation
says somebody was told who could not be."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from models import Enrolment, RecordStatus, ServiceRecord
from services.kernel.beijing_time import shown
from services.people import wechat_users
from services.volunteering import corrections
from services.volunteering.hours import star_label
from tests.factories import START, join, make_account, make_dated_project, make_member, make_tree
from tests.web import console_login, csrf_token

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = [*ROOT.glob("console/templates/**/*.html"), *ROOT.glob("mobile/templates/**/*.html")]


def test_one_name_for_the_account():
    sources = [*TEMPLATES, *ROOT.glob("mobile/*.py"), *ROOT.glob("handlers/*.py"), *ROOT.glob("services/people/*.py")]
    said = [str(p.relative_to(ROOT)) for p in sources if "“北京共青团”账号" in p.read_text(encoding="utf-8")]
    assert said == []


def test_every_time_on_a_page_is_beijing_time():
    """A datetime attribute formatted straight (`.created_at.strftime(…)`) shows UTC: every template goes
    through `.astimezone(beijing)` or the `beijing` filter."""
    bare = []
    for path in TEMPLATES:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            bare += [f"{path.name}:{n}" for _ in re.finditer(r"_(?:at|since)\.strftime\(", line)]
    assert bare == []
    late_evening = dt.datetime(2026, 12, 5, 23, 15, tzinfo=dt.UTC)          # 12-06 07:15 in Beijing
    assert shown(late_evening) == "2026-12-06 07:15" and shown(late_evening.replace(tzinfo=None)) == "2026-12-06 07:15"
    assert shown(None) == "—" and shown(dt.date(2026, 12, 5), "%m-%d") == "12-05"


def test_star_levels_read_the_same_on_the_phone_and_in_wechat():
    assert star_label(3) == "3星志愿者" and star_label(0) == "暂无星级"
    hours_page = (ROOT / "mobile/templates/mobile/hours.html").read_text(encoding="utf-8")
    handler = (ROOT / "handlers/events.py").read_text(encoding="utf-8")
    assert "|star" in hours_page and "★" not in hours_page and "★" not in handler


def test_a_member_who_cannot_be_told_is_not_said_to_be(app, session, sandbox, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    tree = make_tree(session)
    make_account(session, tree.community, "duofu")
    team = tree.team(session, tree.community)
    project = make_dated_project(session, tree, team)
    bound, unbound = make_member(session, name="周芷若"), make_member(session, name="小昭")
    wechat_users.bind(session, bound.id, "o_told")
    requests = []
    for member in (bound, unbound):
        join(session, member, team)
        session.add(Enrolment(project_id=project.id, member_id=member.id))
        record = ServiceRecord(project_id=project.id, member_id=member.id, status=RecordStatus.pending,
                               signin_at=START, signout_at=START + dt.timedelta(hours=1), duration_minutes=60)
        session.add(record)
        session.commit()
        requests.append(corrections.request_correction(session, member.id, record.id, START - dt.timedelta(minutes=10),
                                                       START + dt.timedelta(hours=1), "提前到场"))
    console = console_login(app, "duofu")
    said = []
    for request in requests:
        page = console.get("/console/hours")
        done = console.post(f"/console/corrections/{request.id}/accept", data={"csrf_token": csrf_token(page)})
        said.append(console.get(done.headers["Location"]).get_data(as_text=True))
    assert "已通过周芷若的更正申请，已通过微信通知本人" in said[0]
    assert "已通过小昭的更正申请，本人未绑定微信，未发通知" in said[1] and "小昭的更正申请，已通过微信通知" not in said[1]
