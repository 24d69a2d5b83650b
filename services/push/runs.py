"""Pushing a project's link to its members as WeChat template messages, exactly once per member.

Who got what lives in ``push_deliveries``: one row per (project, member) under a unique constraint,
created by INSERT … ON CONFLICT DO NOTHING, so planning twice adds nobody twice. A job sends a row
only after winning a conditional UPDATE pending → sending (committed before the request leaves), so
two jobs running at once, or a job re-run, never send the same row twice. A row left in ``sending``
by a dead job (its claim older than PUSH_CLAIM_LEASE) and a request WeChat did not answer in time
become ``unknown``: maybe delivered, so never resent by themselves (the console offers to resend
them), and so does an HTTP 5xx (WeChat may have taken the message before failing). Only what is
certain not to have reached WeChat (-1 "system busy", connection refused) is retried with backoff;
43004 (not following) is final; 45009 (daily quota) pauses the run until after
midnight, Beijing time; a refused access token is refreshed once by the client.

The job body is ``services.push.execution.run``; ``jobs.push`` puts it on RQ (or runs it inline without Redis),
registered by the app as its push queue (``queue_run``).
"""
from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from models import (
    Audience,
    DeliveryStatus,
    Member,
    Organization,
    Project,
    ProjectStatus,
    PushDelivery,
    PushRun,
    PushState,
    Team,
    TeamMembership,
    WechatFollower,
    utcnow,
)
from services.kernel.beijing_time import BEIJING
from services.kernel.errors import Conflict
from services.kernel.uow import audit, unit_of_work
from services.organisations import orgs
from services.organisations.pairing import paired_department_ids
from services.organisations.teams import in_team
from services.push import channels, subscriptions
from services.push.sending import apply_final_word
from services.volunteering import projects

logger = logging.getLogger(__name__)

KEYWORD_LIMIT = 20  # since 2023 WeChat cuts every template keyword value at 20 characters

# ---- who and what -----------------------------------------------------------------------------

def recipient_filter(session: Session, project: Project) -> sa.ColumnElement[bool]:
    """Who hears of a project: its team's members (a department team: the department's branches) and,
    for a street, the members of its paired departments; a project limited to paired departments
    goes to those only. Only members bound to an openid that has not unfollowed the account can be
    reached (an unfollowed member stays bound, but WeChat would refuse the message with 43004)."""
    team = project.team
    department_ids: list[int] = []
    if team.org.kind in orgs.STREET_KINDS:
        department_ids = paired_department_ids(session, team.org_id)
    own: list[sa.ColumnElement[bool]] = []
    if project.audience != Audience.paired:
        own.append(in_team(session, team))
    if department_ids:
        paths = list(session.scalars(sa.select(Organization.path).where(Organization.id.in_(department_ids))))
        own.append(Member.branch_id.in_(sa.select(Organization.id).where(
            sa.or_(*(Organization.path.startswith(p, autoescape=True) for p in paths)))))
    unfollowed = sa.select(WechatFollower.openid).where(WechatFollower.subscribed.is_(False))
    return sa.and_(Member.openid.is_not(None), Member.openid.not_in(unfollowed), sa.or_(*own) if own else sa.false())


def keyword_value(text: str | None) -> str:
    """A template keyword value as WeChat accepts it since 2023: one line, at most 20 characters."""
    value = re.sub(r"\s+", " ", re.sub(r"[\x00-\x1f\x7f]", " ", text or "")).strip()
    if not value:
        return "—"
    return value if len(value) <= KEYWORD_LIMIT else value[:KEYWORD_LIMIT - 1] + "…"


def _when(project: Project) -> str:
    """The start, as WeChat's ``time`` keywords read ("2026年11月28日 09:00"): a range would not fit in 20."""
    if project.is_long_term or project.starts_at is None:
        return "长期（自主安排）"
    return project.starts_at.astimezone(BEIJING).strftime("%Y年%m月%d日 %H:%M")


def project_link(project: Project) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL']}/m/projects/{project.code}"


def message_for(project: Project, channel: channels.Channel | None = None) -> dict:
    """The message for a project on the configured channel (without the recipient); Invalid when a
    subscription notice's field breaks WeChat's rule for its type."""
    config = current_app.config
    team = project.team
    sources = {
        "title": project.title,
        "time": _when(project),
        "site": project.site_name or project.site_address or team.name,
        "team": team.name,
        "contact": " ".join(filter(None, [team.contact_name, team.contact_phone])),
    }
    values = {keyword: keyword_value(sources[source]) for keyword, source in config["PUSH_TEMPLATE_FIELDS"].items()}
    mini_program = None
    if config.get("PUSH_MINIPROGRAM_PAGEPATH"):
        mini_program = {"appid": config["WECHAT_MINIPROGRAM_APP_ID"],
                        "pagepath": config["PUSH_MINIPROGRAM_PAGEPATH"].format(code=project.code)}
    return channels.build(channel or channels.current(), values, project_link(project), mini_program)


# ---- asking for a push -------------------------------------------------------------------------

def _active_run(session: Session, project_id: int) -> PushRun | None:
    """A run that is queued or running and still alive (a stalled one is taken over by a new run)."""
    lease = dt.timedelta(seconds=current_app.config["PUSH_CLAIM_LEASE"])
    run = session.scalar(sa.select(PushRun).where(
        PushRun.project_id == project_id, PushRun.state.in_([PushState.queued, PushState.running]))
        .order_by(PushRun.id.desc()).limit(1))
    if run is None:
        return None
    alive_since = run.heartbeat_at or run.created_at
    return run if alive_since > utcnow() - lease else None


def request_push(session: Session, project_id: int, *, actor_org_id: int | None = None,
                 resend_unknown: bool = False, enqueue: bool = True) -> PushRun:
    """Queue a push of a published project. ``actor_org_id`` None: the CLI (an operator).
    Asking again while a run is alive returns that run; asking after a run finished sends to whoever
    has no delivery yet (new members) and retries what certainly did not reach WeChat."""
    with unit_of_work(session):
        project = projects.get_project(session, project_id)
        if actor_org_id is not None:
            projects.require_manager(session, actor_org_id, project.team)
        if project.status != ProjectStatus.published:
            raise Conflict("not_published", "只有已发布、未结束的项目可以推送")
        channel = channels.current()
        if not channel.template_id:
            setting = "PUSH_SUBSCRIBE_TEMPLATE_ID" if channel.name == channels.SUBSCRIBE else "PUSH_TEMPLATE_ID"
            raise Conflict("push_not_configured", f"未配置{channel.label}模板（{setting}），无法推送")
        message_for(project, channel)  # a field WeChat would refuse is said now, before anything is sent
        active = _active_run(session, project.id)
        if active is not None and not resend_unknown:
            return active
        retry = [DeliveryStatus.failed]
        if resend_unknown:
            retry.append(DeliveryStatus.unknown)
        session.execute(sa.update(PushDelivery).where(
            PushDelivery.project_id == project.id, PushDelivery.status.in_(retry),
            sa.or_(PushDelivery.errcode.is_(None), PushDelivery.errcode.in_([-1, 45009, subscriptions.NOT_SUBSCRIBED]),
                   PushDelivery.status == DeliveryStatus.unknown))
            .values(status=DeliveryStatus.pending, updated_at=utcnow()))
        run = PushRun(project_id=project.id, requested_by_org_id=actor_org_id)
        session.add(run)
        session.flush()
        audit(session, ("org", actor_org_id), "project.push", ("project", project.id), run=run.id,
              resend_unknown=resend_unknown)
    if enqueue:
        queue_run(run.id)
    return run


def publish_and_push(session: Session, actor_org_id: int, project_id: int) -> Project:
    """发布 from the console or the mini-program: the project goes live and, with PUSH_ON_PUBLISH and a
    template configured, its link is pushed to the members at once (DESIGN.md: publishing makes a link;
    the coordinator pushes it)."""
    project = projects.publish_project(session, actor_org_id, project_id)
    if current_app.config.get("PUSH_ON_PUBLISH") and current_app.config.get("PUSH_TEMPLATE_ID"):
        request_push(session, project.id, actor_org_id=actor_org_id)
    return project


def queue_run(run_id: int, *, at: dt.datetime | None = None) -> None:
    """Hand a run to the push queue the app was given (jobs.push: RQ, or inline without Redis)."""
    current_app.extensions["push_queue"](run_id, at=at)


def recover(session: Session, *, now: dt.datetime | None = None) -> list[int]:
    """Runs a worker should take up: queued or running ones whose job stopped beating (a killed
    worker, a lost queue) and paused ones whose quota day is over. Re-queued here."""
    now = now or utcnow()
    stale = now - dt.timedelta(seconds=current_app.config["PUSH_CLAIM_LEASE"])
    ids = list(session.scalars(sa.select(PushRun.id).where(sa.or_(
        sa.and_(PushRun.state.in_([PushState.queued, PushState.running]),
                sa.func.coalesce(PushRun.heartbeat_at, PushRun.created_at) < stale),
        sa.and_(PushRun.state == PushState.paused, PushRun.resume_after <= now))).order_by(PushRun.id)))
    session.rollback()
    for run_id in ids:
        queue_run(run_id)
    return ids


# ---- what the console shows ----------------------------------------------------------------------

@dataclass
class Progress:
    run: PushRun | None
    counts: dict[str, int]
    reasons: list[tuple[str, str, int]]  # (status, reason, count)
    unreachable: int                     # team members not bound to WeChat: not recipients

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def waiting(self) -> int:
        return self.counts.get("pending", 0) + self.counts.get("sending", 0)


def progress(session: Session, project: Project) -> Progress:
    counts = dict(session.execute(sa.select(PushDelivery.status, sa.func.count()).where(
        PushDelivery.project_id == project.id).group_by(PushDelivery.status)).all())
    counts = {str(getattr(k, "value", k)): v for k, v in counts.items()}
    reasons = [(str(getattr(s, "value", s)), msg or "—", n) for s, msg, n in session.execute(
        sa.select(PushDelivery.status, PushDelivery.errmsg, sa.func.count()).where(
            PushDelivery.project_id == project.id,
            PushDelivery.status.in_([DeliveryStatus.failed, DeliveryStatus.blocked, DeliveryStatus.unknown]))
        .group_by(PushDelivery.status, PushDelivery.errmsg).order_by(sa.func.count().desc())).all()]
    team_members = session.scalar(sa.select(sa.func.count()).select_from(TeamMembership).join(
        Member, Member.id == TeamMembership.member_id).where(
        TeamMembership.team_id == project.team_id, TeamMembership.left_at.is_(None), Member.openid.is_(None)))
    latest = session.scalar(sa.select(PushRun).where(PushRun.project_id == project.id)
                            .order_by(PushRun.id.desc()).limit(1))
    return Progress(latest, counts, reasons, team_members or 0)


def reach(session: Session, project: Project) -> dict[str, int]:
    """How many of the project's recipients each channel can reach: template messages every bound
    follower, subscription notices those who accepted the template (the console shows both)."""
    who = sa.select(Member.openid).where(recipient_filter(session, project)).subquery()
    followers = session.scalar(sa.select(sa.func.count()).select_from(who)) or 0
    template_id = current_app.config.get("PUSH_SUBSCRIBE_TEMPLATE_ID")
    subscribed = session.scalar(sa.select(sa.func.count()).select_from(who).where(
        who.c.openid.in_(subscriptions.accepted(template_id or "")))) or 0
    return {channels.TEMPLATE: followers, channels.SUBSCRIBE: subscribed}


# ---- WeChat's final word -------------------------------------------------------------------------

def record_template_result(session: Session, msgid: str, status: str, openid: str | None = None) -> PushDelivery | None:
    """``status``: success, "failed:user block" or "failed: system failed" as WeChat sends it. A
    message whose send was interrupted (``unknown``, no msgid) is recognised by its openid when it is
    that openid's only unknown delivery: WeChat's event proves it was sent."""
    with unit_of_work(session):
        delivery = session.scalar(sa.select(PushDelivery).where(PushDelivery.msgid == msgid))
        if delivery is None and openid:
            candidates = session.scalars(sa.select(PushDelivery).where(
                PushDelivery.openid == openid, PushDelivery.status == DeliveryStatus.unknown).limit(2)).all()
            if len(candidates) == 1:
                delivery = candidates[0]
                delivery.msgid = msgid
        if delivery is None:
            logger.info("template result for unknown msgid %s", msgid)
            return None
        apply_final_word(delivery, status)
        return delivery


# ---- the console's push history ------------------------------------------------------------------

@dataclass(frozen=True)
class PushedProject:
    project: Project
    runs: int
    last: PushRun
    counts: dict[str, int]  # delivery status → how many

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def history(session: Session, org: Organization, *, limit: int = 100) -> list[PushedProject]:
    """The projects of ``org``'s sub-tree that were pushed, latest push first: how many pushes, the last
    one, and where their messages stand."""
    teams = orgs.subtree_teams(org).with_only_columns(Team.id).order_by(None)
    latest = (sa.select(PushRun.project_id, sa.func.max(PushRun.id).label("last_id"), sa.func.count().label("runs"))
              .join(Project, Project.id == PushRun.project_id).where(Project.team_id.in_(teams))
              .group_by(PushRun.project_id).order_by(sa.func.max(PushRun.id).desc()).limit(limit).subquery())
    found = session.execute(sa.select(Project, PushRun, latest.c.runs).join(latest, latest.c.project_id == Project.id)
                            .join(PushRun, PushRun.id == latest.c.last_id).order_by(PushRun.id.desc())).all()
    counts: dict[int, dict[str, int]] = {}
    for project_id, status, n in session.execute(
            sa.select(PushDelivery.project_id, PushDelivery.status, sa.func.count())
            .where(PushDelivery.project_id.in_([project.id for project, _, _ in found]))
            .group_by(PushDelivery.project_id, PushDelivery.status)):
        counts.setdefault(project_id, {})[status.value] = n
    return [PushedProject(project, runs, run, counts.get(project.id, {})) for project, run, runs in found]
