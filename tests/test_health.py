"""/livez, /readyz and /healthz (issue 23.3): alive is the process; ready is the database answering at
the migrations' head and Redis answering when configured."""
from flask_migrate import downgrade, upgrade

from app import create_app
from runtime.extensions import db
from tests.conftest import DATA_KEY


def test_livez_answers_without_the_database(app):
    assert app.test_client().get("/livez").get_json() == {"status": "alive"}


def test_readyz_wants_the_schema_at_the_migrations_head(tmp_path):
    url = f"sqlite:///{tmp_path}/ready.db"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "DATA_KEY": DATA_KEY, "SECRET_KEY": "s"})
    client = app.test_client()
    empty = client.get("/readyz")
    assert empty.status_code == 503 and "migrations not applied" in empty.get_json()["problems"][0]
    with app.app_context():
        upgrade()
    assert client.get("/readyz").get_json() == {"status": "ready", "problems": []}
    with app.app_context():
        downgrade(revision="-1")
    behind = client.get("/readyz")
    assert behind.status_code == 503 and "code expects" in behind.get_json()["problems"][0]
    assert client.get("/livez").status_code == 200 and client.get("/healthz").status_code == 200
    with app.app_context():
        db.engine.dispose()


def test_readyz_names_an_unreachable_redis(tmp_path):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/r.db", "DATA_KEY": DATA_KEY,
                      "SECRET_KEY": "s", "REDIS_URL": f"redis://127.0.0.1:{port}/0"})
    with app.app_context():
        upgrade()
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 503 and answer.get_json()["problems"] == ["redis: no answer"]
    assert app.test_client().get("/healthz").get_json()["status"] == "degraded"
    with app.app_context():
        db.engine.dispose()


def test_healthz_names_the_drawing_font(app, monkeypatch):
    """An operator sees which font posters and certificates are drawn with (issue 40.3), and a machine
    without a usable one is degraded, not broken."""
    from qr import fonts

    fonts.reset()
    body = app.test_client().get("/healthz").get_json()
    assert body["font"] == "ok" and body["font_file"] == fonts.current().describe()
    assert not fonts.missing(fonts.current().path)
    monkeypatch.setenv("POSTER_FONT", "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")
    fonts.reset()
    answer = app.test_client().get("/healthz")
    assert answer.status_code == 200 and answer.get_json()["font"] == "missing"
    assert answer.get_json()["status"] == "degraded" and "缺少数字" in answer.get_json()["font_file"]
    monkeypatch.delenv("POSTER_FONT")
    fonts.reset()
