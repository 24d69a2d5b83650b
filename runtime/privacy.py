"""Protection of personal data (ID numbers, phones).

DESIGN.md: personal data is stored protected and shown masked everywhere except to the person.
The value is encrypted with Fernet (``cryptography``; AES-128-CBC + HMAC, a well-kept recipe) and a
keyed HMAC-SHA256 of the normalised value gives a deterministic column for uniqueness and lookup
without ever storing the clear value. Both keys derive from ``DATA_KEY`` so one secret is rotated.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import Flask, current_app

logger = logging.getLogger(__name__)

_ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])")
_PHONE_RE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")


def mask_id_number(value: str | None) -> str:
    """110101********1234 — region kept, birth date and sequence hidden, as DESIGN.md shows."""
    if not value:
        return ""
    return value[:6] + "*" * 8 + value[-4:] if len(value) == 18 else "*" * len(value)


def mask_phone(value: str | None) -> str:
    """138****5678."""
    if not value:
        return ""
    return value[:3] + "****" + value[-4:] if len(value) == 11 else "*" * len(value)


def mask_text(text: str) -> str:
    """Mask every ID number and mobile number inside free text (log lines, error messages)."""
    text = _ID_RE.sub(lambda m: m.group(1) + "*" * 8 + m.group(3)[-4:], text)
    return _PHONE_RE.sub(lambda m: m.group(1) + "****" + m.group(3), text)


class MaskingFilter(logging.Filter):
    """Logging filter so that no handler ever writes a clear ID number or phone: the message, and the
    traceback too (a database error's text carries the statement's parameters)."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            # Formatted once here; every handler's formatter then uses this (masked) text as it is.
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True


class ProtectedDataError(ValueError):
    """A stored value could not be decrypted with the configured DATA_KEY."""


@dataclass(frozen=True)
class _Keys:
    fernet: MultiFernet
    newest: Fernet
    lookup_key: bytes


def data_keys(setting: str) -> list[str]:
    """DATA_KEY holds one Fernet key, or several separated by commas, the newest first (rotation)."""
    return [part.strip() for part in setting.split(",") if part.strip()]


class DataProtector:
    """Encrypts and hashes personal data with the app's DATA_KEY (bound per app, never global).

    Several keys (newest first): new values are encrypted with the first, values under any of them are
    read (cryptography's MultiFernet), and ``flask --app app keys rotate`` re-encrypts everything under
    the first so the others can go. The lookup hash (uniqueness and search of ID numbers and phones) is
    keyed by the last key in the list, the installation's original one: it must stay last, since
    changing it would change every hash (its own rotation is not supported)."""

    def init_app(self, app: Flask) -> None:
        keys = [key.encode() for key in data_keys(app.config["DATA_KEY"])]
        fernets = [Fernet(key) for key in keys]
        fernet = MultiFernet(fernets)
        # A separate key for the lookup hash, derived so that the hash leaks nothing about the cipher key.
        lookup_key = hmac.new(base64.urlsafe_b64decode(keys[-1]), b"qingchun-lookup-v1", hashlib.sha256).digest()
        app.extensions["privacy"] = _Keys(fernet, fernets[0], lookup_key)

    def rotate(self, token: str) -> str:
        """The same value encrypted under the newest key (the token itself when it already is)."""
        return self.rotate_bytes(token.encode()).decode()

    def rotate_bytes(self, token: bytes) -> bytes:
        keys = self._keys()
        try:
            keys.newest.decrypt(token)
        except InvalidToken:
            return keys.fernet.rotate(token)
        return token

    @staticmethod
    def _keys() -> _Keys:
        return current_app.extensions["privacy"]

    def encrypt(self, value: str) -> str:
        return self._keys().fernet.encrypt(value.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._keys().fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise ProtectedDataError("stored personal data does not match DATA_KEY") from exc

    def encrypt_bytes(self, value: bytes) -> bytes:
        return self._keys().fernet.encrypt(value)

    def decrypt_bytes(self, token: bytes) -> bytes:
        try:
            return self._keys().fernet.decrypt(token)
        except InvalidToken as exc:
            raise ProtectedDataError("stored personal data does not match DATA_KEY") from exc

    def lookup_hash(self, kind: str, value: str) -> str:
        """Deterministic keyed hash; ``kind`` separates ID numbers from phones with the same digits."""
        normalised = value.strip().upper()
        return hmac.new(self._keys().lookup_key, f"{kind}:{normalised}".encode(), hashlib.sha256).hexdigest()
