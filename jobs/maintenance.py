"""An operator's housekeeping commands: what the scheduler does by itself (marking missing sign-outs),
for a setup without it, and the rotation of DATA_KEY. Each is a thin wrapper over services."""
from __future__ import annotations

import click
from flask import Flask

from runtime.extensions import db


def register_commands(app: Flask) -> None:
    @app.cli.group("records")
    def records_group() -> None:
        """Service records: housekeeping."""

    @records_group.command("mark-missing")
    def mark_missing_command() -> None:
        """Mark records never signed out, 12 h after their project's end, as missing sign-out (the scheduler does it hourly; this is for a setup without Redis)."""
        from services.volunteering.records import mark_missing_signouts

        count = mark_missing_signouts(db.session)
        click.echo(f"已标记 {count} 条缺少签退的记录，请负责人核实更正。")

    @app.cli.group("keys")
    def keys_group() -> None:
        """DATA_KEY: rotation of the key that encrypts ID numbers, phones and secrets."""

    @keys_group.command("rotate")
    @click.option("--batch", default=500, show_default=True, help="rows per transaction")
    def rotate_command(batch: int) -> None:
        """Re-encrypt every value (and the appeal photos) under DATA_KEY's first key; then the older keys
        can be removed from DATA_KEY (keep the last one: it keys the lookup hashes)."""
        from pathlib import Path

        from runtime.privacy import data_keys
        from services.people import keys

        if len(data_keys(app.config["DATA_KEY"])) < 2:
            click.echo("DATA_KEY 只有一个密钥：把新密钥放在最前面（新,旧）后再运行。")
        total = keys.count(db.session)
        db.session.rollback()
        with click.progressbar(length=total, label="重新加密") as bar:
            written = keys.rotate(db.session, batch=batch, progress=bar.update)
        photos = keys.rotate_files(Path(app.config["APPEAL_PHOTO_DIR"]))
        click.echo(f"已用最新密钥重新加密 {written} 个字段（共 {total} 个）和 {photos} 张身份认证照片。")
