"""Sign-in and sign-out (签到/签退) with the geofence, time windows and exactly-once effects.

Rules (DESIGN.md, issue 5): sign-in from 30 minutes before the start until the end; the location
must be within the site's fence (converted into the site's coordinate system); one open record per
member and project, so a double tap or a concurrent retry gets the same record (the member row is
locked, and a partial unique index backs it); a member cannot be signed in at two projects at once;
sign-out closes the record as pending, duration = sign-out − sign-in; a record left open is marked
missing sign-out 12 hours after the project's end, never silently counted.
"""
from __future__ import annotations

import datetime as dt
import functools
import logging

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import geo
from models import (
    CoordSystem,
    Enrolment,
    EnrolmentStatus,
    Member,
    Project,
    ProjectStatus,
    RecordStatus,
    ServiceRecord,
    utcnow,
)
from runtime.metrics import SIGNINS
from services.kernel.beijing_time import month_day_time
from services.kernel.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from services.kernel.uow import unit_of_work
from services.volunteering.checkin_values import CheckinResult, Location
from services.volunteering.enrolment import enrolment_of
from services.volunteering.projects import get_project, ineligibility

logger = logging.getLogger(__name__)

SIGNIN_EARLY = dt.timedelta(minutes=30)
MISSING_AFTER = dt.timedelta(hours=12)
RETRY_WINDOW = dt.timedelta(minutes=10)  # a sign-out retried within this answers with the closed record


def fence_decision(project: Project, location: Location) -> geo.FenceDecision:
    if project.site_lat is None or project.site_lng is None:
        raise Conflict("no_site", "该项目尚未设置服务地点，请联系负责人")
    if location.coord_system not in geo.SYSTEMS:
        raise Invalid("coord_system", "坐标系应为 wgs84、gcj02 或 bd09")
    try:
        return geo.decide(location.lat, location.lng, location.coord_system, location.accuracy_m,
                          site_lat=project.site_lat, site_lng=project.site_lng,
                          site_system=project.site_coord_system.value, radius_m=project.site_radius_m)
    except geo.InvalidCoordinates as exc:
        raise Invalid("bad_location", str(exc)) from exc


def _require_inside(decision: geo.FenceDecision) -> None:
    if not decision.valid:
        detail = decision.as_dict()
        raise Invalid("outside_fence", detail.pop("message"), **detail)


# Built once: every sign-out asks (building a statement costs more than running it).
_OPEN_RECORDS = sa.select(ServiceRecord).where(ServiceRecord.member_id == sa.bindparam("member_id"),
                                               ServiceRecord.status == RecordStatus.open)
_OPEN_RECORD = {False: _OPEN_RECORDS.order_by(ServiceRecord.signin_at.desc()),
                True: _OPEN_RECORDS.where(ServiceRecord.project_id == sa.bindparam("project_id"))
                .order_by(ServiceRecord.signin_at.desc())}


def open_record(session: Session, member_id: int, project_id: int | None = None) -> ServiceRecord | None:
    return session.scalars(_OPEN_RECORD[project_id is not None],
                           {"member_id": member_id, "project_id": project_id}).first()


def _check_window(project: Project, now: dt.datetime) -> None:
    if project.status != ProjectStatus.published:
        raise Conflict("not_open", "项目未发布或已结束，不能签到")
    if project.is_long_term:
        return
    if now < project.starts_at - SIGNIN_EARLY:
        raise Invalid("too_early", f"项目 {month_day_time(project.starts_at)} 开始，开始前30分钟内方可签到")
    if now > project.ends_at:
        raise Invalid("ended", f"项目已于 {month_day_time(project.ends_at)} 结束，不能签到")


_OPEN = ServiceRecord.status == RecordStatus.open
_MEMBER, _PROJECT, _KEY = sa.bindparam("member_id"), sa.bindparam("project_id"), sa.bindparam("key")
# The member's row locked (FOR UPDATE; SQLite ignores it and serialises writers itself), on its own: a
# statement that locks and reads in one sees the data of when it began, not what the transaction it
# waited for wrote. Then a sign-in's whole state in one round trip: a record this key already made, the
# record open here, a project signed in to elsewhere, the enrolment. Built once.
_LOCK = sa.select(Member.id).where(Member.id == _MEMBER).with_for_update()
_SIGNIN_STATE = sa.select(
    Member.id,
    sa.select(ServiceRecord.id).where(ServiceRecord.idempotency_key == _KEY).scalar_subquery().label("by_key"),
    sa.select(ServiceRecord.id).where(ServiceRecord.signout_key == _KEY).scalar_subquery().label("signed_out_by_key"),
    sa.select(ServiceRecord.id).where(ServiceRecord.member_id == Member.id, ServiceRecord.project_id == _PROJECT,
                                      _OPEN).limit(1).scalar_subquery().label("here"),
    sa.select(ServiceRecord.project_id)
    .where(ServiceRecord.member_id == Member.id, ServiceRecord.project_id != _PROJECT, _OPEN)
    .limit(1).scalar_subquery().label("elsewhere"),
    sa.select(Enrolment.status).where(Enrolment.project_id == _PROJECT, Enrolment.member_id == Member.id)
    .scalar_subquery().label("enrolment"),
).where(Member.id == _MEMBER)


def _lock_member(session: Session, member_id: int) -> None:
    """Serialises one member's check-ins: concurrent taps queue here instead of racing."""
    if session.execute(_LOCK, {"member_id": member_id}).first() is None:
        raise NotFound("member_not_found", "请先完成实名注册")


def _require_enrolled(session: Session, member: Member, project: Project) -> None:
    enrolment = enrolment_of(session, member.id, project.id)
    if enrolment is not None and enrolment.status == EnrolmentStatus.enrolled:
        return
    if project.is_long_term:
        # Self-directed service: any team member may sign in on any day; the enrolment is implied.
        reason = ineligibility(session, member, project)
        if reason:
            raise Forbidden("not_eligible", reason)
        if enrolment is None:
            session.add(Enrolment(project_id=project.id, member_id=member.id))
        else:
            enrolment.status, enrolment.withdrawn_at = EnrolmentStatus.enrolled, None
        return
    if enrolment is not None and enrolment.status == EnrolmentStatus.waitlisted:
        raise Forbidden("waitlisted", "你在候补名单中，尚未获得名额，不能签到")
    raise Forbidden("not_enrolled", "请先报名该项目再签到")


def _point(record: ServiceRecord, prefix: str, location: Location, decision: geo.FenceDecision) -> None:
    setattr(record, f"{prefix}_lat", location.lat)
    setattr(record, f"{prefix}_lng", location.lng)
    setattr(record, f"{prefix}_coord_system", CoordSystem(location.coord_system))
    setattr(record, f"{prefix}_accuracy_m", decision.accuracy_m)
    setattr(record, f"{prefix}_distance_m", decision.distance_m)


def _by_key(session: Session, key: str | None, column=ServiceRecord.idempotency_key) -> ServiceRecord | None:
    """The record a message made: its sign-in (``idempotency_key``) or its sign-out (``signout_key``)."""
    if not key:
        return None
    return session.scalar(sa.select(ServiceRecord).where(column == key))


def _counted(action: str):
    """Sign-ins and sign-outs by result in /metrics: done, repeat (a retry answered with the record) or
    the refusal's code."""
    def wrap(fn):
        @functools.wraps(fn)
        def counted(*args, **kwargs):
            try:
                result = fn(*args, **kwargs)
            except DomainError as err:
                SIGNINS.labels(action, err.code).inc()
                raise
            SIGNINS.labels(action, "done" if result.created else "repeat").inc()
            return result
        return counted
    return wrap


@_counted("signin")
def sign_in(session: Session, member_id: int, project_id: int, location: Location, *, now: dt.datetime | None = None,
            key: str | None = None, source: str = "api") -> CheckinResult:
    """Round trips: the project (usually in the session already), the member's lock, the state, the
    INSERT, the COMMIT; every check in between runs on what they brought."""
    now = now or utcnow()
    try:
        with unit_of_work(session):
            project = get_project(session, project_id)
            _lock_member(session, member_id)
            state = session.execute(_SIGNIN_STATE, {"member_id": member_id, "project_id": project.id,
                                                    "key": key}).one()
            if state.signed_out_by_key is not None:  # this message signed out already (a WeChat retry)
                return CheckinResult.of("signout", session.get(ServiceRecord, state.signed_out_by_key), False, None)
            if state.by_key is not None or state.here is not None:
                return CheckinResult.of("signin", session.get(ServiceRecord, state.by_key or state.here), False, None)
            if state.elsewhere is not None:  # rare: the other project is read for the refusal only
                other = session.get(Project, state.elsewhere)
                raise Conflict("signed_in_elsewhere", f"你在「{other.title}」的签到还未签退，请先签退再签到新的项目",
                               project_code=other.code)
            _check_window(project, now)
            if state.enrolment != EnrolmentStatus.enrolled:
                _require_enrolled(session, session.get(Member, member_id), project)
            decision = fence_decision(project, location)
            _require_inside(decision)
            record = ServiceRecord(project_id=project.id, member_id=member_id, status=RecordStatus.open,
                                   signin_at=now, source=source, idempotency_key=key)
            _point(record, "signin", location, decision)
            session.add(record)
            session.flush()
            return CheckinResult.of("signin", record, True, decision, project)
    except IntegrityError:
        again = open_record(session, member_id, project_id) or _by_key(session, key)
        if again is None:
            raise
        return CheckinResult.of("signin", again, False, None)


@_counted("signout")
def sign_out(session: Session, member_id: int, project_id: int, location: Location, *,
             now: dt.datetime | None = None, key: str | None = None, source: str = "api") -> CheckinResult:
    with unit_of_work(session):
        project = get_project(session, project_id)
        _lock_member(session, member_id)
        # The time is read once the member's lock is held: a sign-in that held it meanwhile has a later
        # time than one read before waiting, and a sign-out before its sign-in breaks the record's check.
        now = now or utcnow()
        done = _by_key(session, key, ServiceRecord.signout_key)
        if done is not None:
            return CheckinResult.of("signout", done, False, None)
        record = open_record(session, member_id, project.id)
        if record is None:
            recent = session.scalar(sa.select(ServiceRecord).where(
                ServiceRecord.member_id == member_id, ServiceRecord.project_id == project.id,
                ServiceRecord.signout_at >= now - RETRY_WINDOW).order_by(ServiceRecord.signout_at.desc()).limit(1))
            if recent is not None:
                return CheckinResult.of("signout", recent, False, None)
            raise NotFound("not_signed_in", "你还没有在该项目签到")
        deadline = (record.signin_at if project.is_long_term else project.ends_at) + MISSING_AFTER
        if now > deadline:
            raise Conflict("signout_too_late", "签退已超时，请向负责人申请更正服务时间")
        decision = fence_decision(project, location)
        _require_inside(decision)
        record.signout_at, record.signout_key = now, key
        _point(record, "signout", location, decision)
        record.duration_minutes = max(0, int((now - record.signin_at).total_seconds() // 60))
        record.status = RecordStatus.pending
        if source != record.source:
            record.source = f"{record.source}/{source}"[:20]
        return CheckinResult.of("signout", record, True, decision, project)


def toggle(session: Session, member_id: int, project_id: int, location: Location, *,
           now: dt.datetime | None = None, key: str | None = None, source: str = "api") -> CheckinResult:
    """One action for a scan: sign out when signed in here, otherwise sign in. A repeated delivery is
    what the first one did, decided by the message's key in the database (the sign-in and the sign-out
    each keep theirs), never by the state it left: the scan that signed in is that sign-in again, the
    one that signed out that sign-out again (sign_in answers with it too, under the member's lock, when
    the state was read before the first delivery committed)."""
    if open_record(session, member_id, project_id) is not None and _by_key(session, key) is None:
        return sign_out(session, member_id, project_id, location, now=now, key=key, source=source)
    return sign_in(session, member_id, project_id, location, now=now, key=key, source=source)


def project_on_now(session: Session, member_id: int, *, now: dt.datetime | None = None,
                   location: Location | None = None) -> Project | None:
    """The project a bare "签到/签退" or a location message means: the one signed in to, else the
    enrolled project under way (nearest site first), else the community team's long-term project."""
    from services.organisations.teams import active_community_membership

    now = now or utcnow()
    current = open_record(session, member_id)
    if current is not None:
        return current.project
    running = list(session.scalars(sa.select(Project).join(Enrolment, Enrolment.project_id == Project.id).where(
        Enrolment.member_id == member_id, Enrolment.status == EnrolmentStatus.enrolled,
        Project.status == ProjectStatus.published, Project.is_long_term.is_(False),
        Project.starts_at <= now + SIGNIN_EARLY, Project.ends_at >= now)))
    if running and location is not None and len(running) > 1:
        def distance(project: Project) -> float:
            try:
                return fence_decision(project, location).distance_m
            except (Invalid, Conflict):
                return float("inf")

        running.sort(key=distance)
    if running:
        return running[0]
    membership = active_community_membership(session, member_id)
    if membership is None:
        return None
    return session.scalar(sa.select(Project).where(Project.team_id == membership.team_id, Project.is_long_term))
