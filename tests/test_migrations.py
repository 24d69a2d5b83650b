"""The migrations are the schema: one head, they build both databases, and they match the models."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from app import create_app
from extensions import db
from tests.conftest import DATA_KEY, PG_URL, require_service


def test_single_head():
    app = create_app({"TESTING": True, "DATA_KEY": DATA_KEY, "SECRET_KEY": "s"})
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        assert len(ScriptDirectory.from_config(config).get_heads()) == 1


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/migrations.db"
        return
    require_service("postgresql")
    # A database of its own, so the suite's schema in the test database is left alone.
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = sa.engine.make_url(PG_URL).database + "_migrations"
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_builds_the_models_schema_and_downgrade_removes_it(empty_database_url):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_url, "DATA_KEY": DATA_KEY,
                      "SECRET_KEY": "s"})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                             "compare_server_default": False})
            diff = compare_metadata(context, db.metadata)
        assert diff == [], diff
        downgrade(revision="base")
        with db.engine.connect() as conn:
            assert set(sa.inspect(conn).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()
