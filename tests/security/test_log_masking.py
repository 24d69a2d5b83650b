"""Issue 19.5: the whole log record is masked, traceback included; production hides statement parameters."""
from __future__ import annotations

import io
import logging

import pytest
import sqlalchemy as sa

from app import create_app
from runtime.extensions import db
from runtime.privacy import MaskingFilter
from tests.security.production import production_env

PHONE, ID_NUMBER = "13912345678", "110101200502110021"


def _handler() -> tuple[logging.Handler, io.StringIO]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(MaskingFilter())
    return handler, out


def test_a_database_errors_traceback_is_masked(app, session):
    handler, out = _handler()
    logger = logging.getLogger("tests.security.masking")
    logger.addHandler(handler)
    try:
        try:
            session.execute(sa.text("SELECT * FROM no_such_table WHERE phone = :p AND id = :i"),
                            {"p": PHONE, "i": ID_NUMBER})
        except sa.exc.DBAPIError:
            logger.exception("registration failed for %s", PHONE)
        session.rollback()
    finally:
        logger.removeHandler(handler)
    text = out.getvalue()
    assert "Traceback" in text and "no_such_table" in text
    assert PHONE not in text and ID_NUMBER not in text
    assert "139****5678" in text and "110101********0021" in text


def test_production_hides_statement_parameters(tmp_path):
    app = create_app({**production_env(DATABASE_URL=f"sqlite:///{tmp_path}/p.db"), "TESTING": True})
    with app.app_context():
        with pytest.raises(sa.exc.DBAPIError) as caught:
            db.session.execute(sa.text("SELECT * FROM no_such_table WHERE phone = :p"), {"p": "secret-value"})
        assert "secret-value" not in str(caught.value) and "hidden" in str(caught.value)
        db.session.rollback()
        db.engine.dispose()
