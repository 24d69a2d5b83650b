"""Two equal populations on one fleet, one for the calm run and one for the faulted run, so that both
runs meet the same database size and neither inherits the other's state. Each is a district of its own
with a street, a community team and its coordinator, a project on site now, a project of the street's team
to push to all its members (the district's one street: a district has no team of its own), members who
registered before the day (bound to WeChat, in the street's team) and
newcomers who register on the day (a mini-program login and nothing else)."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import requests
import sqlalchemy as sa

PASSWORD = "abc12345"


@dataclass
class Population:
    name: str
    index: int  # 0, 1, 2: its district's number, its phones' and ID numbers' series
    members: int
    newcomers: int
    team_code: str = ""
    project_code: str = ""
    project_id: int = 0
    push_project_id: int = 0
    team_id: int = 0
    coordinator_token: str = ""
    community_cookie: str = ""
    tokens: list[str] = field(default_factory=list)        # existing members' API logins
    member_ids: list[int] = field(default_factory=list)
    newcomer_tokens: list[str] = field(default_factory=list)
    newcomer_phones: list[str] = field(default_factory=list)

    def openid(self, i: int) -> str:
        return f"o_{self.name}_{i}"

    def newcomer_openid(self, i: int) -> str:
        return f"o_{self.name}_new_{i}"

    def phone(self, i: int) -> str:
        return f"13{self.index + 1}{i:08d}"


def console_cookie(fleet, username: str) -> str:
    """A console login's cookies as a Cookie header, from the real login form (CSRF and all)."""
    http = requests.Session()
    page = http.get(fleet.url("/console/login"), verify=fleet.cert, timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = http.post(fleet.url("/console/login"), data={"username": username, "password": PASSWORD,
                                                          "csrf_token": token}, allow_redirects=False, timeout=10,
                       verify=fleet.cert, headers={"Referer": fleet.url("/console/login")})
    if answer.status_code != 302:
        raise RuntimeError(f"console login for {username} answered {answer.status_code}: {answer.text[:300]}")
    return "; ".join(f"{c.name}={c.value}" for c in http.cookies)


def seed(fleet, city_id: int, population: Population, index: int) -> None:
    from models import Team, utcnow
    from runtime.extensions import db
    from services.organisations import orgs
    from services.people import mp_sessions, wechat_users
    from services.people.idcard import make_id_number
    from services.volunteering import projects
    from tests.factories import FAST_HASH, join, make_member, make_project_input

    app = fleet.app()
    with app.app_context():
        s = db.session
        district = orgs.create_organization(s, city_id, f"第{index}区团委", "district")
        street = orgs.create_organization(s, district.id, f"第{index}街道团工委", "street", category="urban")
        community = orgs.create_organization(s, street.id, f"第{index}社区团组织", "community")
        account = orgs.create_account(s, community.id, f"community{index}", password_hash=FAST_HASH)
        team = s.scalar(sa.select(Team).where(Team.org_id == community.id))
        street_team = s.scalar(sa.select(Team).where(Team.org_id == street.id))
        start = utcnow() - dt.timedelta(minutes=10)
        project = projects.create_project(s, community.id, team.id, make_project_input(
            starts_at=start, ends_at=start + dt.timedelta(hours=8), radius_m=300))
        projects.publish_project(s, community.id, project.id)
        pushed = projects.create_project(s, street.id, street_team.id, make_project_input(
            title="全区报到日志愿服务", starts_at=start + dt.timedelta(days=2)))
        projects.publish_project(s, street.id, pushed.id)
        population.team_code, population.team_id = team.code, team.id
        population.project_code, population.project_id, population.push_project_id = \
            project.code, project.id, pushed.id
        token, _ = mp_sessions.create(s, openid=f"o_coordinator_{population.name}", unionid=None)
        mp_sessions.attach_account(s, token, account.id)
        population.coordinator_token = token
        for i in range(population.members):
            born = dt.date(1990, 1, 1) + dt.timedelta(days=i % 3000)  # joined the league in 2015, at 14 or more
            person = make_member(s, phone=population.phone(i), born=born,
                                 id_number=make_id_number("110101", born, 100 * index + i // 3000, i % 2 == 0))
            join(s, person, street_team)
            wechat_users.bind(s, person.id, population.openid(i))
            population.member_ids.append(person.id)
            population.tokens.append(mp_sessions.create(s, openid=f"mp_{population.name}_{i}", unionid=None,
                                                        member_id=person.id)[0])
            if (i + 1) % 500 == 0:
                print(f"  {population.name}: {i + 1}/{population.members} members", flush=True)
        for i in range(population.newcomers):
            population.newcomer_tokens.append(mp_sessions.create(s, openid=f"mp_{population.name}_new_{i}",
                                                                 unionid=None)[0])
            population.newcomer_phones.append(population.phone(500_000 + i))
        s.commit()
        db.engine.dispose()
    population.community_cookie = console_cookie(fleet, f"community{index}")


def give_codes(fleet, population: Population) -> list[str]:
    """The SMS codes the newcomers type, as the SMS gateway would have delivered them (put in the shared
    store just before the run: a code lives ten minutes)."""
    from runtime.extensions import store
    from services.people import sms

    app = fleet.app()
    codes = []
    with app.app_context():
        for i, phone in enumerate(population.newcomer_phones):
            code = f"{(i * 7919 + 100_003) % 1_000_000:06d}"
            store.set(sms._code_key(phone, "register"), code, ttl=sms.CODE_TTL)
            codes.append(code)
    return codes


def seed_fleet(fleet, populations: list[Population]) -> str:
    """Both populations under one city; the city's console cookie (the dashboard refreshes)."""
    from runtime.extensions import db
    from services.organisations import orgs
    from tests.factories import FAST_HASH

    app = fleet.app()
    with app.app_context():
        city = orgs.create_organization(db.session, None, "北京团市委", "city")
        orgs.create_account(db.session, city.id, "city", password_hash=FAST_HASH)
        city_id = city.id
        db.engine.dispose()
    for population in populations:
        seed(fleet, city_id, population, population.index + 1)
    return console_cookie(fleet, "city")
