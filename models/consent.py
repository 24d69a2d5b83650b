"""Consents to the privacy notice (个人信息保护说明): PIPL asks for consent to the notice and a separate
consent for sensitive personal information (the ID number, the position at sign-in), each recorded
with the notice's version and time; a new version asks again."""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, str_enum


class ConsentKind(enum.StrEnum):
    notice = "notice"        # 同意《个人信息保护说明》
    sensitive = "sensitive"  # 单独同意处理敏感个人信息


class Consent(Base):
    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    version: Mapped[str] = mapped_column(sa.String(20))
    kind: Mapped[ConsentKind] = mapped_column(str_enum(ConsentKind, "consent_kind"))
    given_at: Mapped[dt.datetime] = mapped_column()
