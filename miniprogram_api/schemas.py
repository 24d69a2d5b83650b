"""Request bodies of the JSON surfaces (mini-program API and the phone pages' fetch calls), as
pydantic models: types and shapes here, the domain rules (ranges, geofence) in services/ and geo/."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from services.checkin import Location

FIELD_NAMES = {"phone": "手机号", "sms_code": "验证码", "name": "姓名", "id_number": "身份证号", "password": "密码",
               "joined_league": "入团年月", "ethnicity": "民族", "education": "学历", "league_number": "团员编号",
               "student_number": "学号", "branch_id": "团支部", "purpose": "验证码用途",
               "lat": "纬度", "lng": "经度", "accuracy": "定位精度", "coord_type": "坐标系", "code": "登录凭证",
               "action": "操作"}


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, str_strip_whitespace=True)


class LoginIn(Body):
    code: str = Field(min_length=1, max_length=128, description="wx.login 返回的 code")


class SmsCodeIn(Body):
    phone: str = Field(min_length=1, max_length=20)
    purpose: Literal["register"] = "register"


class RegisterIn(Body):
    """The real-name form of DESIGN.md; the rules themselves are checked by services.members."""

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
    branch_id: int | None = None
    cadre: bool = False
    volunteer: bool = False


class LocationIn(Body):
    lat: float = Field(description="纬度")
    lng: float = Field(description="经度")
    accuracy: float | None = Field(default=None, description="定位精度（米）")
    coord_type: Literal["wgs84", "gcj02", "bd09"] = Field(default="wgs84", description="坐标系")

    def location(self) -> Location:
        return Location(self.lat, self.lng, self.coord_type, self.accuracy)


class OnsiteIn(LocationIn):
    pass


def describe(error: ValidationError) -> tuple[str, list[dict]]:
    """One Chinese sentence for the person, and per-field details for the developer."""
    fields = []
    for item in error.errors(include_url=False, include_input=False):
        name = ".".join(str(part) for part in item["loc"]) or "body"
        fields.append({"field": name, "problem": item["type"]})
    first = fields[0]["field"] if fields else "body"
    label = FIELD_NAMES.get(first, first)
    if fields and fields[0]["problem"] == "missing":
        return f"缺少{label}", fields
    if fields and fields[0]["problem"] == "extra_forbidden":
        return f"不认识的字段：{first}", fields
    return f"{label}格式不正确", fields
