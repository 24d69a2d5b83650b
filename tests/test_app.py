import logging

import pytest
from flask import request

from app import create_app
from services.kernel.errors import Conflict
from tests.conftest import DATA_KEY
from web.guards import csrf


def test_healthz_reports_the_backend(app, session, backend):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["store"] == "ok"
    assert body["database_kind"] == backend
    assert body["store_kind"] == ("RedisStore" if backend == "postgresql" else "MemoryStore")


def test_unknown_path_is_a_chinese_json_404(app, session):
    response = app.test_client().get("/no/such/page")
    assert response.status_code == 404
    assert response.get_json() == {"error": "not_found", "message": "你打开的链接不存在或已失效，请检查地址，或返回首页"}


@pytest.fixture
def fresh_app(tmp_path):
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/a.db",
                       "DATA_KEY": DATA_KEY, "SECRET_KEY": "s", "MAX_CONTENT_LENGTH": 1024})


def test_domain_errors_become_json_with_their_status(fresh_app):
    @fresh_app.post("/boom")
    def boom():
        request.get_data()  # the size limit applies when the body is read
        raise Conflict("already_in_team", "你已加入「多福巷社区青年志愿者服务队」")

    csrf.exempt(boom)

    response = fresh_app.test_client().post("/boom")
    assert response.status_code == 409
    assert response.get_json()["error"] == "already_in_team"
    too_big = fresh_app.test_client().post("/boom", data="x" * 2048)
    assert too_big.status_code == 413 and too_big.get_json()["message"] == "请求内容过大"


def test_unexpected_errors_are_a_500_json_without_details(fresh_app):
    @fresh_app.get("/crash")
    def crash():
        raise RuntimeError("secret internals 13812345678")

    fresh_app.config["PROPAGATE_EXCEPTIONS"] = False
    response = fresh_app.test_client().get("/crash")
    assert response.status_code == 500
    assert "secret" not in response.get_data(as_text=True)


def test_the_root_handler_masks_personal_data(fresh_app):
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "_qingchun", False))
    record = logging.LogRecord("services.people.members", logging.INFO, __file__, 1, "phone %s id %s",
                               ("13812345678", "11010519491231002X"), None)
    assert handler.filter(record)
    assert record.getMessage() == "phone 138****5678 id 110105********002X"


def test_create_app_does_not_touch_redis_until_used(tmp_path):
    # An unreachable Redis must not stop the factory: nothing is opened at build time.
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/b.db",
                      "DATA_KEY": DATA_KEY, "SECRET_KEY": "s", "REDIS_URL": "redis://127.0.0.1:1/0"})
    assert type(app.extensions["store"]).__name__ == "RedisStore"
