"""Numbers from URLs, query strings and forms, bounded before they reach a query; uploaded files read
and closed.

Werkzeug's ``type=int`` and ``<int:…>`` take any length of digits; PostgreSQL then refuses a value
past its column type with ``bigint out of range`` (a 500). Every surface reads numbers through here,
so a hostile value is a 400 with a Chinese message (or a 404 for a path), never a database error.
"""
from __future__ import annotations

from werkzeug.routing import IntegerConverter

from services.kernel.errors import Invalid

#: Ids are PostgreSQL ``integer`` columns.
MAX_ID = 2**31 - 1
#: The OpenAPI document declares this maximum for ``page``; now it is enforced too.
MAX_PAGE = 100_000


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` with the id column's range: a longer number matches no route (404)."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 - werkzeug's parameter name
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def int_arg(source, name: str, default: int | None = None, *, minimum: int = 0,
            maximum: int = MAX_ID, label: str | None = None) -> int | None:
    """``source`` is ``request.args`` or ``request.form``; blank means ``default``."""
    raw = (source.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isascii() or not raw.lstrip("-").isdigit() or len(raw) > 12:
        raise Invalid("invalid_number", f"参数 {label or name} 必须是 {minimum}～{maximum} 之间的整数")
    value = int(raw)
    if not minimum <= value <= maximum:
        raise Invalid("invalid_number", f"参数 {label or name} 必须是 {minimum}～{maximum} 之间的整数")
    return value


def page_arg(source) -> int:
    return int_arg(source, "page", 1, minimum=1, maximum=MAX_PAGE, label="page（页码）")


def read_upload(files, name: str) -> bytes:
    """An uploaded file's bytes (empty when none came); its spooled temporary file is closed at once."""
    upload = files.get(name)
    if upload is None:
        return b""
    try:
        return upload.read()
    finally:
        upload.close()
