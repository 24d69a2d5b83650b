"""What every sandbox endpoint shares: WeChat's error answers and the gate each API call passes
(recorded, token checked, injected failures and quotas spent), so that the endpoint modules stay apart."""
from __future__ import annotations

import io
import time

import qrcode
from flask import jsonify, request

from wechat.sandbox.state import SandboxState

ERRMSG = {
    40001: "invalid credential, access_token is invalid or not latest",
    40013: "invalid appid",
    40029: "invalid code",
    40037: "invalid template_id",
    40125: "invalid appsecret",
    40163: "code been used",
    42001: "access_token expired",
    43004: "require subscribe",
    44002: "empty post data",
    45009: "reach max api daily quota limit",
    47003: "argument invalid! data.keyword value exceeds limit",
    47001: "data format error",
    43101: "user refuse to accept the msg",
}

HANG = -2                  # an injected failure: stall past the client's timeout, send nothing
ACCEPT_THEN_500 = -500     # an injected failure: take the message, then answer HTTP 500 (ambiguous)


def error(code: int):
    return jsonify({"errcode": code, "errmsg": ERRMSG.get(code, "error")})


def body() -> dict | None:
    return request.get_json(force=True, silent=True)


def png(text: str) -> bytes:
    buffer = io.BytesIO()
    qrcode.make(text).save(buffer, format="PNG")
    return buffer.getvalue()


def authorised(state: SandboxState, endpoint: str):
    """Common gate: record the call, check the token, then injected failures and quotas."""
    state.record(endpoint, request.args.to_dict(), body())
    if state.latency.get(endpoint):
        time.sleep(state.latency[endpoint])
    code = state.token_error(request.args.get("access_token"))
    if code:
        return error(code)
    injected = state.take_failure(endpoint)
    if injected == HANG:  # past the client's timeout; nothing is sent
        time.sleep(state.hang_seconds)
        injected = -1
    if injected == ACCEPT_THEN_500:
        request.environ["sandbox.fail_after_accepting"] = True
        injected = None
    if injected is not None:
        return error(injected) if injected > 0 else jsonify({"errcode": -1, "errmsg": "system error"})
    if not state.spend_quota(endpoint):
        return error(45009)
    return None
