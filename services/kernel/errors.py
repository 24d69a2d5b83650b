"""The one domain error type. Every surface maps it: JSON body, XML reply text or a flash message."""
from __future__ import annotations


class DomainError(Exception):
    """A rule said no. ``code`` is stable for clients; ``message`` is Chinese, for the person."""

    status = 400

    def __init__(self, code: str, message: str, **detail) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail

    def to_dict(self) -> dict:
        body = {"error": self.code, "message": self.message}
        if self.detail:
            body["detail"] = self.detail
        return body


class Invalid(DomainError):
    status = 400


class Forbidden(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class TooMany(DomainError):
    """Sent too often (verification codes): the person waits, the message says how long."""

    status = 429


class Unavailable(DomainError):
    """A part outside the system (SMS provider, WeChat) failed; nothing was changed, try again later."""

    status = 503
