"""Subscription notifications (订阅通知): the templates an account picks from the public library
(newtmpl) and bizsend, which reaches only a member who accepted the template."""
from __future__ import annotations

import hashlib

from flask import Blueprint, jsonify, request

from wechat.sandbox.gate import authorised, body, error
from wechat.sandbox.state import SandboxState

# The subscription-notification templates the sandbox offers (newtmpl): a project notice with the
# keywords PUSH_TEMPLATE_FIELDS maps by default; added to the account as "sandbox_subscribe_project".
# And a reminder.
PUBLIC_TEMPLATES = {
    "10001": {"title": "志愿项目通知", "type": 2, "keywords": [
        {"kid": 1, "name": "项目名称", "example": "社区垃圾分类宣传", "rule": "thing"},
        {"kid": 2, "name": "开始时间", "example": "2026年11月28日 09:00", "rule": "time"},
        {"kid": 3, "name": "服务地点", "example": "多福巷社区居委会", "rule": "thing"},
        {"kid": 4, "name": "服务队", "example": "多福巷社区青年志愿者服务队", "rule": "thing"},
        {"kid": 5, "name": "项目状态", "example": "报名中", "rule": "phrase"}]},
    # the reminders' keywords (REMINDER_TEMPLATE_FIELDS), added as "sandbox_subscribe_reminder"
    "10002": {"title": "活动提醒", "type": 2, "keywords": [
        {"kid": 1, "name": "提醒事项", "example": "社区垃圾分类宣传", "rule": "thing"},
        {"kid": 2, "name": "时间", "example": "2026年11月28日 09:00", "rule": "time"},
        {"kid": 3, "name": "温馨提示", "example": "明天开始，请按时到场签到", "rule": "thing"}]},
}


def add_routes(bp: Blueprint, state: SandboxState) -> None:
    @bp.post("/cgi-bin/message/subscribe/bizsend")
    def subscribe_bizsend():
        """订阅通知: only to a member who accepted the template; values within their type's limits."""
        endpoint = "cgi-bin/message/subscribe/bizsend"
        if (denied := authorised(state, endpoint)) is not None:
            return denied
        data = body() or {}
        touser, template = data.get("touser", ""), data.get("template_id", "")
        if touser in state.unfollowed:
            return error(43004)
        if template not in state.subscribe_templates:
            return error(40037)
        if (touser, template) in state.subscribe_refused:
            return error(43101)
        for keyword, item in (data.get("data") or {}).items():
            value = item.get("value", "") if isinstance(item, dict) else ""
            kind = keyword.rstrip("0123456789")
            if (kind == "thing" and len(value) > 20) or (kind == "phrase" and len(value) > 5) or "\n" in value:
                return error(47003)
        msgid = state.accept(endpoint, touser, data)
        return jsonify({"errcode": 0, "errmsg": "ok", "msgid": msgid})

    @bp.get("/wxaapi/newtmpl/getpubtemplatekeywords")
    def newtmpl_keywords():
        if (denied := authorised(state, "wxaapi/newtmpl/getpubtemplatekeywords")) is not None:
            return denied
        found = PUBLIC_TEMPLATES.get(request.args.get("tid", ""))
        if found is None:
            return error(40037)
        return jsonify({"errcode": 0, "errmsg": "ok", "count": len(found["keywords"]), "data": found["keywords"]})

    @bp.post("/wxaapi/newtmpl/addtemplate")
    def newtmpl_add():
        if (denied := authorised(state, "wxaapi/newtmpl/addtemplate")) is not None:
            return denied
        data = body() or {}
        if str(data.get("tid")) not in PUBLIC_TEMPLATES or not data.get("kidList"):
            return error(47001)
        template_id = "sandbox_tmpl_" + hashlib.sha1(repr(sorted(data.items())).encode()).hexdigest()[:16]
        state.subscribe_templates[template_id] = (str(data["tid"]), list(data["kidList"]))
        return jsonify({"errcode": 0, "errmsg": "ok", "priTmplId": template_id})

    @bp.get("/wxaapi/newtmpl/gettemplate")
    def newtmpl_list():
        if (denied := authorised(state, "wxaapi/newtmpl/gettemplate")) is not None:
            return denied
        listed = []
        for template_id, (tid, kids) in state.subscribe_templates.items():
            public = PUBLIC_TEMPLATES[tid]
            chosen = [k for k in public["keywords"] if k["kid"] in kids]
            listed.append({"priTmplId": template_id, "title": public["title"], "type": public["type"],
                           "content": "\n".join(f"{k['name']}:{{{{{k['rule']}{i}.DATA}}}}"
                                                 for i, k in enumerate(chosen, 1)),
                           "example": "\n".join(f"{k['name']}：{k['example']}" for k in chosen)})
        return jsonify({"errcode": 0, "errmsg": "ok", "data": listed})
