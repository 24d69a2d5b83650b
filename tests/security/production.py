"""A complete production environment (none of README's development values) for the security tests."""
from __future__ import annotations

from cryptography.fernet import Fernet


def production_env(**overrides: str) -> dict[str, str]:
    env = {
        "APP_ENV": "production", "SECRET_KEY": "q7Vb2xKp9LmZ4rTn8WcY1hJd6FgS3aEuQoNiR5tBvXyM0kPl", "DATA_KEY": Fernet.generate_key().decode(),
        "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/test", "REDIS_URL": "redis://127.0.0.1:6379/15",
        "WECHAT_TOKEN": "a-real-token-of-the-account", "WECHAT_APP_ID": "wx1234567890abcdef",
        "WECHAT_APP_SECRET": "0123456789abcdef0123456789abcdef",
        "WECHAT_ENCODING_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
        "WECHAT_MINIPROGRAM_APP_ID": "wxabcdef1234567890", "WECHAT_MINIPROGRAM_APP_SECRET": "f" * 32,
        "PUBLIC_BASE_URL": "https://zhiyuan.example.org", "SMS_BACKEND": "tencent",
        "TENCENT_SMS_SECRET_ID": "AKIDexample", "TENCENT_SMS_SECRET_KEY": "example-key",
        "TENCENT_SMS_SDK_APP_ID": "1400123456", "TENCENT_SMS_SIGN_NAME": "青春北京", "TENCENT_SMS_TEMPLATE_ID": "123456",
    }
    env.update(overrides)
    return env
