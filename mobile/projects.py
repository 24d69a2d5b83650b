"""志愿服务: the projects I may enrol in, a project's page (the link pushed to members), enrolling,
and signing in and out there with the browser's position."""
from __future__ import annotations

import logging

import requests
from flask import jsonify, redirect, render_template, request, url_for
from wechatpy.exceptions import WeChatClientException

from jobs import notify
from mobile import bp
from mobile.auth import current_member, in_wechat, member_required
from models import RECORD_STATUS_LABELS, EnrolmentStatus, utcnow
from runtime.extensions import db
from services.kernel.beijing_time import BEIJING
from services.push import channels
from services.volunteering import checkin, enrolment, projects, records
from web.answers import checkin_answer
from web.bodies import LocationIn
from web.flashing import attempt
from wechat import jsapi

logger = logging.getLogger(__name__)


@bp.get("/projects")
@member_required
def project_list():
    member = current_member()
    enrolled = enrolment.statuses_of(db.session, member.id)
    return render_template("mobile/projects.html", projects=projects.open_projects_for(db.session, member.id),
                           enrolled=enrolled, beijing=BEIJING)


@bp.get("/projects/<code>")
@member_required
def project_page(code: str):
    member = current_member()
    project = projects.get_project_by_code(db.session, code)
    mine = enrolment.enrolment_of(db.session, member.id, project.id)
    record = records.latest_record(db.session, member.id, project.id)
    return render_template("mobile/project.html", project=project, enrolment=mine, record=record,
                           record_labels=RECORD_STATUS_LABELS,
                           why_not=projects.ineligibility(db.session, member, project), beijing=BEIJING,
                           place=enrolment.waitlist_position(db.session, mine) if mine else None, now=utcnow(),
                           subscribe=_subscribe_offer())


def _subscribe_offer() -> dict | None:
    """The project notices' subscription button, when they go by 订阅通知."""
    channel = channels.current()
    return subscribe_offer(channel.template_id) if channel.name == channels.SUBSCRIBE else None


def subscribe_offer(template_id: str | None) -> dict | None:
    """The wx-open-subscribe button for ``template_id``, inside WeChat: the template and the JS-SDK
    configuration signed for this page. Without WeChat's answer the page works without it."""
    if not template_id or not in_wechat():
        return None
    try:
        return {"template_id": template_id, **jsapi.config_for(request.url)}
    except (WeChatClientException, requests.RequestException) as exc:
        logger.info("no subscription button: the jsapi_ticket could not be had (%s)", type(exc).__name__)
        return None


@bp.post("/projects/<code>/enrol")
@member_required
def project_enrol(code: str):
    project = projects.get_project_by_code(db.session, code)

    def said(result) -> str:
        if result.enrolment.status == EnrolmentStatus.enrolled:
            return "报名成功" if result.created else "你已报名"
        return f"名额已满，你在候补第 {result.waitlist_position} 位，有人退出时自动递补"
    attempt(lambda: enrolment.enrol(db.session, current_member().id, project.id), said)
    return redirect(url_for("mobile.project_page", code=code))


@bp.post("/projects/<code>/withdraw")
@member_required
def project_withdraw(code: str):
    project = projects.get_project_by_code(db.session, code)

    def withdraw() -> None:
        promoted = enrolment.withdraw(db.session, current_member().id, project.id)
        if promoted is not None:
            notify.tell(promoted.member_id, enrolment.promotion_notice(project))
    attempt(withdraw, "已取消报名")
    return redirect(url_for("mobile.project_page", code=code))


@bp.post("/projects/<code>/<any(signin, signout):action>")
@member_required
def project_checkin(code: str, action: str):
    body = LocationIn.model_validate_json(request.get_data() or b"{}")
    project = projects.get_project_by_code(db.session, code)
    do = checkin.sign_in if action == "signin" else checkin.sign_out
    return jsonify(checkin_answer(do(db.session, current_member().id, project.id, body.location(), source="page")))
