"""Transactions and small shared helpers for the services."""
from __future__ import annotations

import contextvars
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


#: The person logged in for the request (a console or mini-program staff login): every audit row written
#: while it is set names them, beside the organisation the services name as the actor. Set by the login
#: gates, cleared when the request ends (threads are reused).
_acting_account: contextvars.ContextVar[int | None] = contextvars.ContextVar("acting_account", default=None)


def act_as(account_id: int | None) -> None:
    _acting_account.set(account_id)


def acting_account() -> int | None:
    return _acting_account.get()


def _person(actor: tuple[str, int | None]) -> int | None:
    return actor[1] if actor[0] == "account" else _acting_account.get()


def audit(session: Session, actor: tuple[str, int | None], action: str, target: tuple[str, int | None],
          **detail) -> None:
    session.add(AuditEntry(actor_kind=actor[0], actor_id=actor[1], action=action,
                           target_kind=target[0], target_id=target[1], detail=detail, account_id=_person(actor)))


_INSERT_AUDIT = sa.insert(AuditEntry.__table__)  # built once


def audit_now(connection: sa.Connection, actor: tuple[str, int | None], action: str,
              target: tuple[str, int | None], **detail) -> None:
    """The same row written at once by a plain INSERT on the connection doing the work, for hot paths
    that write no entities (an ORM flush costs more than the statement itself)."""
    connection.execute(_INSERT_AUDIT, {
        "actor_kind": actor[0], "actor_id": actor[1], "action": action, "target_kind": target[0],
        "target_id": target[1], "detail": detail, "account_id": _person(actor)})
