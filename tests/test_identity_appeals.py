"""身份认证 (issues 21.2 and 39.1): an appeal with an ID photo through the API and the phone page; the
photo checked, stripped of EXIF and stored encrypted; a review queue for the city and district
committees showing the claimed number and the holder (each look recorded); accepting needs both
matches confirmed, a second reviewer where the names differ, and a waiting period the holder is told
of; then the periodic job hands the account over and ends the previous holder's logins; the appellant
sees the outcome."""
from __future__ import annotations

import datetime as dt
import io
import logging
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from jobs import periodic
from models import AuditEntry, IdentityAppeal, utcnow
from runtime.extensions import protector
from services.kernel.errors import Invalid
from services.people import appeal_review, appeals, members, mp_sessions, wechat_users
from tests.factories import make_account, make_member, make_tree
from tests.web import console_login, csrf_token, mobile_login

API = "/api/mp/v1"


def _photo(kind: str = "JPEG", *, with_exif: bool = True, size=(64, 40)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    if kind == "JPEG" and with_exif:
        exif = Image.Exif()
        exif[0x010F] = "SecretCamera"  # Make
        exif[0x0132] = "2026:11:29 09:00:00"  # DateTime
        image.save(out, "JPEG", exif=exif.tobytes())
    else:
        image.save(out, kind)
    return out.getvalue()


@pytest.fixture
def appeal_world(app, session, monkeypatch, tmp_path, caplog):
    monkeypatch.setitem(app.config, "APPEAL_PHOTO_DIR", str(tmp_path / "appeals"))
    monkeypatch.setitem(app.config, "REDIS_URL", None)  # notices run inline
    caplog.set_level(logging.INFO, logger="runtime.smsgateway")
    tree = make_tree(session)
    for org, name in ((tree.city, "beijing"), (tree.district, "dongcheng"), (tree.street, "donghuamen")):
        make_account(session, org, name)
    squatter = make_member(session, branch=tree.branch2, name="冒用者")
    wechat_users.bind(session, squatter.id, "o_squatter")
    number = protector.decrypt(squatter.id_number_enc)
    return tree, squatter, number, tmp_path / "appeals"


def _code(app, caplog, phone: str) -> str:
    from services.people import sms

    app.extensions["store"].flush()  # no 60 s wait between the test's codes
    sms.send_code(phone, "register")  # the code goes to the development log
    return re.search(r"注册验证码 (\d{6})", [r.getMessage() for r in caplog.records if r.name == "runtime.smsgateway"][-1]).group(1)


def _form(number: str, code: str, photo: bytes, **overrides) -> dict:
    data = {"name": "李娜", "id_number": number, "phone": "13600000002", "sms_code": code, "password": "real1234",
            "photo": (io.BytesIO(photo), "id.jpg")}
    data.update(overrides)
    return data


def test_an_appeal_through_the_api_is_checked_stripped_and_encrypted(app, session, appeal_world, caplog):
    tree, squatter, number, folder = appeal_world
    token, _ = mp_sessions.create(session, openid="o_real_owner", unionid=None)
    auth = {"Authorization": "Bearer " + token}
    client = app.test_client()
    code = _code(app, caplog, "13600000002")
    not_image = client.post(f"{API}/identity-appeals", headers=auth, content_type="multipart/form-data",
                            data=_form(number, code, b"%PDF-1.4 not a photo"))
    assert not_image.status_code == 400 and not_image.get_json()["message"] == "照片须为 JPG 或 PNG 格式"
    with pytest.raises(Invalid, match="照片不能超过5MB"):  # (the test client spools a body that size to a file)
        appeals.clean_photo(b"\xff" * (5 * 1024 * 1024 + 1))
    sent = client.post(f"{API}/identity-appeals", headers=auth, content_type="multipart/form-data",
                       data=_form(number, code, _photo()))
    assert sent.status_code == 201 and sent.get_json()["status"] == "pending"
    stored = list(folder.iterdir())
    assert len(stored) == 1 and b"\xff\xd8" not in stored[0].read_bytes()[:4]  # not a JPEG on disk
    clear = protector.decrypt_bytes(stored[0].read_bytes())
    assert clear.startswith(b"\xff\xd8") and b"SecretCamera" not in clear and not Image.open(io.BytesIO(clear)).getexif()
    mine = client.get(f"{API}/identity-appeals/mine", headers=auth).get_json()
    assert mine["status_label"] == "待审核"
    again = client.post(f"{API}/identity-appeals", headers=auth, content_type="multipart/form-data",
                        data=_form(number, _code(app, caplog, "13600000002"), _photo()))
    assert again.status_code == 409


def test_review_queue_photo_access_and_decisions(app, session, sandbox, appeal_world, caplog, monkeypatch):
    tree, squatter, number, folder = appeal_world
    squatter_phone = app.test_client()
    mobile_login(squatter_phone, "o_squatter", "/m/profile")
    appellant = app.test_client()
    mobile_login(appellant, "o_real_owner", "/m/appeal")
    page = appellant.get("/m/appeal")
    assert "上传本人身份证人像面照片" in page.get_data(as_text=True)
    code = _code(app, caplog, "13600000002")
    sent = appellant.post("/m/appeal", content_type="multipart/form-data",
                          data={**_form(number, code, _photo("PNG")), "csrf_token": csrf_token(page)})
    assert sent.status_code == 200 and "待审核" in sent.get_data(as_text=True)
    appeal = session.scalar(sa.select(IdentityAppeal))

    street = console_login(app, "donghuamen")
    assert street.get("/console/appeals").status_code == 403
    assert street.get(f"/console/appeals/{appeal.id}/photo").status_code == 403
    district = console_login(app, "dongcheng")  # the ID is held in its sub-tree (东城区机关团支部)
    queue = district.get("/console/appeals")
    assert queue.status_code == 200 and "李娜" in queue.get_data(as_text=True) and "136****0002" in queue.get_data(as_text=True)
    photo = district.get(f"/console/appeals/{appeal.id}/photo")
    assert photo.status_code == 200 and photo.mimetype == "image/png" and "no-store" in photo.headers["Cache-Control"]
    looked = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "identity_appeal.photo_viewed"))
    assert looked.actor_id == tree.district.id and looked.target_id == appeal.id
    no_reason = district.post(f"/console/appeals/{appeal.id}/reject", data={"csrf_token": csrf_token(queue)})
    assert "驳回时请填写原因" in district.get(no_reason.headers["Location"]).get_data(as_text=True)
    queue = district.get("/console/appeals").get_data(as_text=True)
    assert number in queue and "冒用者" in queue and "不一致" in queue  # the claimed number and who holds it now
    unconfirmed = district.post(f"/console/appeals/{appeal.id}/accept", data={"csrf_token": csrf_token(district.get("/console/appeals"))})
    assert "请核对照片上的身份证号" in district.get(unconfirmed.headers["Location"]).get_data(as_text=True)
    confirm = {"number_matches": "1", "name_matches": "1"}
    first = district.post(f"/console/appeals/{appeal.id}/accept",
                          data={**confirm, "csrf_token": csrf_token(district.get("/console/appeals"))})
    assert "需另一位审核人复核" in district.get(first.headers["Location"]).get_data(as_text=True)
    city = console_login(app, "beijing")
    accepted = city.post(f"/console/appeals/{appeal.id}/accept",
                         data={**confirm, "csrf_token": csrf_token(city.get("/console/appeals"))})
    assert "3天内无异议即移交" in city.get(accepted.headers["Location"]).get_data(as_text=True)
    session.expire_all()
    assert members.find_by_phone(session, "13600000002") is None  # nothing handed over yet
    told = {touser: body["text"]["content"] for path, touser, body in sandbox.sent}
    assert "提出异议" in told["o_squatter"] and "/m/appeal/objection" in told["o_squatter"]
    assert "3天等待期" in told["o_real_owner"]

    appeal_review.hand_over_due(session, now=utcnow() + dt.timedelta(days=2))
    assert members.find_by_phone(session, "13600000002") is None  # still inside the waiting period
    monkeypatch.setattr(appeal_review, "utcnow", lambda: utcnow() + dt.timedelta(days=3, minutes=1))
    assert periodic.hand_over_appeals() == 1
    session.expire_all()
    owner = members.find_by_phone(session, "13600000002")
    assert owner.id == squatter.id and owner.name == "李娜" and owner.openid == "o_real_owner"
    assert members.authenticate(session, "13600000002", "real1234").id == owner.id
    assert squatter_phone.get("/m/profile").status_code == 302  # the previous holder is logged out
    told = {touser: body["text"]["content"] for path, touser, body in sandbox.sent}
    assert "已转到你的名下" in told["o_real_owner"] and "已归还给身份证本人" in told["o_squatter"]
    done = appellant.get("/m/appeal").get_data(as_text=True)
    assert "身份认证已通过" in done and "weui-icon-success" in done and ">登录使用<" in done  # a result, one way on


def test_retention_deletes_decided_photos(app, session, appeal_world, caplog):
    import datetime as dt

    tree, squatter, number, folder = appeal_world
    appeal = appeals.submit(session, name="李娜", id_number=number, phone="13600000002",
                            sms_code=_code(app, caplog, "13600000002"), password="real1234", photo=_photo())
    appeal_review.decide(session, tree.city.id, appeal.id, accept=False, reason="照片不清晰")
    assert appeals.delete_decided_photos(session, older_than_days=30) == 0
    appeal.decided_at = appeal.decided_at - dt.timedelta(days=31)
    session.commit()
    assert appeals.delete_decided_photos(session, older_than_days=30) == 1
    assert list(Path(folder).iterdir()) == [] and session.get(IdentityAppeal, appeal.id).photo_path is None
