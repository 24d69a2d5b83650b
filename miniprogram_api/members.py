"""Registration with a phone code, my profile (clear to the owner only), registering as a volunteer,
and joining or transferring between branches (团支部)."""
from __future__ import annotations

from flask import g, jsonify, request

from miniprogram_api import bp
from miniprogram_api.auth import bearer_token, current_member_id, login_required, member_required
from miniprogram_api.openapi import documented
from miniprogram_api.responses import (
    AppealOut,
    BranchesOut,
    CertificateOut,
    MyBranchOut,
    PasswordResetOut,
    PlacesOut,
    ProfileOut,
    RegisteredOut,
    RemindersOut,
    ResidenceOut,
    SkillChoicesOut,
    SkillsOut,
    SmsSentOut,
    VolunteerOut,
    ZybOut,
)
from runtime.extensions import db
from services.kernel.errors import Conflict, Invalid, NotFound
from services.organisations import orgs
from services.people import (
    appeal_review,
    appeals,
    branches,
    member_import,
    members,
    mp_sessions,
    profile_extras,
    recovery,
    residence,
    signup,
    sms,
)
from services.push import reminders
from services.volunteering import certificates, hours
from web.answers import pdf_response
from web.bodies import (
    AppealForm,
    BranchIn,
    CertificateIn,
    ClaimIn,
    RegisterIn,
    RemindersIn,
    ResetCodeIn,
    ResetIn,
    ResidenceIn,
    SkillsIn,
    SmsCodeIn,
    ZybIn,
)
from web.guards import limiter
from web.requestargs import read_upload


@bp.post("/sms/code")
@documented("发送注册验证码", body=SmsCodeIn, response=SmsSentOut)
@limiter.limit("20 per hour")
@login_required
def send_sms_code():
    body = SmsCodeIn.model_validate_json(request.get_data() or b"{}")
    wait = sms.send_code(body.phone, body.purpose)
    return jsonify({"sent": True, "resend_after": wait})


@bp.post("/password/reset/code")
@documented("忘记密码：向注册手机号发送验证码（未注册的手机号不会收到短信，答复相同）", body=ResetCodeIn,
            public=True, response=SmsSentOut)
@limiter.limit("20 per hour")
def send_reset_code():
    body = ResetCodeIn.model_validate_json(request.get_data() or b"{}")
    return jsonify({"sent": True, "resend_after": recovery.send_reset_code(db.session, body.phone)})


@bp.post("/password/reset")
@documented("用短信验证码重置密码；该账号的所有登录随之失效", body=ResetIn, public=True, response=PasswordResetOut)
@limiter.limit("10 per hour")
def reset_password():
    body = ResetIn.model_validate_json(request.get_data() or b"{}")
    recovery.reset_password(db.session, body.phone, body.code, body.password)
    return jsonify({"reset": True})


def appeal_answer(appeal) -> dict:
    return {"id": appeal.id, "status": appeal.status.value, "status_label": appeals.STATUS_LABELS[appeal.status],
            "stage": appeal_review.stage_of(appeal),
            "handover_at": appeal.handover_at.isoformat() if appeal.handover_at else None,
            "decision_note": appeal.decision_note, "created_at": appeal.created_at.isoformat()}


@bp.post("/identity-appeals")
@documented("身份认证：身份证号已被注册时，上传本人身份证照片申请审核", form=AppealForm, success=201,
            response=AppealOut)
@limiter.limit("5 per hour")
@login_required
def submit_appeal():
    form = request.form
    appeal = appeals.submit(db.session, name=form.get("name", ""), id_number=form.get("id_number", ""),
                            phone=form.get("phone", ""), sms_code=form.get("sms_code", ""),
                            password=form.get("password", ""), photo=read_upload(request.files, "photo"),
                            openid=g.mp_session.openid,
                            asker=signup.Asker(login=g.mp_session.unionid or g.mp_session.openid,
                                               address=request.remote_addr))
    return jsonify(appeal_answer(appeal)), 201


@bp.get("/identity-appeals/mine")
@documented("我的身份认证申请及审核结果", response=AppealOut)
@login_required
def my_appeal():
    appeal = appeals.latest_for(db.session, g.mp_session.openid)
    if appeal is None:
        raise NotFound("appeal_not_found", "你还没有提交身份认证申请")
    return jsonify(appeal_answer(appeal))


@bp.post("/register")
@documented("实名注册", body=RegisterIn, success=201, response=RegisteredOut)
@limiter.limit("10 per hour")
@login_required
def register():
    if g.mp_session.member_id is not None:
        raise Conflict("already_registered", "该微信已注册，无需重复注册")
    body = RegisterIn.model_validate_json(request.get_data() or b"{}")
    asker = signup.Asker(login=g.mp_session.unionid or g.mp_session.openid, address=request.remote_addr)
    member, _ = signup.register_with_code(db.session, members.Registration(**body.model_dump(exclude={"sms_code"})),
                                          body.sms_code, unionid=g.mp_session.unionid, asker=asker)
    mp_sessions.attach_member(db.session, bearer_token(), member.id)
    return jsonify({"registered": True, "profile": members.profile(member, viewer_is_owner=True)}), 201


@bp.post("/claim/code")
@documented("认领账号：向团支部登记的手机号发送验证码（没有待认领账号的手机号不会收到短信，答复相同）",
            body=ResetCodeIn, response=SmsSentOut)
@limiter.limit("10 per hour")
@login_required
def send_claim_code():
    body = ResetCodeIn.model_validate_json(request.get_data() or b"{}")
    waiting = member_import.unclaimed(db.session, body.phone) is not None
    return jsonify({"sent": True, "resend_after": sms.send_code(body.phone, "claim", deliver=waiting)})


@bp.post("/claim")
@documented("认领团支部已登记的账号（注册时答复 409 preregistered 的人）：设置密码，补充民族、学历",
            body=ClaimIn, success=201, response=RegisteredOut)
@limiter.limit("10 per hour")
@login_required
def claim():
    if g.mp_session.member_id is not None:
        raise Conflict("already_registered", "该微信已注册，无需认领")
    body = ClaimIn.model_validate_json(request.get_data() or b"{}")
    member = member_import.claim(db.session, **body.model_dump(), openid=None, unionid=g.mp_session.unionid)
    mp_sessions.attach_member(db.session, bearer_token(), member.id)
    return jsonify({"registered": True, "profile": members.profile(member, viewer_is_owner=True)}), 201


@bp.get("/me")
@documented("我的资料（本人可见完整信息）", response=ProfileOut)
@member_required
def me():
    return jsonify(members.profile(members.get_member(db.session, current_member_id()), viewer_is_owner=True))


@bp.post("/me/volunteer")
@documented("注册成为志愿者（年满14周岁；重复提交不变）", response=VolunteerOut)
@member_required
def register_volunteer():
    member = members.register_volunteer(db.session, current_member_id())
    return jsonify({"is_volunteer": member.is_volunteer, "registered_at":
                    member.volunteer_registered_at.isoformat() if member.volunteer_registered_at else None})


def _branch_answer(org) -> dict:
    return {"id": org.id, "name": org.name, "path": orgs.path_label(db.session, org)}


@bp.get("/branches")
@documented("搜索团支部（按支部或上级组织名称）", response=BranchesOut,
            query={"q": {"required": True, "schema": {"type": "string", "minLength": 1, "maxLength": 30}}})
@login_required
def search_branches():
    q = (request.args.get("q") or "").strip()
    if not 1 <= len(q) <= 30:
        raise Invalid("q", "请输入1至30个字的团支部或上级组织名称")
    return jsonify({"branches": [_branch_answer(b) for b in orgs.search_branches(db.session, q)]})


def _my_branch() -> dict:
    member = members.get_member(db.session, current_member_id())
    application = branches.pending_application(db.session, member.id)
    return {"branch": _branch_answer(member.branch) if member.branch else None,
            "application": None if application is None else {
                "id": application.id, "branch": _branch_answer(application.branch),
                "kind": "transfer" if application.from_branch_id else "join",
                "status": application.status.value, "created_at": application.created_at.isoformat()},
            "leaving": member.leaving_to if member.leaving_at else None}


@bp.get("/me/branch")
@documented("我的团支部与待审核的申请", response=MyBranchOut)
@member_required
def my_branch():
    return jsonify(_my_branch())


@bp.post("/me/branch")
@documented("申请加入或转入团支部（由该支部审核）", body=BranchIn, success=201, response=MyBranchOut)
@member_required
def apply_branch():
    body = BranchIn.model_validate_json(request.get_data() or b"{}")
    before = branches.pending_application(db.session, current_member_id())
    branches.apply(db.session, current_member_id(), body.branch_id)
    return jsonify(_my_branch()), 200 if before is not None else 201


@bp.post("/me/branch/withdraw")
@documented("撤回待审核的组织申请", response=MyBranchOut)
@member_required
def withdraw_branch():
    branches.withdraw(db.session, current_member_id())
    return jsonify(_my_branch())


def certificate_answer(certificate) -> dict:
    return {"code": certificate.code, "verify_url": certificates.verify_url(certificate),
            "pdf_url": f"/api/mp/v1/me/certificates/{certificate.code}/pdf",
            "hours": hours.hours_of(certificate.total_minutes), "records": certificate.record_count}


@bp.post("/me/certificates")
@documented("开具志愿服务证明（某时间段已认证的服务）", body=CertificateIn, success=201, response=CertificateOut)
@member_required
def issue_certificate():
    body = CertificateIn.model_validate_json(request.get_data() or b"{}")
    return jsonify(certificate_answer(certificates.issue(db.session, current_member_id(), body.start, body.end))), 201


@bp.get("/me/certificates/<code>/pdf")
@documented("下载志愿服务证明 PDF", media="application/pdf")
@member_required
def certificate_pdf(code: str):
    certificate = certificates.owned(db.session, code, current_member_id())
    return pdf_response(db.session, certificate)


@bp.get("/skills")
@documented("个人特长选项", response=SkillChoicesOut, public=True)
def skill_choices():
    return jsonify({"skills": profile_extras.SKILLS})


def _skills_answer(member) -> dict:
    return {"skills": list(member.skills or []), "note": member.skills_note, "text": profile_extras.skills_text(member)}


@bp.put("/me/skills")
@documented("填写个人特长（所在服务队负责人可见）", body=SkillsIn, response=SkillsOut)
@member_required
def set_skills():
    body = SkillsIn.model_validate_json(request.get_data() or b"{}")
    return jsonify(_skills_answer(profile_extras.set_skills(db.session, current_member_id(), body.skills, body.note)))


def _reminders_answer(state: dict) -> dict:
    member = members.get_member(db.session, current_member_id())
    return {"reminders": reminders.as_dict(state), "reachable": member.openid is not None}


@bp.get("/me/reminders")
@documented("我的提醒设置（由“青春北京”公众号发送）", response=RemindersOut)
@member_required
def my_reminders():
    return jsonify(_reminders_answer(reminders.switches(db.session, current_member_id())))


@bp.put("/me/reminders")
@documented("开关提醒（只改传入的类型）", body=RemindersIn, response=RemindersOut)
@member_required
def set_reminders():
    body = RemindersIn.model_validate_json(request.get_data() or b"{}")
    wanted = {kind: on for kind, on in body.model_dump().items() if on is not None}
    return jsonify(_reminders_answer(reminders.set_switches(db.session, current_member_id(), wanted)))


@bp.get("/places")
@documented("居住地可选的区和街道（乡镇）、服务领域与籍贯选项", response=PlacesOut)
@login_required
def residence_places():
    return jsonify({"districts": [{"id": d.id, "name": d.name, "streets": [{"id": s.id, "name": s.name} for s in streets]}
                                  for d, streets in residence.places(db.session)],
                    "areas": residence.SERVICE_AREAS, "provinces": list(residence.PROVINCES)})


def _residence_answer(member) -> dict:
    return {"residence_id": member.residence_org_id, "residence": residence.residence_label(db.session, member),
            "lives_in_beijing": member.lives_in_beijing, "native_place": member.native_place,
            "service_areas": list(member.service_areas or [])}


@bp.put("/me/residence")
@documented("填写居住地、籍贯与服务领域（用于推荐家附近的社区服务队）", body=ResidenceIn, response=ResidenceOut)
@member_required
def set_residence():
    body = ResidenceIn.model_validate_json(request.get_data() or b"{}")
    member = residence.set_profile(db.session, current_member_id(), residence_id=body.residence_id,
                                   outside_beijing=body.outside_beijing, native_place=body.native_place,
                                   service_areas=body.service_areas)
    return jsonify(_residence_answer(member))


@bp.put("/me/zyb")
@documented("绑定本人的志愿北京账号（密码加密保存，不再显示）", body=ZybIn, response=ZybOut)
@member_required
def bind_zyb():
    body = ZybIn.model_validate_json(request.get_data() or b"{}")
    member = profile_extras.bind_zyb(db.session, current_member_id(), body.username, body.password)
    return jsonify({"bound": True, "username": member.zyb_username})


@bp.delete("/me/zyb")
@documented("解除志愿北京账号绑定", response=ZybOut)
@member_required
def unbind_zyb():
    profile_extras.bind_zyb(db.session, current_member_id(), None, None)
    return jsonify({"bound": False, "username": None})
