"""The phone's result page (WeUI msg): one helper, so that the icon always matches the status sent with
it — a page answered 401 must not show the success tick — and every result offers one way on."""
from __future__ import annotations

from flask import render_template


def result_page(title: str, message: str, status: int = 200, **extra):
    return render_template("mobile/message.html", title=title, message=message, status=status, **extra), status
