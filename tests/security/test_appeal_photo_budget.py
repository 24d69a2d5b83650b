"""Issue 39.5: an appeal photo is judged from its header before anything is decoded, and the SMS code
is checked before the photo is: a 10000×10000 PNG of a few hundred kilobytes used to cost a worker
600 MB and 2.6 s whatever the code."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from services.kernel.errors import Invalid
from services.people import appeals, mp_sessions
from tests.test_identity_appeals import _code, _form, _photo, appeal_world  # noqa: F401 - the fixture

API = "/api/mp/v1"


def _bomb() -> bytes:
    out = io.BytesIO()
    Image.new("1", (10000, 10000), 0).save(out, "PNG", optimize=True)  # 100 Mpx, a few hundred KB
    return out.getvalue()


@pytest.fixture
def decoded(monkeypatch):
    """Every image Pillow decodes (``load``) during the test."""
    seen: list[tuple[int, int]] = []
    real = Image.Image.load

    def spy(self):
        seen.append(self.size)
        return real(self)

    monkeypatch.setattr(Image.Image, "load", spy)
    return seen


def test_a_decompression_bomb_is_refused_from_its_header(app, session, appeal_world, decoded, caplog):  # noqa: F811
    _tree, _squatter, number, folder = appeal_world
    bomb = _bomb()
    decoded.clear()  # (drawing it was not the app's doing)
    assert len(bomb) < 5 * 1024 * 1024
    with pytest.raises(Invalid, match="像素过多"):
        appeals.clean_photo(bomb)
    auth = {"Authorization": "Bearer " + mp_sessions.create(session, openid="o_bomb", unionid=None)[0]}
    answer = app.test_client().post(f"{API}/identity-appeals", headers=auth, content_type="multipart/form-data",
                                    data=_form(number, _code(app, caplog, "13600000002"), bomb))
    assert answer.status_code == 400 and "像素过多" in answer.get_json()["message"]
    assert all(w * h <= appeals.MAX_PHOTO_PIXELS for w, h in decoded)
    assert not folder.exists() or not list(folder.iterdir())


def test_a_wrong_code_is_refused_before_the_photo_is_decoded(app, session, appeal_world, decoded):  # noqa: F811
    _tree, _squatter, number, _folder = appeal_world
    auth = {"Authorization": "Bearer " + mp_sessions.create(session, openid="o_wrong_code", unionid=None)[0]}
    photo = _photo(size=(4000, 3000))
    decoded.clear()
    answer = app.test_client().post(f"{API}/identity-appeals", headers=auth, content_type="multipart/form-data",
                                    data=_form(number, "000001", photo))
    assert answer.status_code == 400 and answer.get_json()["error"] in ("sms_code_expired", "sms_code_wrong")
    assert decoded == []
