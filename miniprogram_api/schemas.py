"""Request bodies of the JSON surfaces (mini-program API and the phone pages' fetch calls), as
pydantic models: types and shapes here, the domain rules (ranges, geofence) in services/ and geo/."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from services.checkin import Location

FIELD_NAMES = {"lat": "纬度", "lng": "经度", "accuracy": "定位精度", "coord_type": "坐标系", "code": "登录凭证",
               "action": "操作"}


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, str_strip_whitespace=True)


class LoginIn(Body):
    code: str = Field(min_length=1, max_length=128, description="wx.login 返回的 code")


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
