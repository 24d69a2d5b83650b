"""Transactions and small shared helpers for the services."""
from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import AuditEntry

logger = logging.getLogger(__name__)

# No 0/O/1/I/L: codes are read aloud and typed from paper.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_code(length: int = 10) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def normalise_code(code: str | None) -> str:
    """A code as typed or scanned: spaces around it dropped, letters upper case (codes are stored so)."""
    return (code or "").strip().upper()


@contextmanager
def unit_of_work(session: Session) -> Iterator[Session]:
    """Commit on success, roll back on any error: a service never leaves a half-written record.

    Works whether or not the session already auto-began a transaction (the reason plain
    ``session.begin()`` is not used inside request handlers).
    """
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def audit(session: Session, actor: tuple[str, int | None], action: str, target: tuple[str, int | None],
          **detail) -> None:
    session.add(AuditEntry(actor_kind=actor[0], actor_id=actor[1], action=action,
                           target_kind=target[0], target_id=target[1], detail=detail))


_INSERT_AUDIT = sa.insert(AuditEntry.__table__)  # built once


def audit_now(connection: sa.Connection, actor: tuple[str, int | None], action: str,
              target: tuple[str, int | None], **detail) -> None:
    """The same row written at once by a plain INSERT on the connection doing the work, for hot paths
    that write no entities (an ORM flush costs more than the statement itself)."""
    connection.execute(_INSERT_AUDIT, {
        "actor_kind": actor[0], "actor_id": actor[1], "action": action, "target_kind": target[0],
        "target_id": target[1], "detail": detail})
