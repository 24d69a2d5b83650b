"""The migrations are the schema: one head, they build both databases, and they match the models."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from app import create_app
from runtime.extensions import db
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


def test_pairing_migration_settles_old_pairs_and_withdraws_open_applications(empty_database_url):
    """A data migration, tested as Redash tests them: rows written at the revision before, read after."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_url, "DATA_KEY": DATA_KEY,
                      "SECRET_KEY": "s"})
    with app.app_context():
        upgrade(revision="e2c55508e201")
        with db.engine.begin() as conn:
            now = "2026-10-01 08:00:00+00:00"
            for i, (kind, category, capacity) in enumerate((("city", None, None), ("university", None, None),
                                                            ("department", None, None), ("department", None, None),
                                                            ("street", "urban", 9), ("street", "suburban", 2)), 1):
                conn.execute(sa.text(
                    "INSERT INTO organizations (id, name, kind, path, category, pairing_capacity, is_provisional, created_at) "
                    "VALUES (:id, :name, :kind, :path, :category, :capacity, false, :now)"),
                    {"id": i, "name": f"org{i}", "kind": kind, "path": f"/{i}/", "category": category,
                     "capacity": capacity, "now": now})
            conn.execute(sa.text("INSERT INTO pairing_codes (id, code, category, issuer_org_id, university_id, "
                                 "department_id, created_at) VALUES (1, 'C1', 'urban', 1, 2, 3, :now), "
                                 "(2, 'C2', 'urban', 1, 2, 4, :now)"), {"now": now})
            conn.execute(sa.text("INSERT INTO pairings (id, department_id, street_id, code_id, status, decided_at, "
                                 "created_at) VALUES (1, 3, 5, 1, 'accepted', :now, :now), "
                                 "(2, 4, 5, 2, 'pending', NULL, :now)"), {"now": now})
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT id, status, department_confirmed_at IS NOT NULL, "
                                        "street_confirmed_at IS NOT NULL FROM pairings ORDER BY id")).all()
            caps = dict(conn.execute(sa.text("SELECT id, pairing_capacity FROM organizations WHERE id IN (5, 6)")).all())
        assert [tuple(row) for row in rows] == [(1, "accepted", True, True), (2, "withdrawn", False, False)]
        assert caps == {5: None, 6: 2}
        db.engine.dispose()


def test_the_push_claims_downgrade_fails_the_deliveries_the_old_schema_cannot_name(empty_database_url):
    """The one other migration that moves data (443fc4b68a79, on its way down): deliveries caught
    mid-send or unknown become failed, the others keep their state. Rows written by the app at the
    head, then the schema taken down past that revision (every later downgrade keeps them too)."""
    from models import DeliveryStatus, PushDelivery
    from services.organisations import teams
    from services.volunteering import projects
    from tests.factories import make_followers, make_project_input, make_tree

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_url, "DATA_KEY": DATA_KEY,
                      "SECRET_KEY": "s"})
    with app.app_context():
        upgrade()
        session = db.session
        tree = make_tree(session)
        team = teams.team_of_org(session, tree.community.id)
        project = projects.create_project(session, tree.street.id, team.id, make_project_input())
        states = [DeliveryStatus.sending, DeliveryStatus.unknown, DeliveryStatus.sent, DeliveryStatus.pending]
        for member, status in zip(make_followers(session, team, len(states), "o_mig"), states, strict=True):
            session.add(PushDelivery(project_id=project.id, member_id=member.id, openid=member.openid, status=status))
        session.commit()
        session.remove()
        downgrade(revision="1122bfa97f33")
        with db.engine.connect() as conn:
            kept = conn.execute(sa.text("SELECT status FROM push_deliveries ORDER BY id")).scalars().all()
        assert kept == ["failed", "failed", "sent", "pending"]
        db.engine.dispose()
