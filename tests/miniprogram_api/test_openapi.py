"""The API's OpenAPI document, and schemathesis driving every operation from it: no 500s, only
documented statuses, error bodies as documented. Runs on SQLite and on PostgreSQL + Redis."""
import datetime as dt
import os
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from models import utcnow
from services.people import mp_sessions
from services.volunteering import projects
from tests.factories import make_account, make_member, make_project_input, make_tree

# Deterministic in make test/CI (the same cases every run); FUZZ_RANDOM=1 FUZZ_EXAMPLES=200 to hunt.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
RANDOM = os.environ.get("FUZZ_RANDOM") == "1"


def test_document_lists_every_api_route(app):
    document = app.test_client().get("/api/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    routes = {re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule) for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith("mp_api.")}
    documented = set(document["paths"])
    assert documented == routes
    register = document["components"]["schemas"]["RegisterIn"]
    assert {"name", "id_number", "phone", "sms_code"} <= set(register["required"])
    upload = document["paths"]["/api/mp/v1/identity-appeals"]["post"]["requestBody"]["content"]
    appeal = document["components"]["schemas"]["AppealForm"]
    assert list(upload) == ["multipart/form-data"] and appeal["properties"]["photo"]["format"] == "binary"


@pytest.fixture
def api_schema(app, session, sandbox):
    tree = make_tree(session)
    account = make_account(session, tree.community, "duofuxiang")
    team = tree.team(session, tree.community)
    start = utcnow() - dt.timedelta(minutes=10)
    project = projects.create_project(session, tree.community.id, team.id, make_project_input(
        starts_at=start, ends_at=start + dt.timedelta(hours=2)))
    projects.publish_project(session, tree.community.id, project.id)
    member = make_member(session)
    token, _ = mp_sessions.create(session, openid="o_fuzz", unionid=None, member_id=member.id)
    mp_sessions.attach_account(session, token, account.id)
    app.config["FUZZ_TOKEN"] = token
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


def test_api_never_fails_and_answers_as_documented(app, api_schema):
    """Every operation, generated from the document (valid and invalid inputs). Driven by hand rather
    than through schemathesis' pytest plugin, which does not load under pytest 9."""
    headers = {"Authorization": f"Bearer {app.config['FUZZ_TOKEN']}"}
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 21

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=not RANDOM,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            case.call_and_validate(headers=headers, checks=checks)

        run()


def test_nul_bytes_are_a_clear_400_not_a_database_error(app, session, sandbox):
    """Found by schemathesis on PostgreSQL, which refuses text containing NUL."""
    client = app.test_client()
    token, _ = mp_sessions.create(session, openid="o_nul", unionid=None, member_id=make_member(session).id)
    headers = {"Authorization": f"Bearer {token}"}
    query = client.get("/api/mp/v1/teams", query_string={"q": "多福\x00巷"}, headers=headers)
    assert query.status_code == 400 and query.get_json()["message"] == "请求包含非法字符"
    path = client.post("/api/mp/v1/projects/AB%00C/enrol", headers=headers)
    assert path.status_code == 400
    body = client.post("/api/mp/v1/teams/join", json={"payload": "team:\x00"}, headers=headers)
    assert body.status_code == 400 and body.get_json()["error"] == "invalid_input"
    page = client.get("/console/teams", query_string={"q": "\x00"})
    assert page.status_code == 400
