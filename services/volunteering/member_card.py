"""What the bot's 我的 / 时长 reply shows of a member: name, branch, volunteer or not, and the hours, read
in one prepared round trip (by member id, or by the WeChat openid bound to them, so the reply needs no
lookup of the member first). On 报到 day this runs hundreds of times a second."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Member, Organization
from services.kernel.errors import NotFound
from services.kernel.prepared import Prepared
from services.volunteering import hours


@dataclass(frozen=True)
class Card:
    """What the bot's 我的/时长 reply shows of a member."""
    name: str
    branch: str | None
    is_volunteer: bool


def _card_query(which_member: sa.ColumnElement[bool]) -> sa.Select:
    return (sa.select(Member.name, Organization.name, Member.is_volunteer, *hours.summary_columns(Member.id))
            .outerjoin(Organization, Organization.id == Member.branch_id).where(which_member))


# Built once: asked on every 时长/我的 message, with the hours in the same round trip; by openid, the
# bot's reply needs no lookup of the member before it.
_CARD_BY_ID = Prepared(_card_query(Member.id == sa.bindparam("member_id")))
_CARD_BY_OPENID = Prepared(_card_query(Member.openid == sa.bindparam("openid")))


def card_and_hours(session: Session, member_id: int | None = None, *, openid: str | None = None,
                   now: dt.datetime | None = None) -> tuple[Card, hours.HoursSummary] | None:
    """The member's card and hours, by id, or by the openid bound to them (None when none is)."""
    year, params = hours.summary_params(now=now)
    statement, which = (_CARD_BY_ID, {"member_id": member_id}) if openid is None else (_CARD_BY_OPENID,
                                                                                         {"openid": openid})
    row = statement.one_or_none(session, {**which, **params})  # one round trip, no BEGIN/ROLLBACK around it
    if row is None:
        if openid is not None:
            return None
        raise NotFound("member_not_found", "请先完成实名注册")
    return Card(name=row[0], branch=row[1], is_volunteer=bool(row[2])), hours.make_summary(year, row[3], row[4])
