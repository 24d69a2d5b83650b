"""个人信息保护 in the API: the notice, agreeing to a new version, and the person's rights (export,
correction, closing the account after an SMS code, objecting to an identity appeal's handover)."""
from __future__ import annotations

from flask import jsonify, request

from miniprogram_api import bp
from miniprogram_api.auth import current_member_id, member_required
from miniprogram_api.openapi import documented
from miniprogram_api.responses import ClosedOut, ExportOut, Out, PrivacyOut, ProfileOut, SmsSentOut
from runtime.extensions import db
from services.people import appeal_review, consent, members, my_data
from web.bodies import CloseIn, ConsentIn, CorrectIn, ObjectionIn


@bp.get("/privacy")
@documented("《个人信息保护说明》（当前版本；注册时须同意）", response=PrivacyOut, public=True)
def privacy_notice():
    return jsonify(consent.notice_answer())


@bp.post("/me/consent")
@documented("同意新版《个人信息保护说明》（两项均须为 true）", body=ConsentIn, response=PrivacyOut)
@member_required(consent_needed=False)
def agree():
    body = ConsentIn.model_validate_json(request.get_data() or b"{}")
    member = members.get_member(db.session, current_member_id())
    consent.accept(db.session, member, notice=body.consent_notice, sensitive=body.consent_sensitive)
    return jsonify(consent.notice_answer(member))


@bp.get("/me/export")
@documented("下载我的全部数据（JSON）", response=ExportOut)
@member_required(consent_needed=False)
def export_my_data():
    return jsonify(my_data.export(db.session, current_member_id()))


@bp.patch("/me")
@documented("更正本人信息（民族、学历、学号）", body=CorrectIn, response=ProfileOut)
@member_required(consent_needed=False)
def correct_me():
    body = CorrectIn.model_validate_json(request.get_data() or b"{}")
    member = my_data.correct(db.session, current_member_id(), body.model_dump(exclude_unset=True))
    return jsonify(members.profile(member, viewer_is_owner=True))


@bp.post("/me/close/code")
@documented("注销账号：向本人手机发送验证码", response=SmsSentOut)
@member_required(consent_needed=False)
def close_code():
    return jsonify({"sent": True, "resend_after": my_data.send_close_code(db.session, current_member_id())})


@bp.delete("/me")
@documented("注销账号（需短信验证码）：个人信息删除或匿名化，已认证的服务记录匿名保留在统计中", body=CloseIn,
            response=ClosedOut)
@member_required(consent_needed=False)
def close_me():
    body = CloseIn.model_validate_json(request.get_data() or b"{}")
    my_data.close(db.session, current_member_id(), body.code)
    return jsonify({"closed": True})


class ObjectionOut(Out):
    handover_at: str | None  # an accepted identity appeal would hand this account over then
    objected: bool


@bp.get("/me/identity-objection")
@documented("我的账号是否有待移交的身份认证申请（审核通过后3天内可提出异议）", response=ObjectionOut)
@member_required(consent_needed=False)
def pending_handover():
    appeal = appeal_review.awaiting_objection(db.session, current_member_id())
    return jsonify({"handover_at": appeal.handover_at.isoformat() if appeal else None, "objected": False})


@bp.post("/me/identity-objection")
@documented("对身份认证移交提出异议：这是我本人的身份证号（移交暂停，审核人员重新核实）", body=ObjectionIn,
            response=ObjectionOut)
@member_required(consent_needed=False)
def object_to_handover():
    body = ObjectionIn.model_validate_json(request.get_data() or b"{}")
    appeal_review.object_to(db.session, current_member_id(), body.note)
    return jsonify({"handover_at": None, "objected": True})
