"""Issue 39.9: production refused only SECRET_KEYs under 32 characters, so deploy/.env.example's
placeholder and 32 × "a" went live; and the sandbox's Tencent SMS stand-ins were accepted."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from runtime.config import ConfigError, load_config
from tests.security.production import production_env

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / ".env.example"


def _example_secret() -> str:
    return re.search(r"^SECRET_KEY=(.*)$", EXAMPLE.read_text(), re.M).group(1)


@pytest.mark.parametrize(("value", "said"), [
    (_example_secret(), "placeholder"),
    ("a" * 32, "too little entropy"),
    ("ab" * 24, "too little entropy"),
    ("changeme" + "x7Q2p9Lk4mZ8rT1n" * 2, "placeholder"),
])
def test_production_refuses_placeholder_and_low_entropy_keys(value, said):
    with pytest.raises(ConfigError, match=said):
        load_config(production_env(SECRET_KEY=value))


def test_a_generated_key_passes():
    import secrets

    for _ in range(20):
        load_config(production_env(SECRET_KEY=secrets.token_urlsafe(48)))
        load_config(production_env(SECRET_KEY=secrets.token_hex(32)))


@pytest.mark.parametrize(("name", "value"), [
    ("TENCENT_SMS_SECRET_ID", "sandbox-sms-secret-id"), ("TENCENT_SMS_SECRET_KEY", "sandbox-sms-secret-key"),
    ("TENCENT_SMS_SDK_APP_ID", "1400000000"), ("TENCENT_SMS_TEMPLATE_ID", "100000"),
])
def test_production_refuses_the_sandboxs_sms_stand_ins(name, value):
    with pytest.raises(ConfigError, match=f"{name} is the sandbox's stand-in"):
        load_config(production_env(**{name: value}))
