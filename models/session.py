"""Login sessions of every surface, kept in the database so that logout and a password change end them
everywhere and a Redis restart ends none."""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, TimestampMixin, str_enum


class SessionKind(enum.StrEnum):
    console = "console"   # an organisation account in the PC console (cookie)
    phone = "phone"       # an openid on the /m/ pages (cookie, after WeChat web authorisation)
    mp = "mp"             # the mini-program (bearer token), optionally with an organisation account


class AuthSession(TimestampMixin, Base):
    """The cookie or bearer token holds a random token; only its SHA-256 is stored, so a leaked table
    holds no usable session. WeChat's mini-program ``session_key`` is kept encrypted (never sent out)."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    kind: Mapped[SessionKind] = mapped_column(str_enum(SessionKind, "session_kind"))
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_accounts.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id", ondelete="CASCADE"), index=True)
    openid: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    unionid: Mapped[str | None] = mapped_column(sa.String(64))
    session_key_enc: Mapped[str | None] = mapped_column(sa.Text)
    last_seen_at: Mapped[dt.datetime] = mapped_column()
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
    idle_seconds: Mapped[int | None] = mapped_column()
    revoked_at: Mapped[dt.datetime | None] = mapped_column()
