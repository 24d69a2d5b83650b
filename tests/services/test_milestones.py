"""A campaign's milestones (issue 38 row 4): the city sets dates and measures; every committee sees who
in its sub-tree is short of each, reminded on its dashboard a week before and after the date, and
exports the list."""
from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from services.kernel.beijing_time import beijing_today
from services.kernel.errors import Forbidden, Invalid
from services.reporting import milestones, stats
from tests.factories import make_account, make_member, make_tree, pair
from tests.web import console_login, csrf_token


def test_row4_milestones_and_who_is_short_of_them(app, session):
    tree = make_tree(session)
    for org, name in ((tree.city, "beijing"), (tree.district, "dongcheng"), (tree.university, "bitedu")):
        make_account(session, org, name)
    today = beijing_today()
    paired = milestones.create(session, tree.city.id, "完成院系与街道结对", today + dt.timedelta(days=3), "department_paired")
    contacts = milestones.create(session, tree.city.id, "确定社区服务队联系人", today - dt.timedelta(days=1),
                                 "community_contact")
    registration = milestones.create(session, tree.city.id, "团支部注册率达标", today + dt.timedelta(days=30),
                                     "branch_registration")
    with pytest.raises(Forbidden, match="团市委"):
        milestones.create(session, tree.district.id, "区里自定", today, "community_zyb")
    with pytest.raises(Invalid, match="考核内容"):
        milestones.create(session, tree.city.id, "不明节点", today, "nonsense")

    assert {s.org.name for s in milestones.short_of(session, paired, tree.city)} == {"计算机学院团委", "机电学院团委"}
    pair(session, tree, tree.dept, tree.street)
    assert [s.org.name for s in milestones.short_of(session, paired, tree.city)] == ["机电学院团委"]
    # 多福巷 has its contact (the factories'), 韶九 and 葫芦垡村 none; a district sees its own only.
    assert {s.org.name for s in milestones.short_of(session, contacts, tree.district)} == {"韶九社区团组织", "葫芦垡村团组织"}
    assert milestones.short_of(session, contacts, tree.university) == []

    make_member(session, branch=tree.branch2, volunteer=False)
    make_member(session, branch=tree.branch2)
    stats.refresh(session, tree.city)
    short = milestones.short_of(session, registration, tree.district)
    assert [(s.org.name, s.why) for s in short] == [("东城区机关团支部", "注册志愿者率 50.0%，目标 90%")]

    district = console_login(app, "dongcheng")
    overview = district.get("/console/").get_data(as_text=True)
    assert f'id="milestone-{contacts.id}"' in overview and "已于" in overview     # overdue, still short
    assert f'id="milestone-{registration.id}"' not in overview                    # a month away: not yet
    page = district.get("/console/milestones").get_data(as_text=True)
    assert "完成院系与街道结对" in page and "全部完成" in page                     # the district has no department
    sheet = openpyxl.load_workbook(io.BytesIO(district.get(
        f"/console/exports/milestone.xlsx?milestone={contacts.id}").data)).active
    assert {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)} == {"韶九社区团组织", "葫芦垡村团组织"}

    city = console_login(app, "beijing")
    form_page = city.get("/console/milestones")
    made = city.post("/console/milestones", data={"csrf_token": csrf_token(form_page), "name": "志愿北京绑定",
                                                  "due_on": (today + dt.timedelta(days=10)).isoformat(),
                                                  "measure": "community_zyb"})
    assert "已设置工作节点「志愿北京绑定」" in city.get(made.headers["Location"]).get_data(as_text=True)
    bad = city.post("/console/milestones", data={"csrf_token": csrf_token(form_page), "name": "无日期",
                                                 "due_on": "明天", "measure": "community_zyb"})
    assert "请填写截止日期" in city.get(bad.headers["Location"]).get_data(as_text=True)
