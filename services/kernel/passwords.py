"""Password rules (DESIGN.md: 6–16 characters, not all digits) and hashing (werkzeug's scrypt)."""
from __future__ import annotations

from werkzeug.security import check_password_hash, generate_password_hash

from services.kernel.errors import Invalid


def validate_password(password: str | None) -> str:
    if not password or not 6 <= len(password) <= 16:
        raise Invalid("password_length", "密码长度应为6至16位")
    if password.isdigit():
        raise Invalid("password_digits", "密码不能全部为数字")
    if any(c.isspace() for c in password):
        raise Invalid("password_space", "密码不能包含空格")
    return password


def hash_password(password: str) -> str:
    return generate_password_hash(validate_password(password))


def check_password(password_hash: str, password: str) -> bool:
    return check_password_hash(password_hash, password or "")
