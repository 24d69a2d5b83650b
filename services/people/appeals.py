"""身份认证 (identity appeals): someone whose resident ID number is already registered by another
account uploads their ID photo; a reviewer at the city or district committee looks at it and decides
(seed: 使用"身份认证"功能，上传本人身份证照片，待系统管理员审核).

The photo is the most sensitive thing the system holds: checked to be a JPEG or PNG of at most 5 MB,
re-encoded without its EXIF (no camera, place or time leaves with it), stored encrypted with DATA_KEY
outside the database, served only to reviewers (each look recorded), and deleted after the decision by
the retention job. How a review hands the account holding the ID number to the appellant, safely, is
services/people/appeal_review.py.
"""
from __future__ import annotations

import datetime as dt
import io
import logging
import secrets
import warnings
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy.orm import Session

from models import ApplicationStatus, IdentityAppeal, Member, utcnow
from runtime.extensions import protector
from services.kernel.errors import Conflict, Invalid
from services.kernel.passwords import hash_password
from services.kernel.uow import audit, unit_of_work
from services.people import signup, sms
from services.people.idcard import IdNumberError, parse_id_number
from services.people.members import normalise_phone

logger = logging.getLogger(__name__)

MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTO_PIXELS = 25_000_000  # a phone camera's 24 Mpx photo passes; 10000×10000 does not
TOO_MANY_PIXELS = "照片像素过多（不超过2500万像素），请缩小后重新上传"
STATUS_LABELS = {ApplicationStatus.pending: "待审核", ApplicationStatus.accepted: "已通过",
                 ApplicationStatus.rejected: "未通过"}


def _photo_kind(data: bytes) -> str:
    """Size, format and pixel count from the file's header, before anything is decoded: a few hundred
    kilobytes of PNG can unpack into gigabytes (a decompression bomb)."""
    if not data:
        raise Invalid("photo", "请上传身份证照片")
    if len(data) > MAX_PHOTO_BYTES:
        raise Invalid("photo_too_large", "照片不能超过5MB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:  # reads the header only
                kind, (width, height) = image.format, image.size
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise Invalid("photo_too_large", TOO_MANY_PIXELS) from exc
    except (UnidentifiedImageError, OSError) as exc:
        raise Invalid("photo_type", "照片须为 JPG 或 PNG 格式") from exc
    if kind not in ("JPEG", "PNG"):
        raise Invalid("photo_type", "照片须为 JPG 或 PNG 格式")
    if width * height > MAX_PHOTO_PIXELS:
        raise Invalid("photo_too_large", TOO_MANY_PIXELS)
    return kind


def clean_photo(data: bytes) -> tuple[bytes, str]:
    """The photo re-encoded without metadata, and its format; a clear refusal for anything else."""
    kind = _photo_kind(data)
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise Invalid("photo_type", "照片须为 JPG 或 PNG 格式") from exc
    image = ImageOps.exif_transpose(image)  # keep it upright, then drop every tag
    if kind == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, format=kind, **({"quality": 90} if kind == "JPEG" else {}))
    return out.getvalue(), kind


def folder() -> Path:
    folder = Path(current_app.config["APPEAL_PHOTO_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _store(photo: bytes) -> str:
    name = secrets.token_hex(16) + ".bin"
    (folder() / name).write_bytes(protector.encrypt_bytes(photo))
    return name


def submit(session: Session, *, name: str, id_number: str, phone: str, sms_code: str, password: str,
           photo: bytes, openid: str | None = None, asker: signup.Asker | None = None) -> IdentityAppeal:
    """The form and the photo's header are checked first, then the code is spent, then the photo is
    decoded and the database asked: whether the ID number is registered is an answer (signup.py says
    why it is counted and capped per day)."""
    try:
        info = parse_id_number(id_number)
    except IdNumberError as exc:
        raise Invalid("id_number", str(exc)) from exc
    phone = normalise_phone(phone)
    secret = hash_password(password)
    _photo_kind(photo)
    asker = asker or signup.Asker(login=openid)
    signup.guard_id_probes(phone, asker)
    sms.take_code(phone, sms_code, "register")
    clean, _kind = clean_photo(photo)
    id_hash = protector.lookup_hash("id", info.number)
    signup.count_id_probe(phone, asker, "appeal")
    with unit_of_work(session):
        holder = session.scalar(sa.select(Member).where(Member.id_number_hash == id_hash))
        if holder is None:
            raise Invalid("id_not_taken", "该身份证号尚未注册，请直接注册")
        if session.scalar(sa.select(IdentityAppeal.id).where(IdentityAppeal.id_number_hash == id_hash,
                                                             IdentityAppeal.status == ApplicationStatus.pending)):
            raise Conflict("appeal_pending", "该身份证号已有待审核的身份认证申请")
        appellant = (name or "").strip()[:30]
        appeal = IdentityAppeal(id_number_hash=id_hash, name=appellant, openid=openid,
                                claimed_id_enc=protector.encrypt(info.number), name_differs=holder.name != appellant,
                                phone_enc=protector.encrypt(phone), phone_hash=protector.lookup_hash("phone", phone),
                                password_hash=secret, photo_path=_store(clean))
        session.add(appeal)
        session.flush()
        audit(session, ("appellant", None), "identity_appeal.submit", ("identity_appeal", appeal.id))
    return appeal


def appellant_phone(appeal: IdentityAppeal) -> str:
    return protector.decrypt(appeal.phone_enc)


def latest_for(session: Session, openid: str) -> IdentityAppeal | None:
    return session.scalar(sa.select(IdentityAppeal).where(IdentityAppeal.openid == openid)
                          .order_by(IdentityAppeal.id.desc()).limit(1))


def appellant_notice(appeal: IdentityAppeal) -> str:
    if appeal.status == ApplicationStatus.pending and appeal.handover_at is not None:
        return ("你的身份认证申请已审核通过。为保护账号现持有人的权益，账号将在3天等待期后移交到你的名下；"
                "如现持有人提出异议，审核人会再次核实。")
    if appeal.status == ApplicationStatus.accepted:
        return "你的身份认证申请已通过，该身份证号的账号已转到你的名下，请用申请时的手机号和密码登录。"
    return f"你的身份认证申请未通过：{appeal.decision_note}。如有疑问请联系所在团组织。"


PREVIOUS_HOLDER_NOTICE = ("你使用的“青春北京”账号经身份认证审核，已归还给身份证本人，你在本设备上的登录已退出。"
                          "如有异议请联系所在团组织。")


def delete_decided_photos(session: Session, *, older_than_days: int) -> int:
    """Retention: a decided appeal's photo is deleted a fixed time after the decision."""
    cutoff = utcnow() - dt.timedelta(days=older_than_days)
    rows = session.scalars(sa.select(IdentityAppeal).where(
        IdentityAppeal.status != ApplicationStatus.pending, IdentityAppeal.decided_at < cutoff,
        IdentityAppeal.photo_path.is_not(None))).all()
    with unit_of_work(session):
        for appeal in rows:
            forget_photo(appeal)
    return len(rows)


def forget_photo(appeal: IdentityAppeal) -> None:
    """The encrypted file goes; the caller's transaction records that it went."""
    if appeal.photo_path:
        (folder() / appeal.photo_path).unlink(missing_ok=True)
        appeal.photo_path = None
