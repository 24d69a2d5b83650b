"""Issue 39.13: a team's site name over 120 characters was a 500 on PostgreSQL. Every text has a bound
checked before the database (services/kernel/text_bounds.py at each flush, pydantic's max_length on
bodies), with an answer that names the field. Swept here: every field of every form the console and the
phone pages show, and every string of every JSON body the API documents, each filled over-long."""
from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from services.people import mp_sessions, wechat_users
from tests.factories import join, make_account, make_dated_project, make_member, make_tree
from tests.web import console_login, mobile_login

LONG = "长" * 600  # past every String(n) column but the 400-character organisation path
TEXTY = {"", "text", "search", "tel", "email", "url", "password"}


class _Forms(HTMLParser):
    """The POST forms of a page: action, and each field's name, kind and default value."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self.links: set[str] = set()
        self._form: dict | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href", "").startswith(("/console/", "/m/")):
            self.links.add(a["href"])
        if tag == "form" and (a.get("method") or "get").lower() == "post":
            self._form = {"action": a.get("action") or "", "fields": []}
            self.forms.append(self._form)
        if self._form is None or not a.get("name"):
            return
        if tag == "input":
            kind = (a.get("type") or "").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("file", "submit", "button"):
                self._form["fields"].append([a["name"], "text" if kind in TEXTY else kind, a.get("value") or ""])
        elif tag == "textarea":
            self._textarea = a["name"]
            self._form["fields"].append([a["name"], "text", ""])
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and not any(f[0] == self._select for f in self._form["fields"]):
            self._form["fields"].append([self._select, "select", a.get("value", "")])

    def handle_data(self, data):
        if self._textarea and self._form:
            self._form["fields"][-1][2] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


@pytest.fixture
def people(app, session, sandbox):
    tree = make_tree(session)
    account = make_account(session, tree.city, "beijing")
    make_account(session, tree.community, "duofuxiang")
    member = make_member(session, branch=tree.branch)
    team = tree.team(session, tree.community)
    join(session, member, team)
    project = make_dated_project(session, tree, team)
    wechat_users.bind(session, member.id, "o_long_text")
    token, _ = mp_sessions.create(session, openid="o_long_text", unionid=None, member_id=member.id)
    mp_sessions.attach_account(session, token, account.id)
    phone = app.test_client()
    mobile_login(phone, "o_long_text")
    return {"tree": tree, "team": team, "project": project, "phone": phone, "token": token}


def _sweep(client, start: str, prefix: str, pages: int = 60) -> int:
    seen, queue, swept = set(), [start], 0
    while queue and len(seen) < pages:
        url = queue.pop(0)
        if url in seen or "logout" in url or "/export" in url or "download" in url:
            continue
        seen.add(url)
        page = client.get(url)
        assert page.status_code < 500, f"GET {url}: {page.status_code}"
        if "text/html" not in page.content_type:
            continue
        parser = _Forms()
        parser.feed(page.get_data(as_text=True))
        queue += sorted(link for link in parser.links if link.startswith(prefix) and link not in seen)
        for form in parser.forms:
            action = form["action"] or urlsplit(url).path
            if "logout" in action or "close" in action:
                continue
            for i, (name, kind, _value) in enumerate(form["fields"]):
                if kind != "text":
                    continue
                data = {n: (LONG if j == i else v) for j, (n, _k, v) in enumerate(form["fields"])}
                answer = client.post(action, data=data)
                assert answer.status_code < 500, f"POST {action} with a long {name}: {answer.status_code}"
                swept += 1
    return swept


def test_a_long_site_name_is_refused_naming_the_field(app, session, people):
    coordinator = console_login(app, "duofuxiang")
    answer = coordinator.post(f"/console/teams/{people['team'].id}/site", follow_redirects=True, data={
        "csrf_token": _csrf(coordinator, f"/console/teams/{people['team'].id}"), "lat": "39.93", "lng": "116.41",
        "coord_system": "gcj02", "radius_m": "200", "site_name": "多" * 121, "site_address": "东城区"})
    assert answer.status_code == 200 and "服务地点名称过长：最多120个字符" in answer.get_data(as_text=True)
    session.expire_all()
    assert people["team"].site_name != "多" * 121


def test_every_console_and_phone_form_field_over_long_never_500s(app, session, people):
    swept = _sweep(console_login(app, "beijing"), "/console/", "/console/")
    swept += _sweep(console_login(app, "duofuxiang"), "/console/", "/console/")
    swept += _sweep(people["phone"], "/m/", "/m/")
    assert swept > 40


def test_every_api_body_string_over_long_never_500s(app, session, people):
    client = app.test_client()
    auth = {"Authorization": "Bearer " + people["token"]}
    spec = client.get("/api/openapi.json").get_json()
    codes = {"code": people["project"].code, "request_id": "1", "record_id": "1", "member_id": "1", "change": "move"}
    swept = 0
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if not schema:
                continue
            schema = _resolve(spec, schema)
            url = path
            for name, value in codes.items():
                url = url.replace("{" + name + "}", value)
            if "/teams/" in path and "{code}" in path:
                url = path.replace("{code}", people["team"].code).replace("{member_id}", "1").replace("{change}", "move")
            strings = [n for n, p in schema.get("properties", {}).items() if "string" in _types(spec, p)]
            for name in strings:
                body = {n: _default(spec, p) for n, p in schema.get("properties", {}).items()}
                body[name] = LONG
                answer = client.open(url, method=method.upper(), json=body, headers=auth)
                assert answer.status_code < 500, f"{method.upper()} {url} with a long {name}: {answer.status_code}"
                swept += 1
    assert swept > 20


def _csrf(client, page: str) -> str:
    from tests.web import csrf_token

    return csrf_token(client.get(page))


def _resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _types(spec: dict, prop: dict) -> set[str]:
    prop = _resolve(spec, prop)
    found = {prop.get("type")} if prop.get("type") else set()
    for option in prop.get("anyOf", []):
        found |= _types(spec, option)
    return found


def _default(spec: dict, prop: dict):
    kinds = _types(spec, prop)
    for kind, value in (("string", "正常"), ("integer", 1), ("number", 1.0), ("boolean", True), ("array", [])):
        if kind in kinds:
            return value
    return None
