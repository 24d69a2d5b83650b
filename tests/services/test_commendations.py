"""Year-end commendations (issue 38 row 6, seed 000 表彰优秀志愿者、志愿组织、志愿项目): a committee ranks its
sub-tree's volunteers, teams and projects by the year's approved hours, nominates (a volunteer only with
20 h as a registered volunteer), exports the list; the member sees the honour."""
from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
import sqlalchemy as sa

from models import Commendation, RecordStatus, ServiceRecord
from services.kernel.beijing_time import BEIJING
from services.kernel.errors import Conflict, Forbidden, NotFound
from services.people import wechat_users
from services.reporting import commendations
from tests.factories import join, make_account, make_dated_project, make_member, make_tree
from tests.web import console_login, csrf_token, mobile_login


def _served(session, project, member, hours: float, year: int = 2026):
    at = dt.datetime(year, 5, 1, 9, tzinfo=BEIJING)
    session.add(ServiceRecord(project_id=project.id, member_id=member.id, status=RecordStatus.approved,
                              signin_at=at, signout_at=at + dt.timedelta(hours=hours), duration_minutes=int(hours * 60)))
    session.commit()


def test_row6_a_committee_ranks_nominates_and_exports(app, session, sandbox):
    tree = make_tree(session)
    make_account(session, tree.district, "dongcheng")
    team = tree.team(session, tree.community)
    project = make_dated_project(session, tree, team)
    star, keen, short = (make_member(session, branch=tree.branch2, name=n) for n in ("王优秀", "李积极", "赵不足"))
    not_volunteer = make_member(session, branch=tree.branch2, name="钱未注册", volunteer=False)
    for member in (keen, short):
        join(session, member, team)
    _served(session, project, star, 30)
    _served(session, project, keen, 21)
    _served(session, project, short, 8)
    _served(session, project, not_volunteer, 25)

    ranked = commendations.candidates(session, tree.district, 2026, "volunteer")
    assert [(c.name, c.minutes // 60) for c in ranked] == [("王优秀", 30), ("李积极", 21)]
    assert commendations.candidates(session, tree.district, 2026, "team")[0].name == team.name
    assert commendations.candidates(session, tree.district, 2026, "project")[0].people == 4
    with pytest.raises(Conflict, match="年度服务不满20小时"):
        commendations.nominate(session, tree.district.id, 2026, "volunteer", short.id)
    with pytest.raises(Conflict, match="未注册志愿者"):
        commendations.nominate(session, tree.district.id, 2026, "volunteer", not_volunteer.id)
    with pytest.raises(NotFound):
        commendations.nominate(session, tree.university.id, 2026, "volunteer", star.id)  # not its sub-tree
    with pytest.raises(Forbidden):
        commendations.nominate(session, tree.branch2.id, 2026, "volunteer", star.id)

    console = console_login(app, "dongcheng")
    page = console.get("/console/commendations", query_string={"year": 2026})
    assert "王优秀" in page.get_data(as_text=True) and "赵不足" not in page.get_data(as_text=True)
    assert "参加次数" in page.get_data(as_text=True) and "服务人数" not in page.get_data(as_text=True)
    done = console.post("/console/commendations", data={"csrf_token": csrf_token(page), "year": 2026,
                                                        "kind": "volunteer", "subject_id": star.id, "note": "全年服务30小时"})
    assert "已推荐为2026年度优秀志愿者" in console.get(done.headers["Location"]).get_data(as_text=True)
    with pytest.raises(Conflict, match="已推荐"):
        commendations.nominate(session, tree.district.id, 2026, "volunteer", star.id)
    commendations.nominate(session, tree.district.id, 2026, "team", team.id)
    sheet = openpyxl.load_workbook(io.BytesIO(console.get("/console/exports/commendations.xlsx?year=2026").data)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows == [("优秀志愿者", "王优秀", 30, "全年服务30小时"), ("优秀志愿服务队", team.name, 84, "—")]

    wechat_users.bind(session, star.id, "o_star")
    phone = app.test_client()
    mobile_login(phone, "o_star", "/m/hours")
    assert "2026年度优秀志愿者（东城区团委推荐）" in phone.get("/m/hours").get_data(as_text=True)
    from services.people import mp_sessions
    token, _ = mp_sessions.create(session, openid="o_star_mp", unionid=None, member_id=star.id)
    hours_api = app.test_client().get("/api/mp/v1/me/hours", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert hours_api["honours"] == ["2026年度优秀志愿者（东城区团委推荐）"]
    row = session.scalar(sa.select(Commendation).where(Commendation.subject_id == star.id))
    page = console.get("/console/commendations", query_string={"year": 2026})
    console.post(f"/console/commendations/{row.id}/withdraw", data={"csrf_token": csrf_token(page)})
    assert commendations.honours(session, star.id) == []
    assert console.get("/console/commendations?kind=nope").status_code == 400
