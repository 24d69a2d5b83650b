"""志愿服务证明: approved service of one member in a period, issued as a snapshot with a code that
anyone holding the paper can check at /verify/<code> (which shows no personal data beyond a masked
name). Only approved records count, as everywhere else; the period is in Beijing dates."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import Certificate, Member, Organization, Project, RecordStatus, ServiceRecord, Team
from services.kernel.beijing_time import BEIJING, beijing_today, days_bounds
from services.kernel.errors import Forbidden, Invalid, NotFound
from services.kernel.uow import audit, new_code, normalise_code, unit_of_work
from services.organisations import orgs
from services.people.members import get_member

MAX_DAYS = 366 * 5


def _code() -> str:
    return "ZM" + new_code(10)


def parse_period(start: str | None, end: str | None) -> tuple[dt.date, dt.date]:
    """The period as typed in a form (YYYY-MM-DD)."""
    try:
        return dt.date.fromisoformat(start or ""), dt.date.fromisoformat(end or "")
    except ValueError:
        raise Invalid("period", "请选择起止日期") from None


def issue(session: Session, member_id: int, start: dt.date, end: dt.date, *, actor_org_id: int | None = None) -> Certificate:
    """For the member themself (``actor_org_id`` None) or for an organisation above their branch or
    one of their teams."""
    if end < start:
        raise Invalid("period", "结束日期不能早于开始日期")
    if end > beijing_today():
        raise Invalid("period", "结束日期不能晚于今天")
    if (end - start).days > MAX_DAYS:
        raise Invalid("period", "证明的时间段最长5年")
    member = get_member(session, member_id) if actor_org_id is None else certifiable(session, member_id, actor_org_id)
    begin, stop = days_bounds(start, end)
    rows = session.execute(
        sa.select(ServiceRecord.signin_at, ServiceRecord.duration_minutes, Project.title, Organization.name)
        .join(Project, ServiceRecord.project_id == Project.id).join(Team, Project.team_id == Team.id)
        .join(Organization, Team.org_id == Organization.id)
        .where(ServiceRecord.member_id == member.id, ServiceRecord.status == RecordStatus.approved,
               ServiceRecord.signin_at >= begin, ServiceRecord.signin_at < stop)
        .order_by(ServiceRecord.signin_at)).all()
    if not rows:
        raise NotFound("no_records", "该时间段内没有已认证的志愿服务记录")
    lines = [{"date": signin.astimezone(BEIJING).date().isoformat(), "project": title, "organisation": org,
              "minutes": int(minutes or 0)} for signin, minutes, title, org in rows]
    organisations = "、".join(dict.fromkeys(line["organisation"] for line in lines))
    for _ in range(5):
        try:
            with unit_of_work(session):
                certificate = Certificate(code=_code(), member_id=member.id, period_start=start, period_end=end,
                                          total_minutes=sum(line["minutes"] for line in lines),
                                          record_count=len(lines), organisations=organisations[:500], lines=lines,
                                          issued_by="member" if actor_org_id is None else f"org:{actor_org_id}")
                session.add(certificate)
                session.flush()
                audit(session, ("member", member.id) if actor_org_id is None else ("org", actor_org_id),
                      "certificate.issue", ("member", member.id), code=certificate.code)
                return certificate
        except IntegrityError:
            continue  # a code collision: draw again
    raise RuntimeError("could not draw a unique certificate code")


def certifiable(session: Session, member_id: int, org_id: int) -> Member:
    """The member, if the organisation may certify their service (else Forbidden)."""
    member = get_member(session, member_id)
    if not may_certify(session, member, org_id):
        raise Forbidden("not_your_member", "只能为本组织及下级组织的团员开具证明")
    return member


def may_certify(session: Session, member: Member, org_id: int) -> bool:
    if member.branch_id is not None and orgs.is_within(session, member.branch_id, org_id):
        return True
    from services.organisations.teams import candidate_team_ids

    team_orgs = session.scalars(sa.select(Team.org_id).where(Team.id.in_(candidate_team_ids(session, member))))
    return any(orgs.is_within(session, team_org, org_id) for team_org in team_orgs)


def get(session: Session, code: str) -> Certificate:
    certificate = session.scalar(sa.select(Certificate).where(Certificate.code == normalise_code(code)))
    if certificate is None:
        raise NotFound("certificate_not_found", "未找到该证明编号，请核对后重试")
    return certificate


def owned(session: Session, code: str, member_id: int) -> Certificate:
    certificate = get(session, code)
    if certificate.member_id != member_id:
        raise NotFound("certificate_not_found", "未找到该证明编号，请核对后重试")
    return certificate


def for_org(session: Session, code: str, org_id: int) -> Certificate:
    """A certificate an organisation may reprint: of one of its members (not only the ones it issued)."""
    certificate = get(session, code)
    if not may_certify(session, get_member(session, certificate.member_id), org_id):
        raise NotFound("certificate_not_found", "未找到该证明编号，请核对后重试")
    return certificate


def verify_url(certificate: Certificate) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL']}/verify/{certificate.code}"


def pdf(session: Session, certificate: Certificate) -> bytes:
    from qr.certificate import CertificateData, render_pdf
    from runtime.extensions import protector
    from runtime.privacy import mask_id_number
    from services.volunteering.hours import hours_text

    member = session.get(Member, certificate.member_id)
    return render_pdf(CertificateData(
        name=member.name, id_number=mask_id_number(protector.decrypt(member.id_number_enc)),
        start=certificate.period_start, end=certificate.period_end,
        total_hours=hours_text(certificate.total_minutes), organisations=certificate.organisations,
        lines=[{**line, "hours": hours_text(line["minutes"])} for line in certificate.lines], code=certificate.code,
        verify_url=verify_url(certificate), issued=certificate.created_at.astimezone(BEIJING).date()))


def masked_name(name: str) -> str:
    return name[0] + "*" * (len(name) - 1) if len(name) > 1 else name
