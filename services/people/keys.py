"""DATA_KEY rotation: every encrypted value re-encrypted under the newest key, in batches, so the older
keys can then be removed from DATA_KEY. The columns are found from the models (every ``*_enc``
column), so a new encrypted column is rotated without anyone remembering to; the identity-appeal
photos are files and are rotated too. Rows are locked batch by batch and each batch commits, so a
stopped rotation resumes where it left off (a value already under the newest key is left as it is)."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Base
from runtime.extensions import protector


def encrypted_columns() -> list[tuple[sa.Table, sa.Column]]:
    return [(table, column) for table in Base.metadata.sorted_tables for column in table.c
            if column.name.endswith("_enc")]


def count(session: Session) -> int:
    return sum(session.scalar(sa.select(sa.func.count()).select_from(table).where(column.is_not(None))) or 0
               for table, column in encrypted_columns())


def _batches(session: Session, table: sa.Table, column: sa.Column, size: int) -> Iterator[list]:
    key = list(table.primary_key.columns)[0]
    last = None
    while True:
        query = sa.select(key, column).where(column.is_not(None)).order_by(key).limit(size)
        if last is not None:
            query = query.where(key > last)
        rows = session.execute(query.with_for_update()).all()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def rotate(session: Session, *, batch: int = 500, progress: Callable[[int], None] = lambda n: None) -> int:
    """Re-encrypt every value; the number of values written."""
    written = 0
    for table, column in encrypted_columns():
        key = list(table.primary_key.columns)[0]
        for rows in _batches(session, table, column, batch):
            for row_key, token in rows:
                fresh = protector.rotate(token)
                if fresh != token:
                    session.execute(sa.update(table).where(key == row_key).values({column.name: fresh}))
                    written += 1
            session.commit()
            progress(len(rows))
    return written


LEFTOVER = ".rotating"


def rotate_files(folder: Path) -> int:
    """The encrypted appeal photos, each replaced atomically (written beside it, then renamed over it).
    A copy a killed rotation left is dropped first: its photo was never replaced, so nothing is lost."""
    rotated = 0
    forget_leftovers(folder, older_than_seconds=0)
    for path in sorted(folder.glob("*")) if folder.is_dir() else []:
        if not path.is_file() or path.name.endswith(LEFTOVER):
            continue
        token = path.read_bytes()
        fresh = protector.rotate_bytes(token)
        if fresh == token:
            continue
        temporary = path.with_suffix(path.suffix + LEFTOVER)
        temporary.write_bytes(fresh)
        temporary.replace(path)
        rotated += 1
    return rotated


def forget_leftovers(folder: Path, *, older_than_seconds: float = 3600) -> int:
    """Copies a killed ``keys rotate`` left beside the photos (the retention job asks hourly)."""
    cutoff = time.time() - older_than_seconds
    gone = 0
    for path in folder.glob("*" + LEFTOVER) if folder.is_dir() else []:
        if path.stat().st_mtime <= cutoff:
            path.unlink(missing_ok=True)
            gone += 1
    return gone
