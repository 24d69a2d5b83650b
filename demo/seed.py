"""``flask seed-demo``: builds the demo through the same services the product uses.

Organisations, accounts, members, branch decisions, team joins and pairings go through
``services``; projects and past service records are written as history (they happened before
"now", so the clock-bound sign-in rules cannot produce them).
"""
from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from demo.data import COMMUNITY_BRANCH_SUFFIX, ETHNICITIES, GIVEN, ORG_TREE, SURNAMES
from demo.history import seed_projects_and_records
from models import Member, OrgAccount, Organization
from runtime.extensions import protector
from runtime.privacy import mask_phone
from services.kernel.beijing_time import BEIJING, beijing_today
from services.kernel.passwords import hash_password
from services.organisations import joining, orgs, pairing, teams
from services.people import branches, members, wechat_users
from services.people.idcard import make_id_number
from services.reporting import stats
from services.volunteering import reviews

DEFAULT_PASSWORD = "qingchun2026"
REGION = {"dongcheng": "110101", "fangshan": "110111", "bit_tw": "110108"}


@dataclass
class SeedResult:
    password: str
    orgs: dict[str, Organization] = field(default_factory=dict)
    member_ids: list[int] = field(default_factory=list)


def already_seeded(session: Session) -> bool:
    return session.scalar(sa.select(sa.func.count()).select_from(Organization)) > 0


def _build_tree(session: Session, node, parent: Organization | None, pw_hash: str, result: SeedResult) -> None:
    username, name, kind, extra, children = node
    contact = extra.get("contact", (None, None))
    org = orgs.create_organization(session, parent.id if parent else None, name, kind,
                                   category=extra.get("category"), provisional=extra.get("provisional", False),
                                   contact_name=contact[0], contact_phone=contact[1])
    orgs.create_account(session, org.id, username, password_hash=pw_hash)
    if "site" in extra:
        lat, lng, radius, site_name, address = extra["site"]
        team = teams.team_of_org(session, org.id)
        teams.set_site(session, team.id, lat=lat, lng=lng, coord_system="gcj02", radius_m=radius,
                       name=site_name, address=address)
    result.orgs[username] = org
    for child in children:
        _build_tree(session, child, org, pw_hash, result)
    if kind in ("community", "village"):
        branch = orgs.create_organization(session, org.id, name.replace("团组织", "").replace("（筹）", "")
                                          + COMMUNITY_BRANCH_SUFFIX, "branch")
        result.orgs[username + "_b"] = branch


def _people(rng: random.Random):
    used_phones: set[str] = set()
    sequence = 0
    while True:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
        if phone in used_phones:
            continue
        used_phones.add(phone)
        sequence += 1
        yield name, phone, sequence


def _member_plans(result: SeedResult) -> list[tuple[str, dict]]:
    """(branch username, profile) for about 300 members across students, pupils, workers and residents."""
    plans: list[tuple[str, dict]] = []
    for key in ("bit_cs_b1", "bit_cs_b2", "bit_me_b1", "bit_me_b2", "bit_sme_b1", "bit_sme_b2"):
        master = key == "bit_me_b2"
        plans += [(key, {"born": (2000, 2002) if master else (2003, 2006), "joined": (2016, 2021),
                         "education": "硕士研究生" if master else "本科", "student": True, "region": "bit_tw"})] * 25
    for key in ("wz_g1c1", "wz_g2c3"):
        plans += [(key, {"born": (2008, 2010), "joined": (2023, 2025), "education": "初中",
                         "region": "dongcheng"})] * 20
    plans += [("dfgc_b1", {"born": (1995, 2002), "joined": (2009, 2017), "education": "本科",
                           "region": "dongcheng", "cadre_rate": 0.2})] * 30
    for key in ("duofuxiang", "shaojiu", "zhiranju", "hpl7", "hpl1", "xiluyuan", "hulufa", "libafang"):
        region = "fangshan" if key in ("xiluyuan", "hulufa", "libafang") else "dongcheng"
        plans += [(key + "_b", {"born": (1998, 2008), "joined": (2012, 2024), "education": "高中",
                                "region": region, "home": key})] * 10
    return plans


def _home_team(session: Session, result: SeedResult, branch_key: str, profile: dict, rng: random.Random):
    home = profile.get("home")
    if home is None and branch_key.startswith("dfgc"):
        home = rng.choice(["duofuxiang", "shaojiu", "hpl7", "hpl1"])
    elif home is None and branch_key.startswith("wz"):
        home = rng.choice(["duofuxiang", "shaojiu"])
    elif home is None and rng.random() < 0.4:
        home = rng.choice(["duofuxiang", "shaojiu", "hpl7", "xiluyuan", "hulufa"])
    if home is None:
        return None
    return teams.team_of_org(session, result.orgs[home].id)


def _seed_members(session: Session, result: SeedResult, pw_hash: str, today: dt.date, echo) -> None:
    rng = random.Random(20180802)
    people = _people(rng)
    plans = _member_plans(result)
    for index, (branch_key, profile) in enumerate(plans):
        name, phone, sequence = next(people)
        born = dt.date(rng.randint(*profile["born"]), rng.randint(1, 12), rng.randint(1, 28))
        joined_year = max(rng.randint(*profile["joined"]), born.year + 14)
        joined_year = min(joined_year, today.year)
        student = f"1120{born.year + 18}{sequence:04d}" if profile.get("student") else None
        league_number = None
        if joined_year > 2016 or (joined_year == 2016 and rng.random() < 0.5):
            league_number = f"{joined_year}{sequence:08d}"
        male = rng.random() < 0.5
        form = members.Registration(
            name=name, id_number=make_id_number(REGION[profile["region"]], born, sequence, male), phone=phone,
            password="", joined_league=f"{joined_year}-{rng.randint(1, 12 if joined_year < today.year else today.month):02d}",
            ethnicity=rng.choice(ETHNICITIES), education=profile["education"], league_number=league_number,
            student_number=student or (f"2016{sequence:08d}" if joined_year == 2016 else None),
            branch_id=result.orgs[branch_key].id, cadre=rng.random() < profile.get("cadre_rate", 0.02),
            volunteer=rng.random() < 0.88, consent_notice=True, consent_sensitive=True)
        member = members.register_member(session, form, today=today, password_hash=pw_hash)
        result.member_ids.append(member.id)
        application = branches.pending_application(session, member.id)
        if index % 37 != 5:  # a few applications stay pending for the console to decide
            branches.decide(session, result.orgs[branch_key].id, application.id, accept=True)
            if member.cadre_claimed and index % 2 == 0:
                members.confirm_cadre(session, result.orgs[branch_key].id, member.id)
        team = _home_team(session, result, branch_key, profile, rng)
        if team is not None and member.is_volunteer:
            joining.join_team(session, member.id, team.id, source="demo")
        if (index + 1) % 50 == 0:
            echo(f"  团员 {index + 1}/{len(plans)}")


def _seed_pairings(session: Session, result: SeedResult, now: dt.datetime) -> None:
    city, bit = result.orgs["beijing"], result.orgs["bit_tw"]
    urban = pairing.issue_codes(session, city.id, bit.id, "urban", 2)
    suburban = pairing.issue_codes(session, city.id, bit.id, "suburban", 1)
    cs, me, sme = result.orgs["bit_cs"], result.orgs["bit_me"], result.orgs["bit_sme"]
    pairing.allocate_code(session, bit.id, urban[0], cs.id)
    pairing.allocate_code(session, bit.id, urban[1], sme.id)
    pairing.allocate_code(session, bit.id, suburban[0], me.id)
    # 计算机学院 paired with 东华门 online and both sides confirmed the offline pairing.
    settled = pairing.pair(session, cs.id, result.orgs["donghuamen"].id, urban[0], now=now - dt.timedelta(days=20))
    pairing.confirm_offline(session, cs.id, settled.id, now=now - dt.timedelta(days=19))
    pairing.confirm_offline(session, result.orgs["donghuamen"].id, settled.id, now=now - dt.timedelta(days=18))
    # 管理与经济学院 paired with 和平里 but nobody confirmed the offline pairing in three days: lapsed.
    pairing.pair(session, sme.id, result.orgs["hepingli"].id, urban[1], now=now - dt.timedelta(days=6))
    pairing.lapse_overdue(session, now=now)
    # 机电学院 paired with 拱辰 yesterday; the department confirmed, the street has not yet.
    recent = pairing.pair(session, me.id, result.orgs["gongchen"].id, suburban[0], now=now - dt.timedelta(days=1))
    pairing.confirm_offline(session, me.id, recent.id, now=now - dt.timedelta(hours=20))


def _seed_reviews_and_activists(session: Session, result: SeedResult, now: dt.datetime) -> None:
    """计算机学院2023级本科1班 recorded last year's 评议 and closed it, and has begun this year's;
    2024级本科2班 has three 入团积极分子."""
    branch, other = result.orgs["bit_cs_b1"], result.orgs["bit_cs_b2"]
    this_year = now.astimezone(BEIJING).year
    people = session.scalars(sa.select(Member).where(Member.branch_id == branch.id).order_by(Member.id)).all()
    for year in (this_year - 1, this_year):
        for member in people[: len(people) if year < this_year else len(people) // 2]:
            best = "qualified" if reviews.excellent_refusal(session, member, year) else "excellent"
            reviews.record(session, branch.id, member.id, year, "basic" if member.id % 11 == 0 else best)
    reviews.close_year(session, branch.id, this_year - 1)
    for member in session.scalars(sa.select(Member).where(Member.branch_id == other.id).order_by(Member.id).limit(3)):
        reviews.set_activist(session, other.id, member.id, True)


def _seed_campaign(session: Session, result: SeedResult, now: dt.datetime) -> None:
    """The city's 工作节点 (one past, one a few days away, one at the year's end), an activity 东方广场 proposes
    on 多福巷's ground, the 五中's own 服务总队, and a graduating class of 计算机学院 marked 待转出 (issue 38)."""
    from services.organisations import teams as team_service
    from services.people import graduation
    from services.reporting import milestones
    from services.volunteering import projects, proposals

    city, today = result.orgs["beijing"], now.astimezone(BEIJING).date()
    milestones.create(session, city.id, "完成院系与街道结对", dt.date(today.year, 10, 26), "department_paired")
    milestones.create(session, city.id, "社区（村）服务队确定联系人", today + dt.timedelta(days=5), "community_contact")
    milestones.create(session, city.id, "团支部注册志愿者率达标", dt.date(today.year, 12, 31), "branch_registration")
    community = team_service.team_of_org(session, result.orgs["duofuxiang"].id)
    start = dt.datetime.combine(today + dt.timedelta(days=9), dt.time(9, 30), tzinfo=BEIJING)
    proposals.propose(session, result.orgs["dfgc"].id, community.id, projects.ProjectInput(
        title="东方广场青年走进多福巷：垃圾分类宣传", starts_at=start, ends_at=start + dt.timedelta(hours=2),
        lat=community.site_lat, lng=community.site_lng, coord_system=community.site_coord_system.value,
        radius_m=community.site_radius_m, description="东方广场团委组织青年员工到社区开展宣传", capacity=20))
    team_service.found_own_team(session, result.orgs["wuzhong"].id)
    graduation.move_out(session, result.orgs["bit_cs"].id, branch_id=result.orgs["bit_cs_b1"].id)


def seed_demo(session: Session, *, password: str = DEFAULT_PASSWORD, now: dt.datetime | None = None,
              echo: Callable[[str], None] = print) -> SeedResult:
    # One hash for every demo account keeps seeding to seconds; real accounts each get their own salt.
    pw_hash = hash_password(password)
    result = SeedResult(password=password)
    now = now or dt.datetime.now(dt.UTC)
    echo("生成组织、账号与服务队 …")
    _build_tree(session, ORG_TREE, None, pw_hash, result)
    echo("生成团员 …")
    _seed_members(session, result, pw_hash, beijing_today(), echo)
    echo("生成结对 …")
    _seed_pairings(session, result, now)
    echo("生成项目与服务记录 …")
    seed_projects_and_records(session, result.orgs, now)
    echo("生成评议结果与入团积极分子 …")
    _seed_reviews_and_activists(session, result, now)
    echo("生成工作节点、外单位活动与毕业转出 …")
    _seed_campaign(session, result, now)
    # Three members already follow the account, so the simulator has bound openids to play with.
    volunteers = session.scalars(sa.select(Member.id).where(Member.is_volunteer.is_(True)).order_by(Member.id).limit(3))
    for i, member_id in enumerate(list(volunteers), 1):
        wechat_users.follow(session, f"o_demo_{i}")
        wechat_users.bind(session, member_id, f"o_demo_{i}")
    echo("统计数据概览 …")
    for root in session.scalars(sa.select(Organization).where(Organization.parent_id.is_(None))).all():
        stats.refresh(session, root, now=now)
    return result


def print_logins(session: Session, password: str, echo: Callable[[str], None] = print) -> None:
    rows = session.execute(sa.select(OrgAccount.username, Organization.name)
                           .join(Organization, Organization.id == OrgAccount.org_id)
                           .order_by(Organization.path)).all()
    echo(f"\n演示账号（电脑端组织账号，密码均为 {password}）：")
    for username, name in rows:
        echo(f"  {username:<12} {name}")
    sample = session.scalars(sa.select(Member).where(Member.is_volunteer.is_(True)).order_by(Member.id).limit(3))
    echo("\n演示团员（手机号登录，密码同上，以下号码仅本机演示可见）：")
    for member in sample:
        phone = protector.decrypt(member.phone_enc)
        echo(f"  {member.name:<6} {phone}  ({mask_phone(phone)})  微信 openid: {member.openid or '—'}")
    echo("\n模拟公众号消息：flask --app app wechat simulate click --openid o_demo_1 --key MY_PROFILE")
