"""A team's things beyond its roster (as services/people/profile_extras.py holds a member's): the WeChat
group QR its poster prints, and the team's own 志愿北京 account, whose password is kept encrypted and
never shown again."""
from __future__ import annotations

import io
import re

import sqlalchemy as sa
from PIL import Image, UnidentifiedImageError
from sqlalchemy.orm import Session

from models import Member, Team
from services.kernel.errors import Invalid, NotFound
from services.kernel.uow import audit, unit_of_work
from services.organisations.teams import get_team, get_team_by_code, is_team_member

GROUP_QR_MAX_BYTES = 4 * 1024 * 1024
GROUP_QR_SIDE = 600


def set_group_qr(session: Session, team_id: int, data: bytes | None, *, actor: tuple[str, int | None]) -> Team:
    """Store the team's WeChat group QR (None removes it). Any photo or screenshot is accepted as long
    as it is a real image; it is shrunk to a grayscale PNG, which is what the poster prints."""
    png = None
    if data is not None:
        if len(data) > GROUP_QR_MAX_BYTES:
            raise Invalid("image_too_large", "图片不能超过4MB")
        try:
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in ("PNG", "JPEG", "GIF", "WEBP", "BMP"):
                    raise Invalid("image_format", "请上传PNG或JPG格式的图片")
                if min(image.size) < 100:
                    raise Invalid("image_small", "图片太小，请上传清晰的微信群二维码")
                image = image.convert("L")
                image.thumbnail((GROUP_QR_SIDE, GROUP_QR_SIDE))
                buffer = io.BytesIO()
                image.save(buffer, format="PNG", optimize=True)
                png = buffer.getvalue()
        except (UnidentifiedImageError, OSError, ValueError) as exc:
            raise Invalid("image_invalid", "无法识别该图片，请上传PNG或JPG格式的微信群二维码") from exc
    with unit_of_work(session):
        team = get_team(session, team_id)
        team.group_qr_png = png
        audit(session, actor, "team.group_qr", ("team", team.id), removed=png is None)
        return team


def group_qr_for(session: Session, code: str, member: Member) -> bytes:
    """The group QR shown to the team's own members after they join (长按识别 in WeChat): the group is
    for the team, so nobody else is given the image."""
    team = get_team_by_code(session, code)
    if not is_team_member(session, team, member) or team.group_qr_png is None:
        raise NotFound("group_qr_not_found", "该服务队没有可显示的微信群二维码")
    return team.group_qr_png


def has_group_qr(session: Session, team_id: int) -> bool:
    """Whether a group QR is stored, without loading the image (the column is deferred)."""
    return session.scalar(sa.select(Team.group_qr_png.is_not(None)).where(Team.id == team_id)) or False


_ZYB_TEAM_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


def bind_zyb(session: Session, team_id: int, zyb_team_id: str | None, username: str | None,
             password: str | None, *, actor: tuple[str, int | None]) -> Team:
    """Bind the team to its 志愿北京 account (team ID + username + password), or unbind with all empty.
    The password is stored encrypted and never shown again; an empty password keeps the stored one."""
    from runtime.extensions import protector

    zyb_team_id, username = (zyb_team_id or "").strip(), (username or "").strip()
    with unit_of_work(session):
        team = get_team(session, team_id)
        if not zyb_team_id and not username and not password:
            team.zyb_team_id = team.zyb_username = team.zyb_password_enc = None
            audit(session, actor, "team.zyb_unbind", ("team", team.id))
            return team
        if not _ZYB_TEAM_ID.match(zyb_team_id):
            raise Invalid("zyb_team_id", "请填写志愿北京的志愿团队ID（字母或数字）")
        if not 1 <= len(username) <= 60:
            raise Invalid("zyb_username", "请填写志愿北京的团队账号")
        if not password and team.zyb_password_enc is None:
            raise Invalid("zyb_password", "请填写志愿北京的团队密码")
        if password and len(password) > 64:
            raise Invalid("zyb_password", "密码过长")
        team.zyb_team_id, team.zyb_username = zyb_team_id, username
        if password:
            team.zyb_password_enc = protector.encrypt(password)
        audit(session, actor, "team.zyb_bind", ("team", team.id), zyb_team_id=zyb_team_id,
              password_changed=bool(password))
        return team
