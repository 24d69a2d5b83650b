"""DATA_KEY rotation and backup/restore (issue 23.7): several keys accepted (newest first), `flask keys
rotate` re-encrypts every value and appeal photo under the newest so the old key can go, lookups keep
working; a pg_dump backup restored into a new database is read by the app with the saved keys."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import sqlalchemy as sa
from cryptography.fernet import Fernet
from flask_migrate import upgrade

from app import create_app
from models import Member
from runtime.extensions import db, protector
from services.people import members
from tests.conftest import PG_URL, require_service
from tests.factories import registration

ROOT = Path(__file__).resolve().parents[1]


def _app(url: str, key: str, photos: Path):
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "DATA_KEY": key, "SECRET_KEY": "s",
                       "APPEAL_PHOTO_DIR": str(photos)})


def test_rotation_re_encrypts_everything_and_lookups_still_work(tmp_path):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    url, photos = f"sqlite:///{tmp_path}/k.db", tmp_path / "appeals"
    photos.mkdir()
    before = _app(url, old, photos)
    with before.app_context():
        upgrade()
        form = registration()
        member = members.register_member(db.session, form)
        (photos / "one.enc").write_bytes(protector.encrypt_bytes(b"\xff\xd8photo"))
        member_id = member.id
        db.engine.dispose()

    rotating = _app(url, f"{new},{old}", photos)
    result = rotating.test_cli_runner().invoke(args=["keys", "rotate", "--batch", "1"])
    assert result.exit_code == 0, result.output
    assert "重新加密 2 个字段" in result.output and "1 张" in result.output
    with rotating.app_context():
        stored = db.session.get(Member, member_id)
        only_new = Fernet(new.encode())
        assert only_new.decrypt(stored.phone_enc.encode()).decode() == form.phone  # the old key is not needed
        assert only_new.decrypt((photos / "one.enc").read_bytes()) == b"\xff\xd8photo"
        # The lookup hash is keyed by the last (original) key: phone login still finds the member.
        assert members.find_by_phone(db.session, form.phone).id == member_id
        again = rotating.test_cli_runner().invoke(args=["keys", "rotate"])
        assert "重新加密 0 个字段" in again.output and "0 张" in again.output  # resumable: nothing left
        db.engine.dispose()


def test_a_backup_restores_into_a_new_database_the_app_then_reads(tmp_path):
    require_service("postgresql")
    key = Fernet.generate_key().decode()
    source = sa.engine.make_url(PG_URL).set(database="qingchun_backup_source").render_as_string(hide_password=False)
    target = sa.engine.make_url(PG_URL).set(database="qingchun_backup_restored").render_as_string(hide_password=False)
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in ("qingchun_backup_source", "qingchun_backup_restored"):
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text('CREATE DATABASE "qingchun_backup_source"'))
    try:
        app = _app(source, key, tmp_path / "appeals")
        with app.app_context():
            upgrade()
            form = registration()
            member_id = members.register_member(db.session, form).id
            db.engine.dispose()
        env = {**os.environ, "DATABASE_URL": source, "DATA_KEY": key, "SECRET_KEY": "s",
               "APPEAL_PHOTO_DIR": str(tmp_path / "appeals"), "TARGET_URL": target}
        backup = subprocess.run(["bash", "deploy/backup.sh", str(tmp_path / "backup")], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=120)
        assert backup.returncode == 0, backup.stderr
        assert (tmp_path / "backup" / "keys.env").stat().st_mode & 0o077 == 0
        restore = subprocess.run(["bash", "deploy/restore.sh", str(tmp_path / "backup")], cwd=ROOT, env=env,
                                 capture_output=True, text=True, timeout=120)
        assert restore.returncode == 0, restore.stderr
        saved = dict(line.split("=", 1) for line in (tmp_path / "backup" / "keys.env").read_text().splitlines())
        restored = _app(target, saved["DATA_KEY"], tmp_path / "appeals")
        with restored.app_context():
            assert protector.decrypt(db.session.get(Member, member_id).phone_enc) == form.phone
            assert restored.test_client().get("/readyz").get_json()["status"] in ("ready", "not_ready")
            db.engine.dispose()
    finally:
        with admin.connect() as conn:
            for name in ("qingchun_backup_source", "qingchun_backup_restored"):
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
