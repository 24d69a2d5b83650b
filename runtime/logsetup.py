"""Logging as a fleet needs it: one line of JSON per record (python-json-logger) with the request id
(``X-Request-ID`` taken from nginx or made here, returned on the response and on every line of the
request), the member or organisation acting where known, and the RQ job id in workers; personal data
masked in the whole record by ``privacy.MaskingFilter``. ``LOG_FORMAT=text`` keeps the readable lines
for a developer's terminal (the default outside production)."""
from __future__ import annotations

import logging
import re
import sys
import uuid

from flask import Flask, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

from runtime.privacy import MaskingFilter

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"


class ContextFilter(logging.Filter):
    """Adds request_id, member_id, org_id and job_id (None where not known) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = record.member_id = record.org_id = record.job_id = None
        if has_request_context():
            record.request_id = g.get("request_id")
            record.member_id = g.get("log_member_id")
            record.org_id = g.get("log_org_id")
        else:
            try:
                from rq import get_current_job

                job = get_current_job()
            except Exception:  # noqa: BLE001 - outside a worker there is no job
                job = None
            record.job_id = job.id if job is not None else None
        return True


def make_handler(kind: str, stream=None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stdout)
    handler._qingchun = True  # type: ignore[attr-defined]
    if kind == "json":
        handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s",
                                           rename_fields={"levelname": "level", "asctime": "time"},
                                           json_ensure_ascii=False))
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    handler.addFilter(ContextFilter())
    handler.addFilter(MaskingFilter())  # after the context: the whole record is masked
    return handler


def register_request_ids(app: Flask) -> None:
    @app.before_request
    def take_request_id() -> None:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex

    @app.after_request
    def return_request_id(response):
        if "request_id" in g:
            response.headers["X-Request-ID"] = g.request_id
        return response


def who(*, member_id: int | None = None, org_id: int | None = None) -> None:
    """Called where a request learns who is acting, so its later log lines name them."""
    if has_request_context():
        if member_id is not None:
            g.log_member_id = member_id
        if org_id is not None:
            g.log_org_id = org_id

def register_logging(app: Flask) -> None:
    """One stdout handler on the root logger: JSON lines with the request id (LOG_FORMAT=json, the
    production default) or readable text, personal data masked in every record."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_qingchun", False)]:
        root.removeHandler(old)
    root.addHandler(make_handler(app.config["LOG_FORMAT"]))
    root.setLevel(logging.INFO if app.config["APP_ENV"] == "production" else logging.DEBUG
                  if app.debug else logging.INFO)
    logging.getLogger("werkzeug").addFilter(MaskingFilter())
    logging.getLogger("fontTools").setLevel(logging.WARNING)  # a dozen lines per certificate's font subset
    register_request_ids(app)
