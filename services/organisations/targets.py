"""Targets of the registration rate (注册志愿者率), as configuration.

The seeds' defaults: 95 % for university branches (001: 团员注册志愿者比例低于95%的团支部不得参评校级以上荣誉),
90 % elsewhere (000: 低于90%的团组织不得参评市级以上荣誉); 100 % for 入团积极分子 (001). An organisation may
set a target for its sub-tree and a year (Tianjin's 50 / 75 / 95 % for 2015–2017 in 003, Anhui's 90 %
for universities in 004): the nearest organisation at or above with a target for the year wins. The
报到 and 20-hour rates carry no target in the notices, so the dashboard marks none for them.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Organization, OrgKind, RateTarget
from services.kernel.errors import Invalid
from services.kernel.uow import audit, unit_of_work
from services.organisations import orgs

DEFAULT, UNIVERSITY, ACTIVISTS = 0.90, 0.95, 1.0
UNIVERSITY_KINDS = {OrgKind.university, OrgKind.department}


def default_for(org: Organization, in_university: bool) -> float:
    return UNIVERSITY if in_university or org.kind in UNIVERSITY_KINDS else DEFAULT


def _ancestors(org: Organization) -> list[int]:
    return [int(part) for part in org.path.strip("/").split("/")]


def configured(session: Session, lines: list[Organization], year: int) -> dict[int, float]:
    """For each organisation, the target set on it or its nearest ancestor for ``year`` (those with one)."""
    wanted = {ancestor for org in lines for ancestor in _ancestors(org)}
    rows = dict(session.execute(sa.select(RateTarget.org_id, RateTarget.target).where(
        RateTarget.org_id.in_(wanted), RateTarget.year == year)).all())
    found = {}
    for org in lines:
        for ancestor in reversed(_ancestors(org)):
            if ancestor in rows:
                found[org.id] = rows[ancestor]
                break
    return found


def set_target(session: Session, actor_org_id: int, org_id: int, year: int, percent: float | None) -> RateTarget | None:
    """An organisation sets (or with None removes) the target of its sub-tree or a sub-organisation's."""
    if percent is not None and not 1 <= percent <= 100:
        raise Invalid("target", "目标应为1%至100%")
    if not 2000 <= year <= 2100:
        raise Invalid("year", "请填写年度")
    with unit_of_work(session):
        org = orgs.require_within(session, org_id, actor_org_id)
        row = session.get(RateTarget, (org.id, year))
        if percent is None:
            if row is not None:
                session.delete(row)
        elif row is None:
            row = RateTarget(org_id=org.id, year=year, target=percent / 100)
            session.add(row)
        else:
            row.target = percent / 100
        audit(session, ("org", actor_org_id), "target.set", ("org", org.id), year=year, percent=percent)
        return row if percent is not None else None


def listed(session: Session, org: Organization) -> list[tuple[Organization, RateTarget]]:
    """Targets set within ``org``'s sub-tree, for the settings page."""
    return list(session.execute(sa.select(Organization, RateTarget).join(RateTarget, RateTarget.org_id == Organization.id)
                                .where(orgs.subtree_filter(org)).order_by(RateTarget.year.desc(), Organization.path))
                .tuples())
