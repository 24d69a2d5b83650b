"""The WeChat API client: wechatpy's, with the access token in the shared store.

Fetching a token invalidates the previous one and the quota is 2,000 a day, so N workers must not
each refresh: the token lives in the shared store, one worker refreshes under a lock and the others
read what it stored. The ``stable_token`` endpoint is used (it returns the current token unless
forced). On 40001/40014/42001 the client refreshes once, forcing a new token only if the one it
used is still the stored one, and retries once. The base URL comes from WECHAT_API_BASE_URL, so the
same code talks to the local sandbox in development and tests.
"""
from __future__ import annotations

import json
import logging
import time

import requests
from flask import Flask, current_app
from wechatpy import WeChatClient, WeChatOAuth
from wechatpy.exceptions import WeChatClientException
from wechatpy.session import SessionStorage

from runtime.sharedstore import FallbackStore, KeyValueStore

logger = logging.getLogger(__name__)

REAL_BASE = "https://api.weixin.qq.com"
TOKEN_ERRORS = (40001, 40014, 42001)
TOKEN_MARGIN_SECONDS = 300  # refresh five minutes before WeChat's expiry


class StoreSessionStorage(SessionStorage):
    """wechatpy's storage interface over our key-value store (Redis in production)."""

    def __init__(self, store: KeyValueStore, prefix: str = "wechat:") -> None:
        self.store, self.prefix = store, prefix

    def get(self, key, default=None):
        value = self.store.get(self.prefix + key)
        return default if value is None else json.loads(value)

    def set(self, key, value, ttl=None):
        self.store.set(self.prefix + key, json.dumps(value), ttl=ttl)

    def delete(self, key):
        self.store.delete(self.prefix + key)


class SharedTokenClient(WeChatClient):
    """公众号接口客户端：access_token 存于共享存储，由一个进程在锁内刷新。
    https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/getStableAccessToken.html"""

    def __init__(self, appid: str, secret: str, base_url: str, store: KeyValueStore, timeout: float = 5) -> None:
        super().__init__(appid, secret, session=StoreSessionStorage(store), timeout=timeout, auto_retry=False)
        self.base_url = base_url.rstrip("/")
        self.API_BASE_URL = self.base_url + "/cgi-bin/"
        self.store = store

    def _rebase(self, url: str) -> str:
        return self.base_url + url[len(REAL_BASE):] if url.startswith(REAL_BASE) else url

    @property
    def access_token(self) -> str:
        token = self.session.get(self.access_token_key)
        return token or self.fetch_access_token()["access_token"]

    def fetch_access_token(self, *, stale: str | None = None) -> dict:
        """Refresh under the shared lock. ``stale``: the token WeChat just refused; force a new one only
        if it is still the stored one (another worker may have refreshed meanwhile)."""
        with self.store.lock(f"wechat-token:{self.appid}", timeout=30, wait=20):
            current = self.session.get(self.access_token_key)
            if current and current != stale:
                return {"access_token": current}
            response = self._http.post(self.base_url + "/cgi-bin/stable_token", timeout=self.timeout, json={
                "grant_type": "client_credential", "appid": self.appid, "secret": self.secret,
                "force_refresh": stale is not None and current == stale})
            try:
                response.raise_for_status()
                result = response.json()
            except (requests.RequestException, ValueError) as exc:
                raise WeChatClientException(None, "token endpoint failed", client=self) from exc
            if result.get("errcode"):
                raise WeChatClientException(result["errcode"], result.get("errmsg"), client=self,
                                            response=response)
            ttl = max(60, int(result.get("expires_in", 7200)) - TOKEN_MARGIN_SECONDS)
            self.session.set(self.access_token_key, result["access_token"], ttl)
            self.expires_at = int(time.time()) + ttl
            logger.info("wechat access token refreshed for %s", self.appid)
            return result

    def _request(self, method, url_or_endpoint, **kwargs):
        if "api_base_url" in kwargs:
            kwargs["api_base_url"] = self._rebase(kwargs["api_base_url"])
        url_or_endpoint = self._rebase(url_or_endpoint)
        params = kwargs.setdefault("params", {})
        try:
            return super()._request(method, url_or_endpoint, **kwargs)
        except WeChatClientException as exc:
            if exc.errcode not in TOKEN_ERRORS:
                raise
            used = params.get("access_token")
            logger.info("wechat token refused (%s), refreshing once", exc.errcode)
            params["access_token"] = self.fetch_access_token(stale=used)["access_token"]
            return super()._request(method, url_or_endpoint, **kwargs)  # once: a second refusal is raised


def api_base_url(app: Flask) -> str:
    configured = app.config.get("WECHAT_API_BASE_URL")
    if configured:
        return configured
    if app.config["APP_ENV"] == "production":
        return REAL_BASE
    return app.config["PUBLIC_BASE_URL"] + "/sandbox"


REAL_OAUTH_BASE = "https://open.weixin.qq.com"


def oauth_base_url(app: Flask) -> str:
    """Where the phone's browser is sent for web authorisation: open.weixin.qq.com, or the sandbox
    (which serves both halves of the flow) whenever the API itself is the sandbox."""
    configured = app.config.get("WECHAT_OAUTH_BASE_URL")
    if configured:
        return configured
    base = api_base_url(app)
    return REAL_OAUTH_BASE if base == REAL_BASE else base


def oauth_client(redirect_uri: str, state: str) -> WeChatOAuth:
    """网页授权（snsapi_base）客户端，地址指向配置的微信或沙箱。
    https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html"""
    app = current_app
    client = WeChatOAuth(app.config["WECHAT_APP_ID"], app.config["WECHAT_APP_SECRET"], redirect_uri,
                         scope="snsapi_base", state=state)
    client.API_BASE_URL = api_base_url(app).rstrip("/") + "/"
    client.OAUTH_BASE_URL = oauth_base_url(app).rstrip("/") + "/connect/"
    return client


def code_to_session(js_code: str, *, timeout: float = 5) -> dict:
    """小程序登录：code 换取 openid、unionid 与 session_key（session_key 只留在服务端）。
    https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-login/code2Session.html"""
    app = current_app
    response = requests.get(api_base_url(app).rstrip("/") + "/sns/jscode2session", timeout=timeout, params={
        "appid": app.config["WECHAT_MINIPROGRAM_APP_ID"], "secret": app.config["WECHAT_MINIPROGRAM_APP_SECRET"],
        "js_code": js_code, "grant_type": "authorization_code"})
    try:
        response.raise_for_status()
        result = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise WeChatClientException(None, "jscode2session failed") from exc
    if result.get("errcode"):
        raise WeChatClientException(result["errcode"], result.get("errmsg"))
    return result


def _token_store(app: Flask) -> FallbackStore:
    """The shared store, or this process's own while Redis is away (stable_token gives every process
    the same token, so one process fetching alone invalidates nobody's)."""
    shared = app.extensions["store"]
    current = app.extensions.get("wechat_token_store")
    if current is None or current.primary is not shared:
        current = app.extensions["wechat_token_store"] = FallbackStore(shared)
    return current


def init_app(app: Flask) -> None:
    app.extensions["wechat_client_factory"] = lambda timeout=5: SharedTokenClient(
        app.config["WECHAT_APP_ID"], app.config["WECHAT_APP_SECRET"], api_base_url(app),
        _token_store(app), timeout=timeout)


def get_client(timeout: float = 5) -> SharedTokenClient:
    """A client for the current app (cheap: the token is in the shared store, not in the object)."""
    return current_app.extensions["wechat_client_factory"](timeout)
