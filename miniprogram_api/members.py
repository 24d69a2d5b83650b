"""Registration with a phone code, and my profile (clear to the owner only)."""
from __future__ import annotations

from flask import g, jsonify, request

from extensions import db, limiter
from miniprogram_api import bp
from miniprogram_api.auth import bearer_token, current_member_id, login_required, member_required
from miniprogram_api.openapi import documented
from miniprogram_api.schemas import RegisterIn, SmsCodeIn
from services import members, mp_sessions, sms
from services.errors import Conflict


@bp.post("/sms/code")
@documented("发送注册验证码", body=SmsCodeIn)
@limiter.limit("20 per hour")
@login_required
def send_sms_code():
    body = SmsCodeIn.model_validate_json(request.get_data() or b"{}")
    wait = sms.send_code(body.phone, body.purpose)
    return jsonify({"sent": True, "resend_after": wait})


@bp.post("/register")
@documented("实名注册", body=RegisterIn, success=201)
@limiter.limit("10 per hour")
@login_required
def register():
    if g.mp_session.member_id is not None:
        raise Conflict("already_registered", "该微信已注册，无需重复注册")
    body = RegisterIn.model_validate_json(request.get_data() or b"{}")
    sms.check_code(body.phone, body.sms_code, "register")
    form = members.Registration(**body.model_dump(exclude={"sms_code"}))
    member = members.register_member(db.session, form)
    sms.consume_code(body.phone, "register")
    members.attach_unionid(db.session, member.id, g.mp_session.unionid)
    mp_sessions.attach_member(bearer_token(), member.id)
    return jsonify({"registered": True, "profile": members.profile(member, viewer_is_owner=True)}), 201


@bp.get("/me")
@documented("我的资料（本人可见完整信息）")
@member_required
def me():
    return jsonify(members.profile(members.get_member(db.session, current_member_id()), viewer_is_owner=True))
