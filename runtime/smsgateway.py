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


HANDOVER_NOTICE = "【青春北京】有人为你账号登记的身份证号提交了身份认证并已通过审核，账号将于{}移交。如非本人操作，请在此前登录“青春北京”提出异议。"


def log_notice(phone: str, when: str) -> None:
    """The handover notice (issue 39.1) as the development log shows it; ``when``: Beijing time."""
    logger.info("SMS (development backend) to %s: %s", phone, HANDOVER_NOTICE.format(when))


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
        self.send(phone, self._fields["TemplateId"], [purpose, code])

    def notice(self, template_id: str):
        """A sender of the handover notice: the approved template takes one parameter, the time."""
        return lambda phone, when: self.send(phone, template_id, [when])

    def send(self, phone: str, template_id: str, params: list[str]) -> None:
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
        from tencentcloud.sms.v20210111 import models

        request = models.SendSmsRequest()
        request.PhoneNumberSet = ["+86" + phone]
        request.TemplateParamSet = params
        request.SmsSdkAppId, request.SignName = self._fields["SmsSdkAppId"], self._fields["SignName"]
        request.TemplateId = template_id
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
        app.extensions["sms_sender"], app.extensions["sms_notice"] = log_sender, log_notice
        return
    endpoint = config.get("TENCENT_SMS_ENDPOINT") or f"{config['PUBLIC_BASE_URL']}/sandbox/tencent-sms"
    sender = app.extensions["sms_sender"] = TencentSender(
        secret_id=config["TENCENT_SMS_SECRET_ID"], secret_key=config["TENCENT_SMS_SECRET_KEY"],
        sdk_app_id=config["TENCENT_SMS_SDK_APP_ID"], sign_name=config["TENCENT_SMS_SIGN_NAME"],
        template_id=config["TENCENT_SMS_TEMPLATE_ID"], region=config["TENCENT_SMS_REGION"], endpoint=endpoint)
    notice_template = config.get("TENCENT_SMS_NOTICE_TEMPLATE_ID")
    app.extensions["sms_notice"] = sender.notice(notice_template) if notice_template else _no_notice_template


def _no_notice_template(phone: str, when: str) -> None:
    logger.warning("handover notice to %s not sent by SMS: TENCENT_SMS_NOTICE_TEMPLATE_ID is not set", phone)
