"""Test data built through the services, so factories obey the same rules as the product."""
from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from models import Member, Organization, Team
from services.organisations import joining, orgs
from services.people import branches, members
from services.people.idcard import make_id_number

_counter = itertools.count(1)
# Hashing once keeps factories fast; the registration tests hash for real.
FAST_HASH = generate_password_hash("abc12345", method="pbkdf2:sha256:1000")


@dataclass
class Tree:
    city: Organization
    district: Organization
    street: Organization          # urban
    suburb: Organization          # suburban street
    community: Organization
    community2: Organization
    village: Organization
    university: Organization
    dept: Organization
    dept2: Organization
    branch: Organization          # under dept
    branch2: Organization         # under the district (a company branch stand-in)

    def team(self, session, org: Organization) -> Team:
        return session.scalar(sa.select(Team).where(Team.org_id == org.id))


def make_tree(session) -> Tree:
    create = orgs.create_organization
    city = create(session, None, "北京团市委", "city")
    district = create(session, city.id, "东城区团委", "district")
    street = create(session, district.id, "东华门街道团工委", "street", category="urban")
    suburb = create(session, district.id, "长阳镇团委", "town", category="suburban")
    community = create(session, street.id, "多福巷社区团组织", "community", contact_name="任琳丽",
                       contact_phone="010-65257713")
    community2 = create(session, street.id, "韶九社区团组织", "community")
    village = create(session, suburb.id, "葫芦垡村团组织", "village")
    university = create(session, city.id, "北京理工大学团委", "university")
    dept = create(session, university.id, "计算机学院团委", "department")
    dept2 = create(session, university.id, "机电学院团委", "department")
    branch = create(session, dept.id, "计算机学院2024级1班团支部", "branch")
    branch2 = create(session, district.id, "东城区机关团支部", "branch")
    return Tree(city, district, street, suburb, community, community2, village, university, dept, dept2,
                branch, branch2)


def registration(**overrides) -> members.Registration:
    n = next(_counter)
    born = overrides.pop("born", dt.date(2000, 5, 17))
    fields = dict(name="张伟", id_number=make_id_number("110101", born, n % 400, n % 2 == 1),
                  phone=f"139{n:08d}", password="abc12345", joined_league="2015-05", ethnicity="汉族",
                  education="本科", consent_notice=True, consent_sensitive=True)
    fields.update(overrides)
    return members.Registration(**fields)


def make_member(session, *, branch: Organization | None = None, volunteer: bool = True, **overrides) -> Member:
    form = registration(volunteer=volunteer, branch_id=branch.id if branch else None, **overrides)
    member = members.register_member(session, form, password_hash=FAST_HASH)
    if branch is not None:
        application = branches.pending_application(session, member.id)
        branches.decide(session, branch.id, application.id, accept=True)
    return member


def join(session, member: Member, team: Team):
    return joining.join_team(session, member.id, team.id, source="test")


def make_followers(session, team: Team, n: int, prefix: str) -> list[Member]:
    """``n`` members in ``team``, each bound to the WeChat openid ``prefix`` + its number: who a push
    reaches."""
    people = []
    for i in range(n):
        member = make_member(session)
        join(session, member, team)
        member.openid = f"{prefix}{i}"
        people.append(member)
    session.commit()
    return people


def make_project_input(**overrides):
    from services.volunteering.projects import ProjectInput

    start = overrides.pop("starts_at", dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    fields = dict(title="垃圾分类桶前值守", starts_at=start, ends_at=start + dt.timedelta(hours=3),
                  lat=39.92113, lng=116.40735, coord_system="gcj02", radius_m=300, capacity=None)
    fields.update(overrides)
    return ProjectInput(**fields)


def pair(session, tree: Tree, department: Organization, street: Organization):
    from services.organisations import pairing

    code = pairing.issue_codes(session, tree.city.id, tree.university.id, street.category, 1)[0]
    pairing.allocate_code(session, tree.university.id, code, department.id)
    return pairing.pair(session, department.id, street.id, code)


SITE = (39.92113, 116.40735)  # GCJ-02, as a coordinator picks it on a Chinese map
START = dt.datetime(2026, 11, 21, 1, 0, tzinfo=dt.UTC)  # a Saturday, 09:00 Beijing


def here(coord: str = "wgs84", accuracy: float | None = 20.0, north_m: float = 0.0):
    """A member's reported location near SITE, in the system their phone uses."""
    import geo
    from services.volunteering.checkin import Location

    lat, lng = geo.convert(SITE[0] + north_m / 111_000, SITE[1], "gcj02", coord)
    return Location(lat, lng, coord, accuracy)


def make_dated_project(session, tree: Tree, team: Team, start=None, hours: float = 3):
    """A project published earlier, running from ``start`` (default START) for ``hours``."""
    from services.volunteering import projects

    start = start or START
    project = projects.create_project(session, tree.community.id, team.id, make_project_input(
        starts_at=start, ends_at=start + dt.timedelta(hours=hours)))
    project.status = projects.ProjectStatus.published  # published in the past, before its start
    session.commit()
    return project


def make_account(session, org: Organization, username: str):
    """A console account with the factories' password ("abc12345")."""
    return orgs.create_account(session, org.id, username, password_hash=FAST_HASH)
