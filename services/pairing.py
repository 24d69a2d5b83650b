"""Pairing (结对) of a university department with a street (seed 000 附件3/4, DESIGN.md).

A department applies with its pairing code to any number of streets of the code's category; a
street accepts first come first served up to its capacity (default 3); once one street accepts,
the department's other applications lapse. Capacity is checked under a row lock on the street, so
concurrent accepts can never exceed it; the partial unique index guarantees one street per department.
"""
from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import Organization, OrgKind, Pairing, PairingCode, PairingStatus, StreetCategory, utcnow
from services import orgs
from services.errors import Conflict, Forbidden, Invalid, NotFound
from services.uow import audit, new_code, unit_of_work

logger = logging.getLogger(__name__)

DEFAULT_CAPACITY = 3
CATEGORY_LABEL = {StreetCategory.urban: "城区", StreetCategory.suburban: "郊区"}


def capacity_of(street: Organization) -> int:
    return street.pairing_capacity or DEFAULT_CAPACITY


def accepted_count(session: Session, street_id: int) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(Pairing).where(
        Pairing.street_id == street_id, Pairing.status == PairingStatus.accepted)) or 0


def issue_codes(session: Session, city_id: int, university_id: int, category: StreetCategory | str,
                count: int) -> list[str]:
    """The city hands pairing codes of one category down to a university."""
    if not 1 <= count <= 200:
        raise Invalid("code_count", "一次可下发1至200个结对码")
    with unit_of_work(session):
        city, university = orgs.get_org(session, city_id), orgs.get_org(session, university_id)
        if city.kind != OrgKind.city or university.kind != OrgKind.university:
            raise Forbidden("city_only", "结对码由团市委下发给高校团委")
        codes = [new_code(10) for _ in range(count)]
        session.add_all(PairingCode(code=c, category=StreetCategory(category), issuer_org_id=city.id,
                                    university_id=university.id) for c in codes)
        return codes


def allocate_code(session: Session, university_id: int, code: str, department_id: int) -> PairingCode:
    with unit_of_work(session):
        row = session.scalar(sa.select(PairingCode).where(PairingCode.code == code.strip().upper(),
                                                          PairingCode.university_id == university_id))
        if row is None:
            raise NotFound("pairing_code_not_found", "结对码不存在")
        department = orgs.get_org(session, department_id)
        if department.kind != OrgKind.department or department.parent_id != university_id:
            raise Invalid("not_department", "结对码只能分配给本校院系团委")
        if row.department_id not in (None, department.id):
            raise Conflict("pairing_code_allocated", "该结对码已分配给其他院系")
        if session.scalar(sa.select(PairingCode.id).where(PairingCode.department_id == department.id,
                                                          PairingCode.id != row.id)):
            raise Conflict("department_has_code", "该院系已分配结对码")
        row.department_id, row.allocated_at = department.id, row.allocated_at or utcnow()
        return row


def _accepted_for(session: Session, department_id: int) -> Pairing | None:
    return session.scalar(sa.select(Pairing).where(Pairing.department_id == department_id,
                                                   Pairing.status == PairingStatus.accepted))


def apply(session: Session, department_id: int, street_id: int, code: str) -> Pairing:
    try:
        with unit_of_work(session):
            department, street = orgs.get_org(session, department_id), orgs.get_org(session, street_id)
            if department.kind != OrgKind.department:
                raise Forbidden("department_only", "只有院系团委可以申请结对")
            if street.kind not in orgs.STREET_KINDS:
                raise Invalid("not_street", "只能向街道（乡镇）团组织申请结对")
            row = session.scalar(sa.select(PairingCode).where(PairingCode.code == (code or "").strip().upper()))
            if row is None or row.department_id != department.id:
                raise Invalid("pairing_code_invalid", "结对码无效：请使用本校分配给本院系的申请结对码")
            if row.category != street.category:
                raise Invalid("pairing_category",
                              f"该结对码只能申请{CATEGORY_LABEL[row.category]}街道（乡镇）")
            current = _accepted_for(session, department.id)
            if current is not None:
                raise Conflict("already_paired", f"本院系已与「{current.street.name}」结对")
            existing = session.scalar(sa.select(Pairing).where(
                Pairing.department_id == department.id, Pairing.street_id == street.id,
                Pairing.status == PairingStatus.pending))
            if existing is not None:
                return existing
            if accepted_count(session, street.id) >= capacity_of(street):
                raise Conflict("street_full", f"「{street.name}」结对名额已满，请选择其他街道（乡镇）")
            pairing = Pairing(department_id=department.id, street_id=street.id, code_id=row.id)
            session.add(pairing)
            audit(session, ("org", department.id), "pairing.apply", ("org", street.id))
            session.flush()
            return pairing
    except IntegrityError as exc:
        raise Conflict("pairing_pending", "已向该街道（乡镇）提交申请") from exc


def decide(session: Session, street_id: int, pairing_id: int, accept: bool, reason: str | None = None) -> Pairing:
    """Accept or reject. The street row is locked (FOR UPDATE on PostgreSQL; SQLite serialises writers)
    before counting, so two concurrent accepts cannot both see a free place."""
    try:
        with unit_of_work(session):
            street = session.scalar(sa.select(Organization).where(Organization.id == street_id).with_for_update())
            if street is None:
                raise NotFound("org_not_found", "团组织不存在")
            pairing = session.get(Pairing, pairing_id)
            if pairing is None or pairing.street_id != street.id:
                raise NotFound("pairing_not_found", "结对申请不存在")
            if pairing.status != PairingStatus.pending:
                raise Conflict("already_decided", "该申请已处理或已失效")
            pairing.decided_at = utcnow()
            pairing.reason = (reason or "").strip()[:200] or None
            if not accept:
                pairing.status = PairingStatus.rejected
                audit(session, ("org", street.id), "pairing.reject", ("org", pairing.department_id))
                return pairing
            if accepted_count(session, street.id) >= capacity_of(street):
                raise Conflict("street_full", "本街道（乡镇）结对名额已满")
            if _accepted_for(session, pairing.department_id) is not None:
                raise Conflict("already_paired", "该院系已与其他街道（乡镇）结对")
            pairing.status = PairingStatus.accepted
            session.flush()
            # The department's other applications lapse: it has at most one street.
            session.execute(sa.update(Pairing).where(
                Pairing.department_id == pairing.department_id, Pairing.status == PairingStatus.pending,
                Pairing.id != pairing.id).values(status=PairingStatus.lapsed, decided_at=utcnow())
                .execution_options(synchronize_session=False))
            audit(session, ("org", street.id), "pairing.accept", ("org", pairing.department_id))
            return pairing
    except IntegrityError as exc:
        raise Conflict("already_paired", "该院系已与其他街道（乡镇）结对") from exc


def dissolve(session: Session, actor_org_id: int, pairing_id: int, reason: str | None = None) -> Pairing:
    """The street (or an organisation above it) dissolves a pair; the place becomes free again."""
    with unit_of_work(session):
        pairing = session.get(Pairing, pairing_id)
        if pairing is None or pairing.status != PairingStatus.accepted:
            raise NotFound("pairing_not_found", "没有该结对关系")
        if not orgs.is_within(session, pairing.street_id, actor_org_id):
            raise Forbidden("not_your_street", "只能解除本街道（乡镇）的结对")
        pairing.status, pairing.dissolved_at = PairingStatus.dissolved, utcnow()
        pairing.reason = (reason or "").strip()[:200] or pairing.reason
        audit(session, ("org", actor_org_id), "pairing.dissolve", ("org", pairing.department_id))
        return pairing


def set_capacity(session: Session, actor_org_id: int, street_id: int, capacity: int) -> Organization:
    if not 1 <= capacity <= 50:
        raise Invalid("capacity", "结对名额应为1至50")
    with unit_of_work(session):
        # The same street lock as ``decide``: otherwise accepts racing a cut read a count that is gone.
        session.scalar(sa.select(Organization.id).where(Organization.id == street_id).with_for_update())
        street = orgs.require_within(session, street_id, actor_org_id)
        if street.kind not in orgs.STREET_KINDS:
            raise Invalid("not_street", "只有街道（乡镇）有结对名额")
        if capacity < accepted_count(session, street.id):
            raise Conflict("capacity_below_pairs", "名额不能少于已结对的院系数")
        street.pairing_capacity = capacity
        return street


def paired_department_ids(session: Session, street_id: int) -> list[int]:
    return list(session.scalars(sa.select(Pairing.department_id).where(
        Pairing.street_id == street_id, Pairing.status == PairingStatus.accepted)))


def department_code(session: Session, department_id: int) -> PairingCode | None:
    return session.scalar(sa.select(PairingCode).where(PairingCode.department_id == department_id))


def open_streets(session: Session, category: StreetCategory, q: str = "", limit: int = 50) -> list[tuple[Organization, int]]:
    """Streets (towns) of a category with a free place, and how many places they have used."""
    used = (sa.select(Pairing.street_id, sa.func.count().label("used")).where(Pairing.status == PairingStatus.accepted)
            .group_by(Pairing.street_id).subquery())
    taken = sa.func.coalesce(used.c.used, 0)
    query = (sa.select(Organization, taken).outerjoin(used, used.c.street_id == Organization.id)
             .where(Organization.kind.in_(orgs.STREET_KINDS), Organization.category == category,
                    taken < sa.func.coalesce(Organization.pairing_capacity, DEFAULT_CAPACITY))
             .order_by(Organization.name).limit(limit))
    if q.strip():
        query = query.where(Organization.name.contains(q.strip(), autoescape=True))
    return [(street, int(count)) for street, count in session.execute(query)]


def of_department(session: Session, department_id: int) -> list[Pairing]:
    return list(session.scalars(sa.select(Pairing).where(Pairing.department_id == department_id)
                                .order_by(Pairing.created_at.desc())))


def of_street(session: Session, street_id: int) -> list[Pairing]:
    return list(session.scalars(sa.select(Pairing).where(
        Pairing.street_id == street_id, Pairing.status.in_([PairingStatus.pending, PairingStatus.accepted]))
        .order_by(Pairing.status, Pairing.created_at)))


def university_codes(session: Session, university_id: int) -> list[PairingCode]:
    return list(session.scalars(sa.select(PairingCode).where(PairingCode.university_id == university_id)
                                .order_by(PairingCode.department_id.is_not(None), PairingCode.id)))
