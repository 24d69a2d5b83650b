"""Pairing (结对) of a university department with a street (seed 001 三（三）, which is the more specific
notice for universities where it differs from 000 附件3/4).

A department enters the pairing code its university allocated to it and pairs with a street of the
code's category at once, first come first served: an urban street takes at most 5 departments, a
suburban one 3 (the city may lower a street's cap, never raise it past its category's, never below
its current pairs). Both sides then confirm the offline pairing within three days (the pairing day
not counted, Beijing dates, as periods are counted in 民法典 第二百零一条), or the pairing lapses and
its place is free again (``lapse_overdue``, run by the scheduler). A department has one street; a
street may dissolve a pair.

Race safety: every change of a street's pairs or cap takes the street's row lock first (FOR UPDATE
on PostgreSQL; SQLite serialises writers), so the count it checks is the count it changes; the
partial unique index on accepted pairings guarantees one street per department.
"""
from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import Organization, OrgKind, Pairing, PairingCode, PairingStatus, StreetCategory, utcnow
from services.kernel import text_bounds
from services.kernel.beijing_time import BEIJING, day_start
from services.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from services.kernel.uow import audit, new_code, normalise_code, unit_of_work
from services.organisations import orgs

logger = logging.getLogger(__name__)

CATEGORY_CAP = {StreetCategory.urban: 5, StreetCategory.suburban: 3}
FALLBACK_CAP = 3  # a street whose category is not yet set
OFFLINE_DAYS = 3
CATEGORY_LABEL = {StreetCategory.urban: "城区", StreetCategory.suburban: "郊区"}
LAPSE_REASON = "未在三日内完成线下结对"


def category_cap(street: Organization) -> int:
    return CATEGORY_CAP.get(street.category, FALLBACK_CAP)


def capacity_of(street: Organization) -> int:
    """The street's own cap where the city lowered it, else its category's."""
    return min(street.pairing_capacity or category_cap(street), category_cap(street))


def offline_due(paired_at: dt.datetime) -> dt.datetime:
    """The end of the third Beijing day after the pairing day (that day itself not counted)."""
    return day_start(paired_at.astimezone(BEIJING).date() + dt.timedelta(days=OFFLINE_DAYS + 1))


def accepted_count(session: Session, street_id: int) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(Pairing).where(
        Pairing.street_id == street_id, Pairing.status == PairingStatus.accepted)) or 0


def _locked_street(session: Session, street_id: int) -> Organization:
    street = session.scalar(sa.select(Organization).where(Organization.id == street_id).with_for_update())
    if street is None:
        raise NotFound("org_not_found", "团组织不存在")
    if street.kind not in orgs.STREET_KINDS:
        raise Invalid("not_street", "只能与街道（乡镇）团组织结对")
    return street


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
        row = session.scalar(sa.select(PairingCode).where(PairingCode.code == normalise_code(code),
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


def pair(session: Session, department_id: int, street_id: int, code: str, *, now: dt.datetime | None = None) -> Pairing:
    """线上结对: at once when the street has a free place, strictly in order of arrival (the street's
    lock orders concurrent departments)."""
    now = now or utcnow()
    try:
        with unit_of_work(session):
            department = orgs.get_org(session, department_id)
            if department.kind != OrgKind.department:
                raise Forbidden("department_only", "只有院系团委可以结对")
            street = _locked_street(session, street_id)
            row = session.scalar(sa.select(PairingCode).where(PairingCode.code == normalise_code(code)))
            if row is None or row.department_id != department.id:
                raise Invalid("pairing_code_invalid", "结对码无效：请使用本校分配给本院系的申请结对码")
            if row.category != street.category:
                raise Invalid("pairing_category", f"该结对码只能与{CATEGORY_LABEL[row.category]}街道（乡镇）结对")
            current = _accepted_for(session, department.id)
            if current is not None:
                raise Conflict("already_paired", f"本院系已与「{current.street.name}」结对")
            if accepted_count(session, street.id) >= capacity_of(street):
                raise Conflict("street_full", f"「{street.name}」结对名额已满，请选择其他街道（乡镇）")
            pairing = Pairing(department_id=department.id, street_id=street.id, code_id=row.id,
                              status=PairingStatus.accepted, decided_at=now, offline_due_at=offline_due(now))
            session.add(pairing)
            session.flush()
            audit(session, ("org", department.id), "pairing.pair", ("org", street.id))
            return pairing
    except IntegrityError as exc:
        raise Conflict("already_paired", "本院系已与其他街道（乡镇）结对") from exc


def confirm_offline(session: Session, actor_org_id: int, pairing_id: int, *, now: dt.datetime | None = None) -> Pairing:
    """One side confirms the offline pairing (the department's side: the department or its university;
    the street's: the street or an organisation above it). Both confirmed, the pair is settled."""
    now = now or utcnow()
    with unit_of_work(session):
        pairing = session.get(Pairing, pairing_id, with_for_update=True)
        if pairing is None or pairing.status != PairingStatus.accepted:
            raise NotFound("pairing_not_found", "没有该结对关系，或结对已失效")
        side = ("department" if orgs.is_within(session, pairing.department_id, actor_org_id)
                and orgs.get_org(session, actor_org_id).kind in (OrgKind.department, OrgKind.university)
                else "street" if orgs.is_within(session, pairing.street_id, actor_org_id) else None)
        if side is None:
            raise Forbidden("not_your_pairing", "只能确认本组织的结对")
        if pairing.offline_due_at is not None and now >= pairing.offline_due_at and not pairing.settled:
            raise Conflict("offline_overdue", "已超过三日，线上结对已失效，请重新结对")
        column = "department_confirmed_at" if side == "department" else "street_confirmed_at"
        if getattr(pairing, column) is None:
            setattr(pairing, column, now)
            audit(session, ("org", actor_org_id), "pairing.confirm_offline", ("org", pairing.department_id), side=side)
        return pairing


def lapse_overdue(session: Session, *, now: dt.datetime | None = None) -> int:
    """Pairings not confirmed by both sides by their due time lapse and free their places."""
    now = now or utcnow()
    unsettled = sa.or_(Pairing.department_confirmed_at.is_(None), Pairing.street_confirmed_at.is_(None))
    with unit_of_work(session):
        overdue = list(session.scalars(sa.select(Pairing).where(
            Pairing.status == PairingStatus.accepted, Pairing.offline_due_at <= now, unsettled).with_for_update()))
        for pairing in overdue:
            pairing.status, pairing.reason = PairingStatus.lapsed, LAPSE_REASON
            audit(session, ("system", None), "pairing.lapse", ("org", pairing.department_id), street=pairing.street_id)
    if overdue:
        logger.info("%d pairings lapsed: offline pairing not confirmed in %d days", len(overdue), OFFLINE_DAYS)
    return len(overdue)


def dissolve(session: Session, actor_org_id: int, pairing_id: int, reason: str | None = None) -> Pairing:
    """The street (or an organisation above it) dissolves a pair, saying why; the place becomes free again."""
    with unit_of_work(session):
        pairing = session.get(Pairing, pairing_id)
        if pairing is None or pairing.status != PairingStatus.accepted:
            raise NotFound("pairing_not_found", "没有该结对关系")
        if not orgs.is_within(session, pairing.street_id, actor_org_id):
            raise Forbidden("not_your_street", "只能解除本街道（乡镇）的结对")
        # the department sees it beside the pair; its members stop counting as reported here
        reason = text_bounds.note(reason, required="解除结对须填写理由（院系会看到）")
        pairing.status, pairing.dissolved_at, pairing.reason = PairingStatus.dissolved, utcnow(), reason
        audit(session, ("org", actor_org_id), "pairing.dissolve", ("org", pairing.department_id))
        return pairing


def set_capacity(session: Session, actor_org_id: int, street_id: int, capacity: int | None) -> Organization:
    """The city lowers a street's cap (None: back to its category's)."""
    with unit_of_work(session):
        street = _locked_street(session, street_id)  # the lock ``pair`` takes: no pairing slips past a cut
        actor = orgs.get_org(session, actor_org_id)
        if actor.kind != OrgKind.city or not orgs.is_within(session, street.id, actor.id):
            raise Forbidden("city_only", "街道（乡镇）的结对名额由团市委设置")
        most = category_cap(street)
        if capacity is not None and not 1 <= capacity <= most:
            raise Invalid("capacity", f"{CATEGORY_LABEL.get(street.category, '')}街道（乡镇）的结对名额应为1至{most}")
        if capacity is not None and capacity < accepted_count(session, street.id):
            raise Conflict("capacity_below_pairs", "名额不能少于已结对的院系数")
        street.pairing_capacity = capacity
        audit(session, ("org", actor.id), "pairing.capacity", ("org", street.id), capacity=capacity)
        return street


def paired_department_ids(session: Session, street_id: int) -> list[int]:
    return list(session.scalars(sa.select(Pairing.department_id).where(
        Pairing.street_id == street_id, Pairing.status == PairingStatus.accepted)))


def paired_departments(session: Session, street_id: int) -> list[Organization]:
    return list(session.scalars(sa.select(Organization).where(Organization.id.in_(
        paired_department_ids(session, street_id))).order_by(Organization.name)))


def department_code(session: Session, department_id: int) -> PairingCode | None:
    return session.scalar(sa.select(PairingCode).where(PairingCode.department_id == department_id))


def open_streets(session: Session, category: StreetCategory, q: str = "", limit: int = 50) -> list[tuple[Organization, int]]:
    """Streets (towns) of a category with a free place, and how many places they have used."""
    used = (sa.select(Pairing.street_id, sa.func.count().label("used")).where(Pairing.status == PairingStatus.accepted)
            .group_by(Pairing.street_id).subquery())
    taken = sa.func.coalesce(used.c.used, 0)
    query = (sa.select(Organization, taken).outerjoin(used, used.c.street_id == Organization.id)
             .where(Organization.kind.in_(orgs.STREET_KINDS), Organization.category == category,
                    taken < sa.func.coalesce(Organization.pairing_capacity, CATEGORY_CAP[category]))
             .order_by(Organization.name).limit(limit))
    if q.strip():
        query = query.where(Organization.name.contains(q.strip(), autoescape=True))
    return [(street, int(count)) for street, count in session.execute(query)]


def of_department(session: Session, department_id: int) -> list[Pairing]:
    return list(session.scalars(sa.select(Pairing).where(Pairing.department_id == department_id)
                                .order_by(Pairing.created_at.desc())))


def of_street(session: Session, street_id: int) -> list[Pairing]:
    return list(session.scalars(sa.select(Pairing).where(
        Pairing.street_id == street_id, Pairing.status == PairingStatus.accepted).order_by(Pairing.created_at)))


def streets_with_caps(session: Session, city: Organization) -> list[tuple[Organization, int, int]]:
    """The city's streets (towns) with their pairs and caps, for setting the caps."""
    used = (sa.select(Pairing.street_id, sa.func.count().label("used")).where(Pairing.status == PairingStatus.accepted)
            .group_by(Pairing.street_id).subquery())
    rows = session.execute(sa.select(Organization, sa.func.coalesce(used.c.used, 0))
                           .outerjoin(used, used.c.street_id == Organization.id)
                           .where(Organization.kind.in_(orgs.STREET_KINDS), orgs.subtree_filter(city))
                           .order_by(Organization.path))
    return [(street, int(count), capacity_of(street)) for street, count in rows]


def university_codes(session: Session, university_id: int) -> list[PairingCode]:
    return list(session.scalars(sa.select(PairingCode).where(PairingCode.university_id == university_id)
                                .order_by(PairingCode.department_id.is_not(None), PairingCode.id)))
