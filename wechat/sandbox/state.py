"""What the sandbox knows: issued tokens, followers, menus, QR tickets, quotas and every call it got.

One lock guards it all: the sandbox serves several request threads at once, like WeChat does.
"""
from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Call:
    path: str
    params: dict
    body: dict | None


@dataclass
class SandboxState:
    appid: str
    secret: str
    miniprogram_appid: str | None = None
    token_ttl: int = 7200
    tokens: dict[str, float] = field(default_factory=dict)          # token → expiry (monotonic)
    stable_token: str | None = None
    token_grants: int = 0
    unfollowed: set[str] = field(default_factory=set)
    quotas: dict[str, int] = field(default_factory=dict)            # endpoint → remaining calls
    failures: dict[str, list[int]] = field(default_factory=dict)     # endpoint → errcodes to answer next
    menu: dict | None = None
    tickets: dict[str, dict] = field(default_factory=dict)          # ticket → create body
    used_codes: set[str] = field(default_factory=set)
    oauth_codes: dict[str, str] = field(default_factory=dict)       # web-authorisation code → openid
    calls: list[Call] = field(default_factory=list)
    sent: list[tuple[str, str, dict]] = field(default_factory=list)  # (endpoint, touser, body) accepted
    latency: dict[str, float] = field(default_factory=dict)         # endpoint → seconds every call takes
    hang_seconds: float = 3.0                                        # how long an injected HANG (-2) stalls
    msgid_seq: int = 1000
    sms_secret_id: str = "sandbox-sms-secret-id"
    sms: list[dict] = field(default_factory=list)                   # Tencent Cloud SMS messages accepted
    # 订阅通知: templates added to the account (id → (public tid, kids)), and who refused one
    subscribe_templates: dict[str, tuple[str, list]] = field(
        default_factory=lambda: {"sandbox_subscribe_project": ("10001", [1, 2, 3, 4, 5]),
                                 "sandbox_subscribe_reminder": ("10002", [1, 2, 3])})
    subscribe_refused: set[tuple[str, str]] = field(default_factory=set)  # (openid, template id)
    jsapi_ticket: str = field(default_factory=lambda: "sbx_jsapi_" + secrets.token_urlsafe(16))
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def issue_token(self, *, force: bool = False) -> tuple[str, int]:
        with self.lock:
            now = time.monotonic()
            if self.stable_token and not force and self.tokens.get(self.stable_token, 0) > now + 300:
                return self.stable_token, int(self.tokens[self.stable_token] - now)
            # A new token invalidates the previous one, as WeChat does: workers must share it.
            self.tokens.clear()
            token = "sbx_" + secrets.token_urlsafe(24)
            self.tokens[token] = now + self.token_ttl
            self.stable_token = token
            self.token_grants += 1
            return token, self.token_ttl

    def token_error(self, token: str | None) -> int | None:
        with self.lock:
            expiry = self.tokens.get(token or "")
        if expiry is None:
            return 40001
        if expiry <= time.monotonic():
            return 42001
        return None

    def expire_tokens(self) -> None:
        with self.lock:
            for token in self.tokens:
                self.tokens[token] = 0

    def record(self, path: str, params: dict, body: dict | None) -> None:
        with self.lock:
            self.calls.append(Call(path, dict(params), body))

    def take_failure(self, endpoint: str) -> int | None:
        with self.lock:
            queue = self.failures.get(endpoint)
            return queue.pop(0) if queue else None

    def spend_quota(self, endpoint: str) -> bool:
        with self.lock:
            if endpoint not in self.quotas:
                return True
            if self.quotas[endpoint] <= 0:
                return False
            self.quotas[endpoint] -= 1
            return True

    def accept(self, endpoint: str, touser: str, body: dict) -> int:
        """Record a message WeChat would deliver; its msgid."""
        with self.lock:
            self.msgid_seq += 1
            self.sent.append((endpoint, touser, body))
            return self.msgid_seq

    def sent_to(self, endpoint: str = "cgi-bin/message/template/send") -> list[str]:
        with self.lock:
            return [touser for path, touser, _ in self.sent if path == endpoint]

    def issue_oauth_code(self, openid: str) -> str:
        code = "sbx_oauth_" + secrets.token_urlsafe(12)
        with self.lock:
            self.oauth_codes[code] = openid
        return code

    def redeem_oauth_code(self, code: str) -> str | int:
        """The openid, or WeChat's errcode: 40163 for a code used before, 40029 for an unknown one."""
        with self.lock:
            if code in self.used_codes:
                return 40163
            openid = self.oauth_codes.pop(code, None)
            if openid is None:
                return 40029
            self.used_codes.add(code)
            return openid

    def scene_of_url(self, url: str) -> str | None:
        """What WeChat would put in the scan event's EventKey for a QR that encodes ``url``."""
        with self.lock:
            for data in self.tickets.values():
                if data.get("url") == url:
                    scene = data.get("action_info", {}).get("scene", {})
                    return str(scene.get("scene_str", scene.get("scene_id")))
        return None

    def calls_to(self, path: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.path == path]

    def reset(self) -> None:
        with self.lock:
            self.tokens.clear()
            self.stable_token = None
            self.token_grants = 0
            self.unfollowed.clear()
            self.subscribe_refused.clear()
            self.quotas.clear()
            self.failures.clear()
            self.menu = None
            self.tickets.clear()
            self.used_codes.clear()
            self.oauth_codes.clear()
            self.calls.clear()
            self.sent.clear()
            self.latency.clear()
