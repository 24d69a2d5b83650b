"""Request bodies of the JSON surfaces (mini-program API and the phone pages' fetch calls), as
pydantic models: types and shapes here, the domain rules (ranges, geofence) in services/ and geo/."""
from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator

from services.volunteering.checkin import Location

FIELD_NAMES = {"phone": "手机号", "sms_code": "验证码", "name": "姓名", "id_number": "身份证号", "password": "密码",
               "joined_league": "入团年月", "ethnicity": "民族", "education": "学历", "league_number": "团员编号",
               "student_number": "学号", "branch_id": "团支部", "purpose": "验证码用途",
               "lat": "纬度", "lng": "经度", "accuracy": "定位精度", "coord_type": "坐标系", "code": "登录凭证",
               "action": "操作", "payload": "扫码内容", "username": "用户名", "title": "项目名称",
               "starts_at": "开始时间", "ends_at": "结束时间", "radius_m": "签到半径", "capacity": "人数上限",
               "approve": "审核结果", "record_ids": "记录",
               "start": "起始日期", "end": "结束日期",
               "signin_at": "签到时间", "signout_at": "签退时间", "reason": "原因", "accept": "处理结果"}


#: where one model's field means something else than the same name elsewhere
MODEL_FIELD_NAMES = {"ResetIn": {"code": "验证码", "password": "新密码"}}


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value):
        # PostgreSQL refuses text with NUL bytes: say so here instead of failing in the database.
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("contains NUL")
        return value


class LoginIn(Body):
    code: str = Field(min_length=1, max_length=128, description="wx.login 返回的 code")


class SmsCodeIn(Body):
    phone: str = Field(min_length=1, max_length=20)
    purpose: Literal["register"] = "register"


class ResetCodeIn(Body):
    phone: str = Field(min_length=1, max_length=20)


class ResetIn(Body):
    phone: str = Field(min_length=1, max_length=20)
    code: str = Field(min_length=4, max_length=8, description="短信验证码")
    password: str = Field(min_length=1, max_length=64, description="新密码：6至16位，不能全部为数字")


class RegisterIn(Body):
    """The real-name form of DESIGN.md; the rules themselves are checked by services.people.members."""

    name: str = Field(min_length=1, max_length=30)
    id_number: str = Field(min_length=1, max_length=18)
    phone: str = Field(min_length=1, max_length=20)
    sms_code: str = Field(min_length=4, max_length=8)
    password: str = Field(min_length=1, max_length=64)
    joined_league: str = Field(min_length=1, max_length=7, description="入团年月 YYYY-MM")
    ethnicity: str = Field(min_length=1, max_length=20)
    education: str = Field(min_length=1, max_length=20)
    league_number: str | None = Field(default=None, max_length=20)
    student_number: str | None = Field(default=None, max_length=30)
    branch_id: int | None = Field(default=None, ge=1, le=2**31 - 1, description="所在团支部（由该支部审核）")
    cadre: bool = False
    volunteer: bool = False
    consent_notice: bool = Field(default=False, description="已阅读并同意《个人信息保护说明》（GET /privacy），必须为 true")
    consent_sensitive: bool = Field(default=False, description="单独同意处理身份证号、签到位置等敏感个人信息，必须为 true")


class ClaimIn(Body):
    """认领账号: the account a branch entered from the league system, taken by its person."""

    phone: str = Field(min_length=1, max_length=20, description="团支部登记的手机号")
    sms_code: str = Field(min_length=4, max_length=8, description="POST /claim/code 发到该手机的验证码")
    password: str = Field(min_length=1, max_length=64)
    ethnicity: str = Field(min_length=1, max_length=20)
    education: str = Field(min_length=1, max_length=20)
    consent_notice: bool = Field(default=False, description="已阅读并同意《个人信息保护说明》，必须为 true")
    consent_sensitive: bool = Field(default=False, description="单独同意处理敏感个人信息，必须为 true")


class AppealForm(Body):
    """Documents the multipart form of POST /identity-appeals (read with request.form and files)."""

    name: str = Field(min_length=1, max_length=30)
    id_number: str = Field(min_length=1, max_length=18)
    phone: str = Field(min_length=1, max_length=20)
    sms_code: str = Field(min_length=4, max_length=8, description="发往该手机号的短信验证码")
    password: str = Field(min_length=1, max_length=64, description="登录密码：6至16位，不能全部为数字")
    photo: bytes = Field(description="身份证人像面照片，JPG 或 PNG，不超过5MB")


class TeamChangeIn(Body):
    reason: str = Field(min_length=1, max_length=200, description="原因（团员会收到通知）")
    to_team: str | None = Field(default=None, max_length=16, description="调整到的服务队编号（move 时必填）")


class SkillsIn(Body):
    skills: list[str] = Field(default_factory=list, max_length=20, description="个人特长（GET /skills 的 key）")
    note: str | None = Field(default=None, max_length=100, description="其他特长")


class RemindersIn(Body):
    project_eve: bool | None = Field(default=None, description="活动前一天提醒；不传则不变")
    period_end: bool | None = Field(default=None, description="周期（季度、学期、假期）结束前未参加提醒；不传则不变")
    year_hours: bool | None = Field(default=None, description="11月年度时长不足20小时提醒；不传则不变")


class ResidenceIn(Body):
    residence_id: int | None = Field(default=None, ge=1, le=2**31 - 1, description="居住地：区或街道（乡镇）的组织编号（GET /places）")
    outside_beijing: bool = Field(default=False, description="不在北京居住")
    native_place: str | None = Field(default=None, max_length=20, description="籍贯（省、自治区、直辖市）")
    service_areas: list[str] = Field(default_factory=list, max_length=20, description="服务领域（GET /places 的 areas 的 key）")


class ZybIn(Body):
    username: str = Field(min_length=1, max_length=40, description="志愿北京登录账号")
    password: str = Field(min_length=1, max_length=64, description="志愿北京登录密码（加密保存，不再显示）")


class ConsentIn(Body):
    consent_notice: bool = Field(description="已阅读并同意《个人信息保护说明》")
    consent_sensitive: bool = Field(description="单独同意处理敏感个人信息")


class CorrectIn(Body):
    ethnicity: str | None = Field(default=None, min_length=1, max_length=20)
    education: str | None = Field(default=None, min_length=1, max_length=20)
    student_number: str | None = Field(default=None, max_length=30)


class CloseIn(Body):
    code: str = Field(min_length=4, max_length=8, description="POST /me/close/code 发送到本人手机的验证码")


class ObjectionIn(Body):
    note: str | None = Field(default=None, max_length=200, description="异议说明（可选）：例如“这是我本人的身份证号”")


class CertificateIn(Body):
    start: dt.date = Field(description="起始日期（北京时间）")
    end: dt.date = Field(description="结束日期（北京时间，含当天）")


class BranchIn(Body):
    branch_id: int = Field(ge=1, le=2**31 - 1, description="团支部（GET /branches 搜索所得 id）")


class JoinIn(Body):
    payload: str = Field(min_length=1, max_length=500, description="扫码所得：team:<编号> 或服务队加入链接")


class ReportIn(Body):
    payload: str = Field(min_length=1, max_length=500,
                         description="扫描现场报到屏幕所得的链接（…/m/report/<编号>/<动态码>）")


class OrgLoginIn(Body):
    username: str = Field(min_length=1, max_length=50)
    password: str = Field(min_length=1, max_length=64)


class ProjectIn(Body):
    title: str = Field(min_length=1, max_length=120)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    lat: float
    lng: float
    coord_system: Literal["wgs84", "gcj02", "bd09"] = "gcj02"
    radius_m: int = Field(default=300, ge=1, le=100000)
    description: str = Field(default="", max_length=2000)
    site_name: str | None = Field(default=None, max_length=120)
    site_address: str | None = Field(default=None, max_length=200)
    capacity: int | None = Field(default=None, ge=1, le=100000)
    audience: Literal["team", "paired"] = "team"


class DecideIn(Body):
    approve: bool
    record_ids: list[int] | None = Field(default=None, max_length=1000, description="不填则处理该项目全部待审核记录")
    note: str | None = Field(default=None, max_length=200)


class RecordTimesIn(Body):
    signin_at: AwareDatetime = Field(description="签到时间（带时区）")
    signout_at: AwareDatetime = Field(description="签退时间（带时区）")
    reason: str = Field(min_length=1, max_length=200, description="修改原因")


class CorrectionDecisionIn(Body):
    accept: bool
    reason: str | None = Field(default=None, max_length=200, description="驳回时告诉团员的原因")


class LocationIn(Body):
    lat: float = Field(description="纬度")
    lng: float = Field(description="经度")
    accuracy: float | None = Field(default=None, description="定位精度（米）")
    coord_type: Literal["wgs84", "gcj02", "bd09"] = Field(default="wgs84", description="坐标系")

    def location(self) -> Location:
        return Location(self.lat, self.lng, self.coord_type, self.accuracy)


class OnsiteIn(LocationIn):
    pass


def _sentence(error_title: str, field: str, problem: str, ctx: dict) -> str:
    label = MODEL_FIELD_NAMES.get(error_title, {}).get(field) or FIELD_NAMES.get(field, field)
    if problem == "missing":
        return f"缺少{label}"
    if problem == "string_too_short" and ctx.get("min_length") == 1:
        return f"请填写{label}"  # an empty field is not one "in the wrong format"
    if problem == "extra_forbidden":
        return f"不认识的字段：{field}"
    return f"{label}格式不正确"


def describe(error: ValidationError) -> tuple[str, list[dict]]:
    """One Chinese sentence for the person, and per-field details for the developer."""
    fields, first = [], None
    for item in error.errors(include_url=False, include_input=False):
        name = ".".join(str(part) for part in item["loc"]) or "body"
        fields.append({"field": name, "problem": item["type"]})
        if first is None:
            first = _sentence(error.title, name, item["type"], item.get("ctx") or {})
    return first or "请求格式不正确", fields


def field_messages(error: ValidationError) -> dict[str, str]:
    """Every field's problem in a sentence, the first per field: for a form that shows each beside its field."""
    messages: dict[str, str] = {}
    for item in error.errors(include_url=False, include_input=False):
        name = ".".join(str(part) for part in item["loc"]) or "body"
        messages.setdefault(name, _sentence(error.title, name, item["type"], item.get("ctx") or {}))
    return messages
