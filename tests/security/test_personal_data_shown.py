"""Issue 19.2: nothing shown to anyone but the person lets an ID number or phone be rebuilt, alone or
with the other fields of the same answer. Walks every coordinator-facing GET route (console pages,
exports in CSV and Excel, the mini-program's coordinator API) and the phone pages another member sees."""
from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
import sqlalchemy as sa

from models import OrgAccount, RecordStatus, ServiceRecord
from runtime.extensions import protector
from services.people import mp_sessions, wechat_users
from tests.factories import join, make_account, make_dated_project, make_member, make_tree
from tests.web import console_login, mobile_login

BORN = dt.date(2005, 2, 11)
SKIPPED = {"console.login", "console.register_org", "console.change_password", "console_dev.simulator_page",
           "console.onsite_png", "console.certificate_pdf", "console.onsite_screen"}  # no member data / images


def _forbidden(id_number: str, phone: str) -> list[str]:
    d = BORN
    return [id_number, phone, d.isoformat(), d.strftime("%Y%m%d"), f"{d.year}年{d.month}月{d.day}日",
            d.strftime("%Y/%m/%d"), f"{d.year}.{d.month:02d}.{d.day:02d}"]


def _text(response) -> str:
    if response.mimetype.endswith("spreadsheetml.sheet"):
        book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
        return "\n".join(str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row)
    return response.get_data(as_text=True)


@pytest.fixture
def victim_world(app, session):
    tree = make_tree(session)
    make_account(session, tree.city, "beijing")
    victim = make_member(session, branch=tree.branch, born=BORN, name="李秀英", joined_league="2020-05", league_number="110100200512345")
    team = tree.team(session, tree.community)
    join(session, victim, team)
    project = make_dated_project(session, tree, team)
    session.add(ServiceRecord(project_id=project.id, member_id=victim.id, status=RecordStatus.pending,
                              signin_at=project.starts_at, signout_at=project.ends_at, duration_minutes=180))
    session.commit()
    form_id = victim.id
    id_number, phone = protector.decrypt(victim.id_number_enc), protector.decrypt(victim.phone_enc)
    return tree, team, project, form_id, id_number, phone


def _assert_hidden(where: str, text: str, forbidden: list[str]) -> None:
    for value in forbidden:
        assert value not in text, f"{where} shows {value!r}"


def test_every_console_page_and_export_hides_id_phone_and_birth_date(app, session, victim_world):
    tree, team, project, member_id, id_number, phone = victim_world
    forbidden = _forbidden(id_number, phone)
    client = console_login(app, "beijing")
    values = {"member_id": member_id, "project_id": project.id, "team_id": team.id, "code": project.code}
    seen = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/console/") or "GET" not in rule.methods or rule.endpoint in SKIPPED:
            continue
        if rule.endpoint == "console.export":
            continue
        url = rule.rule
        for name in rule.arguments:
            value = values.get(name, 1)  # an id no other row of this test has: a 403 or 404, also checked
            url = url.replace(f"<int:{name}>", str(value)).replace(f"<{name}>", str(value))
        for query in ({}, {"q": "李秀英"}, {"scope": "team"}, {"org": tree.branch.id}, {"project": project.id}):
            response = client.get(url, query_string=query)
            assert response.status_code < 500, url
            if response.mimetype.startswith("image/"):
                continue  # an icon, not a page
            _assert_hidden(f"{url} {query}", _text(response), forbidden)
            seen += 1
    for kind in ("members", "review", "rates", "project-hours"):
        for fmt in ("csv", "xlsx"):
            response = client.get(f"/console/exports/{kind}.{fmt}", query_string={"project": project.id})
            assert response.status_code == 200, (kind, fmt)
            text = _text(response)
            assert "李秀英" in text or kind == "rates"
            _assert_hidden(f"export {kind}.{fmt}", text, forbidden)
            seen += 1
    assert seen > 40


def test_the_coordinator_api_shows_age_not_birth_date(app, session, victim_world):
    tree, team, project, member_id, id_number, phone = victim_world
    account = session.scalar(sa.select(OrgAccount).where(OrgAccount.username == "beijing"))
    token, _ = mp_sessions.create(session, openid="o_coordinator", unionid=None)
    mp_sessions.attach_account(session, token, account.id)
    auth = {"Authorization": "Bearer " + token}
    client = app.test_client()
    members = client.get(f"/api/mp/v1/org/teams/{team.code}/members", headers=auth).get_json()["members"]
    row = next(m for m in members if m["id"] == member_id)
    assert "birth_date" not in row and row["age"] >= 21 and row["id_number"].count("*") == 8
    for url in ("/api/mp/v1/org/teams", f"/api/mp/v1/org/teams/{team.code}/members",
                f"/api/mp/v1/org/projects/{project.code}/pending"):
        response = client.get(url, headers=auth)
        assert response.status_code == 200, url
        _assert_hidden(url, response.get_data(as_text=True), _forbidden(id_number, phone))


def test_phone_pages_another_member_sees(app, session, sandbox, victim_world):
    tree, team, project, member_id, id_number, phone = victim_world
    other = make_member(session, branch=tree.branch, name="王芳")
    join(session, other, team)
    wechat_users.bind(session, other.id, "o_neighbour")
    client = app.test_client()
    mobile_login(client, "o_neighbour")
    for url in ("/m/", "/m/team", "/m/teams?q=多福巷", f"/m/projects/{project.code}", "/m/projects", "/m/hours",
                "/m/records", "/m/profile"):
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_hidden(url, response.get_data(as_text=True), _forbidden(id_number, phone))
