"""Journeys in named steps. A journey test (log in → register → join → enrol → sign in and out →
approval → hours) runs long; when it breaks, the report should say which step broke, and stop there:
the later steps would only fail because of it."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def step(name: str) -> Iterator[None]:
    try:
        yield
    except AssertionError as exc:
        raise AssertionError(f"journey step「{name}」: {exc}") from exc
    except Exception as exc:  # noqa: BLE001 - an unexpected answer (a KeyError on a body) breaks the step too
        raise AssertionError(f"journey step「{name}」: {type(exc).__name__}: {exc}") from exc
