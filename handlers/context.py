"""What a handler gets: the message, who sent it, a database session and the clock."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy.orm import Session

from services.people import wechat_users

if TYPE_CHECKING:  # a type only: wechat/ calls the handlers, never the other way round
    from wechat.callback import Inbound


@dataclass
class Context:
    inbound: Inbound
    key: str
    session: Session
    now: dt.datetime
    extra: dict = field(default_factory=dict)

    @property
    def raw(self) -> dict:
        return self.inbound.raw

    @property
    def message(self):
        """wechatpy's typed message (parsed when first asked for)."""
        return self.inbound.message

    @property
    def openid(self) -> str:
        return self.raw["FromUserName"]

    @cached_property
    def member_id(self) -> int | None:
        """The bound member (binding by unionid on the way), or None."""
        return wechat_users.member_id_for(self.session, self.openid)

    def url(self, path: str) -> str:
        return current_app.config["PUBLIC_BASE_URL"] + path

    def setting(self, name: str):
        return current_app.config[name]
