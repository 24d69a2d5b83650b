"""The shapes of the API's successful answers, for the OpenAPI document: schemathesis checks every
answer against them in ``make test``, so a field renamed in ``web/answers.py`` without updating its
model here fails the suite. (The answers are built as dicts; these models only describe them.)"""
from __future__ import annotations

from pydantic import BaseModel, Field


class Out(BaseModel):
    pass


class LoginOut(Out):
    token: str
    expires_in: int
    registered: bool


class PasswordResetOut(Out):
    reset: bool


class WithdrawnOut(Out):
    withdrawn: bool


class AppealOut(Out):
    id: int
    status: str
    status_label: str
    stage: str  # where the review stands, e.g. 审核通过，12月09日 10:00移交（现持有人可提出异议）
    handover_at: str | None
    decision_note: str | None
    created_at: str


class LoggedOutOut(Out):
    logged_out: bool


class OrgLoginOut(Out):
    organisation: str
    kind: str


class SmsSentOut(Out):
    sent: bool
    resend_after: int


class _PersonOut(Out):
    name: str
    id_number: str
    phone: str
    sex: str
    joined_league: str
    league_number: str | None
    ethnicity: str
    education: str
    branch: str | None
    is_volunteer: bool
    cadre: str
    league_status: str


class ProfileOut(_PersonOut):
    """The person's own card: clear ID number, phone and birth date."""
    birth_date: str


class RegisteredOut(Out):
    registered: bool
    profile: ProfileOut


class MemberRowOut(_PersonOut):
    """Another member as a coordinator sees them: masked, and the age instead of the birth date."""
    id: int
    age: int
    skills: str = Field(description="个人特长（未填写时为“未填写”）")


class MembersOut(Out):
    members: list[MemberRowOut]
    page: int


class TeamOut(Out):
    code: str
    name: str
    organisation: str
    is_community: bool
    contact_name: str | None
    contact_phone: str | None


class MyTeamOut(TeamOut):
    via: str = Field(description="joined：扫码加入；department：本院系服务队；paired：院系结对的街道（乡镇）服务队")


class TeamsOut(Out):
    teams: list[TeamOut]


class MyTeamsOut(Out):
    teams: list[MyTeamOut]


class TeamChangeOut(Out):
    member_id: int
    removed_from: TeamOut
    moved_to: TeamOut | None


class JoinedOut(Out):
    joined: bool
    team: TeamOut


class ReportedOut(Out):
    joined: bool = Field(description="本次扫码同时完成了线上报到（加入服务队）")
    already: bool = Field(description="此前已完成现场报到，本次未改变")
    confirmed_at: str
    team: TeamOut


class QuitOut(Out):
    quit: bool
    team: TeamOut


class ProjectOut(Out):
    code: str
    title: str
    team: str
    starts_at: str | None
    ends_at: str | None
    is_long_term: bool
    status: str
    site_name: str | None
    radius_m: int
    capacity: int | None
    lat: float | None
    lng: float | None
    coord_system: str
    link: str = Field(description="项目页链接（/m/projects/<code>），可发到微信群，团员点开即可报名")


class ProjectsOut(Out):
    projects: list[ProjectOut]


class EnrolledOut(Out):
    status: str
    created: bool
    waitlist_position: int | None


class RecordOut(Out):
    id: int
    project: str
    status: str
    signin_at: str
    signout_at: str | None
    duration_minutes: int | None
    original_signin_at: str | None = None
    original_signout_at: str | None = None
    edit_reason: str | None = None
    flags: list[str] | None = None


class CorrectionOut(Out):
    id: int
    record: RecordOut
    member: str
    signin_at: str
    signout_at: str
    reason: str
    status: str
    decision_note: str | None
    created_at: str


class CorrectionsOut(Out):
    corrections: list[CorrectionOut]


class RecordsOut(Out):
    records: list[RecordOut]


class FenceOut(Out):
    valid: bool
    distance_m: float
    radius_m: float
    accuracy_m: float | None
    reason: str
    message: str


class CheckinOut(Out):
    action: str
    created: bool
    message: str
    record: RecordOut
    fence: FenceOut | None


class ParticipationOut(Out):
    rule: str = Field(description="quarter | semester | holiday")
    rule_label: str
    period: str
    starts_on: str
    ends_on: str
    done: bool


class HoursOut(Out):
    year: int
    year_hours: float
    target_hours: int
    progress: float
    total_hours: float
    star: int
    next_star_hours: int | None
    participation: ParticipationOut
    honours: list[str] = Field(default_factory=list, description="获得的表彰，如“2026年度优秀志愿者（东城区团委推荐）”")


class DecidedOut(Out):
    decided: list[int]
    skipped: dict[str, str]


class BranchOut(Out):
    id: int
    name: str
    path: str


class BranchesOut(Out):
    branches: list[BranchOut]


class ApplicationOut(Out):
    id: int
    branch: BranchOut
    kind: str
    status: str
    created_at: str


class MyBranchOut(Out):
    branch: BranchOut | None
    application: ApplicationOut | None
    leaving: str | None = Field(default=None, description="毕业转出：去向（团支部名称或“离校待接收”），未办理时为空")


class VolunteerOut(Out):
    is_volunteer: bool
    registered_at: str | None


class CertificateOut(Out):
    code: str
    verify_url: str
    pdf_url: str
    hours: float
    records: int


class SkillChoicesOut(Out):
    skills: dict[str, str]


class SkillsOut(Out):
    skills: list[str]
    note: str | None
    text: str


class ReminderSwitchOut(Out):
    kind: str
    label: str
    hint: str
    on: bool


class RemindersOut(Out):
    reminders: list[ReminderSwitchOut]
    reachable: bool = Field(description="账号已绑定公众号，提醒能送达")


class PlaceOut(Out):
    id: int
    name: str


class DistrictOut(PlaceOut):
    streets: list[PlaceOut]


class PlacesOut(Out):
    districts: list[DistrictOut]
    areas: dict[str, str]
    provinces: list[str]


class ResidenceOut(Out):
    residence_id: int | None
    residence: str
    lives_in_beijing: bool | None
    native_place: str | None
    service_areas: list[str]


class ZybOut(Out):
    bound: bool
    username: str | None


class NoticeSectionOut(Out):
    title: str
    text: str


class PrivacyOut(Out):
    version: str
    controller: str
    contact: str
    sections: list[NoticeSectionOut]
    minor_notice: str
    is_minor: bool


class ExportOut(Out):
    exported_at: str
    privacy_notice_version: str
    member: dict
    tables: dict[str, list[dict]]


class ClosedOut(Out):
    closed: bool
