"""Issue 19.3: production refuses README's development values and the demo seed."""
from __future__ import annotations

import pytest

from app import create_app
from runtime.config import DEV_AES_KEY, ConfigError, load_config
from tests.security.production import production_env


def test_a_complete_production_environment_starts():
    config = load_config(production_env())
    assert config["SMS_BACKEND"] == "tencent" and config["SQLALCHEMY_ENGINE_OPTIONS"]["hide_parameters"] is True


@pytest.mark.parametrize(("name", "value", "said"), [
    ("WECHAT_TOKEN", "qingchun-dev-token", "WECHAT_TOKEN is the development value"),
    ("WECHAT_APP_SECRET", "dev-app-secret", "WECHAT_APP_SECRET is the development value"),
    ("WECHAT_ENCODING_AES_KEY", DEV_AES_KEY, "WECHAT_ENCODING_AES_KEY is the development value"),
    ("SECRET_KEY", "x" * 31, "at least 32 characters"),
    ("PUBLIC_BASE_URL", "http://zhiyuan.example.org", "must be https://"),
    ("SMS_BACKEND", "log", "SMS_BACKEND=log"),
    ("WECHAT_MINIPROGRAM_APP_SECRET", "", "WECHAT_MINIPROGRAM_APP_SECRET"),
    ("WECHAT_MINIPROGRAM_APP_ID", "", "WECHAT_MINIPROGRAM_APP_ID"),
    ("TENCENT_SMS_SECRET_KEY", "", "TENCENT_SMS_SECRET_KEY"),
])
def test_production_refuses_development_values(name, value, said):
    with pytest.raises(ConfigError, match=said):
        load_config(production_env(**{name: value}))


def test_seed_demo_refuses_to_run_in_production(tmp_path):
    app = create_app({**production_env(DATABASE_URL=f"sqlite:///{tmp_path}/p.db"), "TESTING": True})
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "生产环境" in result.output
