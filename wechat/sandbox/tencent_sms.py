"""Tencent Cloud SMS's SendSms as the sandbox answers it (the verification codes' provider)."""
from __future__ import annotations

import secrets

from flask import Blueprint, jsonify, request

from wechat.sandbox.gate import body
from wechat.sandbox.state import SandboxState


def add_routes(bp: Blueprint, state: SandboxState) -> None:
    @bp.post("/tencent-sms")
    def tencent_sms():
        """Tencent Cloud SMS's SendSms (API 2021-01-11) as its official SDK calls it: a TC3-signed JSON
        POST; the sandbox checks the action and the credential's SecretId, then keeps the message."""
        data = body() or {}
        auth = request.headers.get("Authorization", "")
        state.record("tencent-sms", {"action": request.headers.get("X-TC-Action", "")}, {
            k: v for k, v in data.items() if k != "PhoneNumberSet"})
        if request.headers.get("X-TC-Action") != "SendSms":
            return jsonify({"Response": {"Error": {"Code": "InvalidAction", "Message": "unknown action"},
                                         "RequestId": secrets.token_hex(8)}})
        if not auth.startswith("TC3-HMAC-SHA256 Credential=") or state.sms_secret_id not in auth:
            return jsonify({"Response": {"Error": {"Code": "AuthFailure.SecretIdNotFound",
                                                   "Message": "secret id not found"},
                                         "RequestId": secrets.token_hex(8)}})
        statuses = []
        for number in data.get("PhoneNumberSet") or []:
            state.sms.append({"phone": number, "template": data.get("TemplateId"),
                              "params": list(data.get("TemplateParamSet") or []), "sign": data.get("SignName")})
            statuses.append({"SerialNo": secrets.token_hex(8), "PhoneNumber": number, "Fee": 1, "Code": "Ok",
                             "Message": "send success", "IsoCode": "CN", "SessionContext": ""})
        return jsonify({"Response": {"SendStatusSet": statuses, "RequestId": secrets.token_hex(8)}})
