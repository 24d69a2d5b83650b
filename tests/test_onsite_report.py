"""现场报到 (issue 38 row 8): on the community's 报到 day the coordinator puts the team's rotating code on a
screen; a member scanning it confirms on site (joining first when not yet in the team); both states
show on the phone, in the console and in the API; an old code, another community's member and a
department's team are refused. SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from models import AuditEntry, TeamMembership
from services.kernel import rotating_codes
from services.kernel.errors import Conflict, Invalid
from services.organisations import onsite_report
from services.people import mp_sessions
from tests.factories import join, make_account, make_member, make_tree
from tests.web import console_login, csrf_token, mobile_login


def test_row8_a_member_confirms_on_site_with_the_screens_code(app, session, sandbox):
    tree = make_tree(session)
    team = tree.team(session, tree.community)
    make_account(session, tree.community, "duofu")
    online = make_member(session, name="线上甲")
    join(session, online, team)
    online.openid = "o_report_online"
    walk_in = make_member(session, name="现场乙")
    walk_in.openid = "o_report_walkin"
    session.commit()

    console = console_login(app, "duofu")
    assert 'id="onsite-report"' in console.get(f"/console/teams/{team.id}").get_data(as_text=True)
    screen = console.get(f"/console/teams/{team.id}/onsite")
    assert screen.status_code == 200 and "现场报到" in screen.get_data(as_text=True)
    png = console.get(f"/console/teams/{team.id}/onsite.png")
    assert png.status_code == 200 and png.headers["Cache-Control"] == "no-store"
    link = onsite_report.payload(team, app.config["PUBLIC_BASE_URL"])
    path = link.removeprefix(app.config["PUBLIC_BASE_URL"])

    phone = app.test_client()
    mobile_login(phone, online.openid, path)
    page = phone.get(path)
    assert page.status_code == 200 and "未确认" in page.get_data(as_text=True)
    assert 'data-onsite="no"' in phone.get("/m/team").get_data(as_text=True)
    done = phone.post(path, data={"csrf_token": csrf_token(page)})
    assert done.status_code == 200 and "现场报到成功" in done.get_data(as_text=True)
    assert "线上报到同时完成" not in done.get_data(as_text=True)
    again = phone.post(path, data={"csrf_token": csrf_token(page)}).get_data(as_text=True)
    assert "你已于" in again                                    # confirmed once, the time kept
    assert 'data-onsite="yes"' in phone.get("/m/team").get_data(as_text=True)

    # Someone who never joined online joins by the same scan.
    other = app.test_client()
    mobile_login(other, walk_in.openid, path)
    first = other.post(path, data={"csrf_token": csrf_token(other.get(path))}).get_data(as_text=True)
    assert "线上报到同时完成" in first
    rows = dict(session.execute(sa.select(TeamMembership.member_id, TeamMembership.onsite_confirmed_at)).all())
    assert rows[online.id] is not None and rows[walk_in.id] is not None
    assert session.scalar(sa.select(sa.func.count()).where(AuditEntry.action == "team.onsite_report")) == 2

    # The console shows both states.
    members = console.get(f"/console/teams/{team.id}").get_data(as_text=True)
    assert members.count("已确认") == 2 and "仅线上" not in members


def test_row8_refusals_and_the_api(app, session, sandbox):
    tree = make_tree(session)
    team, other_team = tree.team(session, tree.community), tree.team(session, tree.community2)
    elsewhere = make_member(session)
    join(session, elsewhere, other_team)
    stale, _ = rotating_codes.current(onsite_report.PURPOSE, team.code,
                                      now=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2))
    with pytest.raises(Invalid, match="二维码已过期"):
        onsite_report.confirm(session, elsewhere.id, team.code, stale)
    fresh = onsite_report.payload(team, "").rsplit("/", 1)[1]
    with pytest.raises(Conflict, match="请先退出"):            # one community team at a time
        onsite_report.confirm(session, elsewhere.id, team.code, fresh)
    with pytest.raises(Invalid, match="只用于社区"):
        onsite_report.screen_team(session, tree.dept.id, tree.team(session, tree.dept).id)

    member = make_member(session)
    token, _ = mp_sessions.create(session, openid="o_report_mp", unionid=None, member_id=member.id)
    api, auth = app.test_client(), {"Authorization": f"Bearer {token}"}
    scanned = onsite_report.payload(team, app.config["PUBLIC_BASE_URL"])
    answer = api.post("/api/mp/v1/teams/report", json={"payload": scanned}, headers=auth)
    assert answer.status_code == 200 and answer.get_json()["joined"] is True and answer.get_json()["already"] is False
    assert re.match(r"\d{4}-\d{2}-\d{2}T", answer.get_json()["confirmed_at"])
    wrong = api.post("/api/mp/v1/teams/report", json={"payload": "https://example.com/x"}, headers=auth)
    assert wrong.status_code == 400 and "现场报到二维码" in wrong.get_json()["message"]
