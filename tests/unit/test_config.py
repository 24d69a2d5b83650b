import pytest
from cryptography.fernet import Fernet

from runtime.config import ConfigError, load_config


def test_development_defaults_run_offline():
    config = load_config({"DATA_KEY": Fernet.generate_key().decode(), "SECRET_KEY": "s"})
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert config["REDIS_URL"] is None and config["WECHAT_API_BASE_URL"] is None
    assert config["SESSION_COOKIE_SECURE"] is False


def test_production_refuses_missing_secrets():
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config({"APP_ENV": "production"})


def test_production_refuses_a_malformed_data_key():
    from tests.security.production import production_env

    env = {**production_env(), "DATA_KEY": "x"}
    with pytest.raises(ConfigError, match="Fernet"):
        load_config(env)
    env["DATA_KEY"] = Fernet.generate_key().decode()
    env["DATABASE_URL"] = "postgres://u@h/db"
    config = load_config(env)
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql://u@h/db"
    assert config["SESSION_COOKIE_SECURE"] is True


def test_unknown_app_env_is_an_error():
    with pytest.raises(ConfigError):
        load_config({"APP_ENV": "staging"})


def test_a_server_databases_pool_is_sized_and_sqlite_keeps_its_own():
    key = Fernet.generate_key().decode()
    server = load_config({"DATA_KEY": key, "SECRET_KEY": "s", "DATABASE_URL": "postgresql://u@h/db",
                          "DB_POOL_SIZE": "16"})
    assert server["SQLALCHEMY_ENGINE_OPTIONS"] == {
        "pool_size": 16, "connect_args": {"options": "-c idle_in_transaction_session_timeout=60000"}}
    never = load_config({"DATA_KEY": key, "SECRET_KEY": "s", "DATABASE_URL": "postgresql://u@h/db",
                         "DB_IDLE_IN_TRANSACTION_SECONDS": "0"})
    assert "connect_args" not in never["SQLALCHEMY_ENGINE_OPTIONS"]
    assert load_config({"DATA_KEY": key, "SECRET_KEY": "s", "DATABASE_URL": "postgresql://u@h/db"})[
        "SQLALCHEMY_ENGINE_OPTIONS"]["pool_size"] == 10
    assert load_config({"DATA_KEY": key, "SECRET_KEY": "s"})["SQLALCHEMY_ENGINE_OPTIONS"] == {}
    with pytest.raises(ConfigError, match="DB_POOL_SIZE"):
        load_config({"DATA_KEY": key, "SECRET_KEY": "s", "DATABASE_URL": "postgresql://u@h/db", "DB_POOL_SIZE": "0"})
