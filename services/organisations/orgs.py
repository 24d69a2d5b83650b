"""Organisation tree: creation, registration codes (注册码) and sub-tree checks.

Seed 002: a superior "生成注册码" N at a time; a new branch registers with one code, its own
username and password. A code is single use, enforced by one conditional UPDATE.
"""
from __future__ import annotations

import logging
import re

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Member, OrgAccount, Organization, OrgKind, RegistrationCode, StreetCategory, Team, utcnow
from services.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from services.kernel.passwords import hash_password
from services.kernel.uow import audit, new_code, normalise_code, unit_of_work
from services.organisations import founding

logger = logging.getLogger(__name__)

K = OrgKind
ALLOWED_CHILDREN: dict[OrgKind, set[OrgKind]] = {
    K.city: {K.district, K.sector, K.industry, K.university, K.school, K.company, K.agency},
    K.district: {K.street, K.town, K.school, K.company, K.agency, K.branch},
    K.sector: {K.university, K.school, K.company, K.agency, K.branch},
    K.industry: {K.company, K.agency, K.branch},
    K.street: {K.community, K.branch},
    K.town: {K.village, K.community, K.branch},
    K.community: {K.branch},
    K.village: {K.branch},
    K.university: {K.department, K.branch},
    K.department: {K.branch},
    K.school: {K.branch},
    K.company: {K.branch},
    K.agency: {K.branch},
    K.branch: set(),
}
STREET_KINDS = {K.street, K.town}
MAX_CODES_PER_BATCH = 500
_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,29}$")


def get_org(session: Session, org_id: int) -> Organization:
    org = session.get(Organization, org_id)
    if org is None:
        raise NotFound("org_not_found", "团组织不存在")
    return org


def children_of(session: Session, org: Organization, kind: OrgKind | None = None, *,
                with_account: bool = False) -> list[Organization]:
    """The organisations directly under ``org`` (of one kind when given), by name."""
    query = sa.select(Organization).where(Organization.parent_id == org.id).order_by(Organization.name)
    if kind is not None:
        query = query.where(Organization.kind == kind)
    if with_account:
        query = query.options(sa.orm.selectinload(Organization.accounts))
    return list(session.scalars(query))


def is_within(session: Session, org_id: int, ancestor_id: int) -> bool:
    """True when ``org_id`` is ``ancestor_id`` or below it."""
    org, ancestor = session.get(Organization, org_id), session.get(Organization, ancestor_id)
    return bool(org and ancestor and org.path.startswith(ancestor.path))


def require_within(session: Session, org_id: int, actor_org_id: int) -> Organization:
    if not is_within(session, org_id, actor_org_id):
        raise Forbidden("outside_subtree", "只能管理本组织及下级组织")
    return get_org(session, org_id)


def path_label(session: Session, org: Organization, *, skip_top: int = 1) -> str:
    """"北京理工大学团委 / 计算机学院团委 / 2024级1班团支部": where an organisation sits, for people
    choosing among similarly named ones (the city at the top is left out)."""
    ids = [int(part) for part in org.path.strip("/").split("/")][skip_top:]
    names = dict(session.execute(sa.select(Organization.id, Organization.name).where(Organization.id.in_(ids))).all())
    return " / ".join(names[i] for i in ids if i in names)


def search_branches(session: Session, q: str, limit: int = 20) -> list[Organization]:
    """团支部 whose own name or whose parent's name contains ``q`` (a class, a department, a company)."""
    parent = sa.orm.aliased(Organization)
    return list(session.scalars(
        sa.select(Organization).outerjoin(parent, Organization.parent_id == parent.id)
        .where(Organization.kind == OrgKind.branch,
               sa.or_(Organization.name.contains(q, autoescape=True), parent.name.contains(q, autoescape=True)))
        .order_by(Organization.name).limit(limit)))


def subtree_filter(ancestor: Organization):
    """A WHERE clause selecting the organisations of ``ancestor``'s whole sub-tree (itself included)."""
    return Organization.path.startswith(ancestor.path, autoescape=True)


def subtree_teams(ancestor: Organization, *, community_only: bool = False) -> sa.Select:
    """The teams of ``ancestor``'s sub-tree, in the tree's order (the console's list, the API's, the
    posters printed for a district)."""
    query = (sa.select(Team).join(Organization, Team.org_id == Organization.id)
             .where(subtree_filter(ancestor)).order_by(Organization.path))
    return query.where(Team.is_community.is_(True)) if community_only else query


def subtree_teams_page(session: Session, ancestor: Organization, q: str, page: int,
                       size: int) -> tuple[list[Team], int]:
    """One page of the sub-tree's teams, by name (``q``: a part of the name), and how many there are."""
    query = subtree_teams(ancestor)
    if q:
        query = query.where(Team.name.contains(q, autoescape=True))
    total = session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    return list(session.scalars(query.limit(size).offset((page - 1) * size))), total


def issued_codes(session: Session, issuer: Organization, limit: int) -> tuple[list[sa.Row], int]:
    """The registration codes an organisation issued, unused first, each with the name of who used it;
    and how many are still unused."""
    used_by = sa.orm.aliased(Organization)
    codes = session.execute(
        sa.select(RegistrationCode, used_by.name).outerjoin(used_by, RegistrationCode.used_by_org_id == used_by.id)
        .where(RegistrationCode.issuer_org_id == issuer.id)
        .order_by(RegistrationCode.used_at.is_not(None), RegistrationCode.revoked_at.is_not(None),
                  RegistrationCode.created_at.desc(), RegistrationCode.id.desc())
        .limit(limit)).all()
    unused = session.scalar(sa.select(sa.func.count()).where(
        RegistrationCode.issuer_org_id == issuer.id, RegistrationCode.used_at.is_(None),
        RegistrationCode.revoked_at.is_(None)))
    return list(codes), unused


def in_subtree(ancestor: Organization) -> sa.ColumnElement[bool]:
    """A member whose branch (or organisation) is in ``ancestor``'s sub-tree, as a condition on the member's
    own row: asked through the ids of the sub-tree's members, a filtered list visited each row twice (a
    district's count of 未注册志愿者: bench/README)."""
    return Member.branch_id.in_(sa.select(Organization.id).where(subtree_filter(ancestor)))


def subtree_member_ids(ancestor: Organization) -> sa.Select:
    """The ids of members whose branch (or organisation) is in ``ancestor``'s sub-tree."""
    return sa.select(Member.id).where(in_subtree(ancestor))


def _create(session: Session, parent: Organization | None, name: str, kind: OrgKind,
            category: StreetCategory | None, provisional: bool, contact_name: str | None,
            contact_phone: str | None) -> Organization:
    name = (name or "").strip()
    if not 2 <= len(name) <= 100:
        raise Invalid("org_name", "组织名称应为2至100个字")
    if parent is not None and kind not in ALLOWED_CHILDREN[parent.kind]:
        raise Invalid("org_kind", f"{parent.kind_label}下不能建立这种组织")
    if kind in STREET_KINDS and category is None:
        raise Invalid("street_category", "街道（乡镇）须选择城区或郊区")
    if kind not in STREET_KINDS and category is not None:
        category = None
    org = Organization(name=name, kind=kind, parent=parent, category=category, is_provisional=provisional,
                       contact_name=contact_name, contact_phone=contact_phone,
                       participation_rule=participation_rule_of(kind, parent.participation_rule if parent else None))
    session.add(org)
    session.flush()
    org.path = (parent.path if parent else "/") + f"{org.id}/"
    if kind in founding.TEAM_KINDS:
        founding.create_team_for_org(session, org)
    return org


def participation_rule_of(kind: OrgKind, parent_rule: str | None) -> str:
    """Semester under a university or a department, holiday under a middle school, else quarter (seed 000
    二（二）); inherited down the tree, the university's first."""
    if kind in (OrgKind.university, OrgKind.department) or parent_rule == "semester":
        return "semester"
    if kind == OrgKind.school or parent_rule == "holiday":
        return "holiday"
    return "quarter"


def create_in(session: Session, parent: Organization, name: str, kind: OrgKind, *,
              category: StreetCategory | None = None, contact_name: str | None = None,
              contact_phone: str | None = None) -> Organization:
    """An organisation under ``parent`` inside the caller's transaction (the tree import's batches)."""
    return _create(session, parent, name, kind, category, False, contact_name, contact_phone)


def create_organization(session: Session, parent_id: int | None, name: str, kind: OrgKind | str, *,
                        category: StreetCategory | str | None = None, provisional: bool = False,
                        contact_name: str | None = None, contact_phone: str | None = None) -> Organization:
    """Create an organisation directly (the city bootstrap, the demo, an admin). Teams come with it."""
    with unit_of_work(session):
        parent = get_org(session, parent_id) if parent_id is not None else None
        return _create(session, parent, name, OrgKind(kind), StreetCategory(category) if category else None,
                       provisional, contact_name, contact_phone)


def _add_account(session: Session, org: Organization, username: str, password: str | None = None, *,
                 password_hash: str | None = None) -> OrgAccount:
    username = (username or "").strip()
    if not _USERNAME.match(username):
        raise Invalid("username", "用户名应为4至30位字母、数字或下划线，以字母开头")
    if session.scalar(sa.select(OrgAccount.id).where(sa.func.lower(OrgAccount.username) == username.lower())):
        raise Conflict("username_taken", "该用户名已被使用，请换一个")
    account = OrgAccount(org=org, username=username, password_hash=password_hash or hash_password(password))
    session.add(account)
    return account


def create_account(session: Session, org_id: int, username: str, password: str | None = None, *,
                   password_hash: str | None = None) -> OrgAccount:
    with unit_of_work(session):
        org = get_org(session, org_id)
        if org.accounts:
            raise Conflict("account_exists", "该组织已有账号")
        return _add_account(session, org, username, password, password_hash=password_hash)


def generate_registration_codes(session: Session, issuer_org_id: int, count: int) -> list[str]:
    if not isinstance(count, int) or not 1 <= count <= MAX_CODES_PER_BATCH:
        raise Invalid("code_count", f"一次可生成1至{MAX_CODES_PER_BATCH}个注册码")
    with unit_of_work(session):
        issuer = get_org(session, issuer_org_id)
        if not ALLOWED_CHILDREN[issuer.kind]:
            raise Forbidden("no_children", f"{issuer.kind_label}不能建立下级组织")
        codes = [new_code(12) for _ in range(count)]
        session.add_all(RegistrationCode(code=c, issuer_org_id=issuer.id) for c in codes)
        audit(session, ("org", issuer.id), "registration_codes.generate", ("org", issuer.id), count=count)
        return codes


def revoke_registration_code(session: Session, actor_org_id: int, code: str) -> None:
    with unit_of_work(session):
        row = session.scalar(sa.select(RegistrationCode).where(RegistrationCode.code == normalise_code(code)))
        if row is None or not is_within(session, row.issuer_org_id, actor_org_id):
            raise NotFound("code_not_found", "注册码不存在")
        if row.used_at is not None:
            raise Conflict("code_used", "注册码已被使用，不能作废")
        row.revoked_at = row.revoked_at or utcnow()


def register_organization(session: Session, code: str, name: str, kind: OrgKind | str, username: str,
                          password: str, *, category: StreetCategory | str | None = None,
                          contact_name: str | None = None, contact_phone: str | None = None) -> Organization:
    """组织注册: a registration code from the superior, the organisation's name, its own login."""
    code = normalise_code(code)
    with unit_of_work(session):
        row = session.scalar(sa.select(RegistrationCode).where(RegistrationCode.code == code))
        if row is None or row.revoked_at is not None:
            raise Invalid("code_invalid", "注册码无效，请向上级团组织获取")
        if row.used_at is not None:
            raise Conflict("code_used", "该注册码已被使用")
        issuer = get_org(session, row.issuer_org_id)
        org = _create(session, issuer, name, OrgKind(kind), StreetCategory(category) if category else None,
                      False, contact_name, contact_phone)
        _add_account(session, org, username, password)
        # The guard in the WHERE clause is what makes the code single use under concurrency.
        used = session.execute(
            sa.update(RegistrationCode)
            .where(RegistrationCode.id == row.id, RegistrationCode.used_at.is_(None),
                   RegistrationCode.revoked_at.is_(None))
            .values(used_at=utcnow(), used_by_org_id=org.id)
            .execution_options(synchronize_session=False))
        if used.rowcount != 1:
            raise Conflict("code_used", "该注册码已被使用")
        audit(session, ("org", org.id), "org.register", ("org", org.id), issuer=issuer.id)
        return org
