"""Form posts on the console and the phone pages end the same way: do the service call, then say in a
flash message what happened or, for a refused request, the service's own Chinese reason."""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import flash

from services.kernel.errors import DomainError

T = TypeVar("T")


def attempt(action: Callable[[], T], done: str | Callable[[T], str]) -> T | None:
    try:
        result = action()
    except DomainError as err:
        flash(err.message, "error")
        return None
    flash(done(result) if callable(done) else done, "ok")
    return result
