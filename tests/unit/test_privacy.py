import logging

import pytest
from cryptography.fernet import Fernet
from flask import Flask

from runtime.privacy import DataProtector, MaskingFilter, ProtectedDataError, mask_id_number, mask_phone, mask_text


def _app(key: str) -> Flask:
    app = Flask(__name__)
    app.config["DATA_KEY"] = key
    DataProtector().init_app(app)
    return app


def test_masks_as_design_shows():
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_text("身份证11010519491231002X 手机13812345678，订单号 123456789012345678901") == (
        "身份证110105********002X 手机138****5678，订单号 123456789012345678901")


def test_logging_filter_masks_arguments(caplog):
    logger = logging.getLogger("test.privacy")
    logger.addFilter(MaskingFilter())
    with caplog.at_level(logging.INFO, logger="test.privacy"):
        logger.info("registered %s with %s", "11010519491231002X", "13812345678")
    assert "11010519491231002X" not in caplog.text and "13812345678" not in caplog.text
    assert "110105********002X" in caplog.text and "138****5678" in caplog.text


def test_encrypts_and_hashes_with_the_data_key():
    key = Fernet.generate_key().decode()
    protector = DataProtector()
    with _app(key).app_context():
        token = protector.encrypt("13812345678")
        assert "13812345678" not in token
        assert protector.decrypt(token) == "13812345678"
        assert protector.lookup_hash("phone", "13812345678") == protector.lookup_hash("phone", " 13812345678 ")
        assert protector.lookup_hash("phone", "13812345678") != protector.lookup_hash("id", "13812345678")
        digest = protector.lookup_hash("id", "11010519491231002x")
    with _app(Fernet.generate_key().decode()).app_context():
        assert protector.lookup_hash("id", "11010519491231002X") != digest
        with pytest.raises(ProtectedDataError):
            protector.decrypt(token)
