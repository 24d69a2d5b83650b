"""What a sign-in or sign-out takes (a Location) and gives back (the record as shown, the reply's
wording), kept apart from the rules so that every surface reads one answer."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import geo
from models import Project, RecordStatus, ServiceRecord
from services.kernel.beijing_time import BEIJING


@dataclass(frozen=True)
class Location:
    lat: float
    lng: float
    coord_system: str = "wgs84"
    accuracy_m: float | None = None


@dataclass(frozen=True)
class Titled:
    title: str


@dataclass(frozen=True)
class RecordView:
    """The record as the answer shows it, taken before the commit: after it, reading the entity would
    load the record and its project again (two more round trips on the busiest call of a service day)."""
    id: int
    project: Titled
    status: RecordStatus
    signin_at: dt.datetime
    signout_at: dt.datetime | None
    duration_minutes: int | None
    original_signin_at: dt.datetime | None
    original_signout_at: dt.datetime | None
    edit_reason: str | None

    @classmethod
    def of(cls, record: ServiceRecord, project: Project) -> RecordView:
        return cls(record.id, Titled(project.title), record.status, record.signin_at, record.signout_at,
                   record.duration_minutes, record.original_signin_at, record.original_signout_at, record.edit_reason)


@dataclass(frozen=True)
class CheckinResult:
    action: str                  # signin or signout
    record: ServiceRecord
    created: bool                # False: a repeat that changed nothing
    decision: geo.FenceDecision | None
    view: RecordView

    @classmethod
    def of(cls, action: str, record: ServiceRecord, created: bool, decision: geo.FenceDecision | None,
           project: Project | None = None) -> CheckinResult:
        return cls(action, record, created, decision, RecordView.of(record, project or record.project))

    @property
    def message(self) -> str:
        project = self.view.project.title
        if self.action == "signin":
            when = self.view.signin_at.astimezone(BEIJING).strftime("%H:%M")
            return (f"签到成功：「{project}」，签到时间 {when}" if self.created
                    else f"你已于 {when} 在「{project}」签到，无需重复签到")
        minutes = self.view.duration_minutes or 0
        return (f"签退成功：「{project}」，本次服务 {minutes // 60} 小时 {minutes % 60} 分钟，待负责人确认"
                if self.created else f"你已在「{project}」签退，本次服务 {minutes} 分钟，待负责人确认")
