"""Every text a person types has a bound, checked before the database sees it.

A value longer than its column (a team's site name over 120 characters) made PostgreSQL refuse the
INSERT or UPDATE: a 500, while SQLite stored it whole. Rather than a check in each of the dozens of
services and forms that write text, every flush looks at the rows it is about to write and refuses a
string longer than its ``String(n)`` column with a 400 that names the field in the person's words. The
unit of work rolls the transaction back, so nothing is half-written.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from services.kernel.errors import Invalid

#: The fields' names as the forms say them; a column not named here is named by its own name.
LABELS = {
    "name": "名称", "title": "标题", "site_name": "服务地点名称", "site_address": "服务地点地址",
    "contact_name": "联系人", "contact_phone": "联系电话", "reason": "原因", "decision_note": "审核意见",
    "edit_reason": "修改原因", "skills_note": "特长说明", "ethnicity": "民族", "education": "学历",
    "student_number": "学号", "league_number": "团员编号", "username": "用户名", "zyb_username": "志愿北京用户名",
    "zyb_team_id": "志愿北京服务队编号", "organisations": "记录组织", "code": "编码",
}


NOTE_LENGTH = 200  # reasons and review notes: their columns' length


def note(text: str | None, *, required: str | None = None, code: str = "reason_required") -> str | None:
    """A reason or review note as typed: trimmed, cut to NOTE_LENGTH, None when empty. ``required``: the
    refusal said when it is empty (a 驳回, a 解除结对: the other side is told why)."""
    text = (text or "").strip()[:NOTE_LENGTH] or None
    if text is None and required:
        raise Invalid(code, required)
    return text


def _too_long(obj) -> tuple[str, int] | None:
    mapper = sa.inspect(obj).mapper
    for attr in mapper.column_attrs:
        column = attr.columns[0]
        limit = getattr(column.type, "length", None)
        if not limit or not isinstance(column.type, sa.String):
            continue
        value = getattr(obj, attr.key, None)
        if isinstance(value, str) and len(value) > limit:
            return column.name, limit
    return None


def _check(session: Session, _context, _instances) -> None:
    for obj in (*session.new, *session.dirty):
        found = _too_long(obj)
        if found:
            name, limit = found
            raise Invalid("too_long", f"{LABELS.get(name, name)}过长：最多{limit}个字符", field=name, max_length=limit)


def init_app(_app=None) -> None:
    """Listen on every session (once per process)."""
    if not event.contains(Session, "before_flush", _check):
        event.listen(Session, "before_flush", _check)
