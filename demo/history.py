"""Demo projects and service records in every state, placed relative to "now".

Written as rows because they are the past: sign-in rules check the current clock.
"""
from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import (
    Audience,
    Enrolment,
    Member,
    Organization,
    Project,
    ProjectStatus,
    ProjectTimekeeper,
    RecordStatus,
    ServiceRecord,
    Team,
    TeamMembership,
)
from services.kernel.uow import new_code, unit_of_work
from services.organisations.teams import team_of_org

H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)


def _project(session: Session, team: Team, title: str, start: dt.datetime | None, hours: float, *,
             status=ProjectStatus.published, audience=Audience.team, capacity: int | None = 30,
             description: str = "") -> Project:
    project = Project(code=new_code(10), team_id=team.id, title=title, description=description, starts_at=start,
                      ends_at=start + hours * H if start else None, capacity=capacity, audience=audience,
                      status=status, published_at=(start - 7 * D) if start and status != ProjectStatus.draft else None,
                      closed_at=(start + hours * H + D) if status == ProjectStatus.closed else None)
    project.copy_site_from(team)
    session.add(project)
    session.flush()
    return project


def _record(session: Session, project: Project, member_id: int, start: dt.datetime, minutes: int | None,
            status: RecordStatus, rng: random.Random) -> None:
    def jitter() -> float:
        return rng.uniform(-0.0006, 0.0006)

    signout = start + dt.timedelta(minutes=minutes) if minutes is not None else None
    decided = status in (RecordStatus.approved, RecordStatus.rejected)
    session.add(ServiceRecord(
        project_id=project.id, member_id=member_id, status=status, signin_at=start,
        signin_lat=project.site_lat + jitter(), signin_lng=project.site_lng + jitter(),
        signin_coord_system=project.site_coord_system, signin_accuracy_m=rng.choice([15, 20, 30, 65]),
        signin_distance_m=round(rng.uniform(5, 120), 1), signout_at=signout,
        signout_lat=project.site_lat + jitter() if signout else None,
        signout_lng=project.site_lng + jitter() if signout else None,
        signout_coord_system=project.site_coord_system if signout else None,
        signout_accuracy_m=rng.choice([15, 20, 30]) if signout else None,
        signout_distance_m=round(rng.uniform(5, 120), 1) if signout else None,
        duration_minutes=minutes, decided_by_org_id=project.team.org_id if decided else None,
        decided_at=(signout + D) if decided and signout else None,
        decision_note="未在服务现场" if status == RecordStatus.rejected else None, source="demo"))


def _members_of(session: Session, team: Team) -> list[int]:
    return list(session.scalars(sa.select(TeamMembership.member_id).where(
        TeamMembership.team_id == team.id, TeamMembership.left_at.is_(None)).order_by(TeamMembership.member_id)))


def _enrol(session: Session, project: Project, member_ids: list[int]) -> None:
    session.add_all(Enrolment(project_id=project.id, member_id=m) for m in member_ids)


def seed_projects_and_records(session: Session, orgs: dict[str, Organization], now: dt.datetime) -> None:
    rng = random.Random(54)
    with unit_of_work(session):
        dfx, hulufa, dhm = (team_of_org(session, orgs[name].id) for name in ("duofuxiang", "hulufa", "donghuamen"))
        # Saturdays at 09:00 Beijing (01:00 UTC), counted back from now.
        saturday = (now - dt.timedelta(days=(now.weekday() - 5) % 7 or 7)).replace(hour=1, minute=0, second=0,
                                                                                   microsecond=0)
        people = _members_of(session, dfx)
        sorting = _project(session, dfx, "垃圾分类桶前值守", saturday, 3,
                           description="协助居民在桶前正确分类投放，宣传垃圾分类知识。")
        _enrol(session, sorting, people[:12])
        states = [RecordStatus.approved] * 6 + [RecordStatus.pending] * 4 + [RecordStatus.rejected]
        for member_id, status in zip(people, states, strict=False):
            _record(session, sorting, member_id, saturday + rng.randint(-10, 10) * dt.timedelta(minutes=1),
                    rng.choice([150, 170, 180, 185]), status, rng)
        # A project on right now: two people signed in and not yet out.
        snow = _project(session, dfx, "冬季扫雪铲冰", now - 2 * H, 4,
                        description="清扫社区主要通道积雪，帮助独居老人出行。")
        _enrol(session, snow, people[:8])
        for member_id in people[:2]:
            _record(session, snow, member_id, now - 90 * dt.timedelta(minutes=1), None, RecordStatus.open, rng)
        meals = _project(session, dfx, "敬老助餐", saturday + 7 * D, 2.5, capacity=10,
                         description="为社区高龄老人送餐上门并陪伴聊天。")
        _enrol(session, meals, people[:10])
        _project(session, dfx, "社区文化墙绘制", saturday + 14 * D, 4, status=ProjectStatus.draft)
        # Self-directed service on the long-term project, a year of it, so some members pass 20 h and ★1.
        long_term = session.scalar(sa.select(Project).where(Project.team_id == dfx.id, Project.is_long_term))
        for member_id in people[:3]:
            for week in range(1, 60):
                _record(session, long_term, member_id, saturday - week * 6 * D, 120, RecordStatus.approved, rng)
        # A village day that ended long ago, one record never signed out.
        villagers = _members_of(session, hulufa)
        clean = _project(session, hulufa, "村庄环境清洁日", saturday - 21 * D, 4, status=ProjectStatus.closed,
                         description="清理村内主干道与沟渠垃圾。")
        _enrol(session, clean, villagers)
        for i, member_id in enumerate(villagers):
            status = RecordStatus.missing_signout if i == 0 else RecordStatus.approved
            _record(session, clean, member_id, saturday - 21 * D, None if i == 0 else 235, status, rng)
        # A street project for paired departments' students, timed by 计算机学院.
        hutong = _project(session, dhm, "胡同环境整治", saturday - 7 * D, 3, audience=Audience.paired, capacity=40,
                          description="与结对院系学生一起清理胡同小广告、整理共享单车。")
        session.add(ProjectTimekeeper(project_id=hutong.id, org_id=orgs["bit_cs"].id))
        students = list(session.scalars(sa.select(Member.id).where(
            Member.branch_id.in_([orgs["bit_cs_b1"].id, orgs["bit_cs_b2"].id])).order_by(Member.id).limit(15)))
        _enrol(session, hutong, students)
        for member_id in students[:10]:
            _record(session, hutong, member_id, saturday - 7 * D, rng.choice([175, 180, 190]),
                    RecordStatus.pending, rng)
