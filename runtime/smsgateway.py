"""Where verification codes leave the system: the development log, or Tencent Cloud SMS.

``services.people.sms`` decides when a code may be sent and what it is; a sender only delivers it. The
Tencent sender is the provider's official SDK (``tencentcloud-sdk-python-sms``, API 2021-01-11), so
signing, retries of the signature scheme and error codes stay the provider's; in development and tests
its endpoint is the WeChat sandbox's stand-in (``/tencent-sms``), so the real client code runs offline.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask

logger = logging.getLogger(__name__)

Sender = Callable[[str, str, str], None]


class SmsDeliveryError(RuntimeError):
    """The provider refused or could not be reached; the member is asked to try again."""


def log_sender(phone: str, code: str, purpose: str) -> None:
    """``purpose``: what the code is for, as the person reads it (注册, 重置密码 …)."""
    logger.info("SMS (development backend) to %s: 【青春北京】%s验证码 %s，10分钟内有效", phone, purpose, code)


class TencentSender:
    """SendSms with one template taking two parameters: the purpose (注册 / 重置密码 …) and the code."""

    def __init__(self, *, secret_id: str, secret_key: str, sdk_app_id: str, sign_name: str, template_id: str,
                 region: str, endpoint: str, timeout: int = 5) -> None:
        from tencentcloud.common import credential
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111 import sms_client

        http = HttpProfile(endpoint=endpoint, reqTimeout=timeout)
        if endpoint.startswith("http://"):
            http.scheme = "http"
        self._client = sms_client.SmsClient(credential.Credential(secret_id, secret_key), region,
                                            ClientProfile(httpProfile=http))
        self._fields = {"SmsSdkAppId": sdk_app_id, "SignName": sign_name, "TemplateId": template_id}

    def __call__(self, phone: str, code: str, purpose: str) -> None:
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
        from tencentcloud.sms.v20210111 import models

        request = models.SendSmsRequest()
        request.PhoneNumberSet = ["+86" + phone]
        request.TemplateParamSet = [purpose, code]
        request.SmsSdkAppId, request.SignName = self._fields["SmsSdkAppId"], self._fields["SignName"]
        request.TemplateId = self._fields["TemplateId"]
        try:
            response = self._client.SendSms(request)
        except TencentCloudSDKException as exc:
            logger.warning("Tencent SMS refused: %s", exc.get_code())
            raise SmsDeliveryError(exc.get_code()) from exc
        status = (response.SendStatusSet or [None])[0]
        if status is None or status.Code != "Ok":
            code_ = status.Code if status else "NoStatus"
            logger.warning("Tencent SMS not sent: %s", code_)
            raise SmsDeliveryError(code_)


def init_app(app: Flask) -> None:
    config = app.config
    if config["SMS_BACKEND"] != "tencent":
        app.extensions["sms_sender"] = log_sender
        return
    endpoint = config.get("TENCENT_SMS_ENDPOINT") or f"{config['PUBLIC_BASE_URL']}/sandbox/tencent-sms"
    app.extensions["sms_sender"] = TencentSender(
        secret_id=config["TENCENT_SMS_SECRET_ID"], secret_key=config["TENCENT_SMS_SECRET_KEY"],
        sdk_app_id=config["TENCENT_SMS_SDK_APP_ID"], sign_name=config["TENCENT_SMS_SIGN_NAME"],
        template_id=config["TENCENT_SMS_TEMPLATE_ID"], region=config["TENCENT_SMS_REGION"], endpoint=endpoint)
