"""JSON logs (issue 23.5): one JSON object per line with the request id (taken when well-formed, made
otherwise, returned on the response), who is acting, and personal data masked in the whole record."""
import io
import json
import logging

from app import create_app
from runtime import logsetup
from tests.conftest import DATA_KEY


def test_json_lines_carry_the_request_id_and_who_and_mask_personal_data(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/l.db", "DATA_KEY": DATA_KEY,
                      "SECRET_KEY": "s", "LOG_FORMAT": "json"})

    @app.get("/log-probe")
    def probe():
        logsetup.who(member_id=7)
        logging.getLogger("services.probe").info("reached %s with id %s", "13812345678", "11010519491231002X")
        return "ok"

    stream = io.StringIO()
    handler = logsetup.make_handler("json", stream=stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        client = app.test_client()
        given = client.get("/log-probe", headers={"X-Request-ID": "req-42.a_b"})
        made = client.get("/log-probe", headers={"X-Request-ID": "not ok; DROP TABLE"})
    finally:
        root.removeHandler(handler)
    assert given.headers["X-Request-ID"] == "req-42.a_b"
    assert len(made.headers["X-Request-ID"]) == 32 and made.headers["X-Request-ID"] != "not ok; DROP TABLE"
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if "services.probe" in line]
    assert [line["request_id"] for line in lines] == ["req-42.a_b", made.headers["X-Request-ID"]]
    first = lines[0]
    assert first["member_id"] == 7 and first["level"] == "INFO" and first["name"] == "services.probe"
    assert first["message"] == "reached 138****5678 with id 110105********002X"
    assert "13812345678" not in stream.getvalue() and "11010519491231002X" not in stream.getvalue()


def test_outside_a_request_the_job_id_field_is_there():
    record = logging.LogRecord("jobs.push", logging.INFO, __file__, 1, "push", None, None)
    assert logsetup.ContextFilter().filter(record) and record.job_id is None and record.request_id is None
