"""bench/dashboard: the city's and a district's dashboard over 1,000,000 members and 10,000,000
service records on PostgreSQL.

Seeds (bulk SQL, not the services: the bench is the reading): 1 city, 16 districts × 20 streets ×
15 communities (each with a team, a long-term project and 2 branches), 30 universities × 15
departments × 20 branches; members spread over the branches, 70 % reported to a community team,
80 % volunteers, ages 14–32; records over the Beijing year, 80 % approved.
Then, side by side in one run (medians of --repeat):
  refresh   — services.reporting.stats.refresh of the city and of a district (the full recount a stale
              dashboard triggers, in the background with RQ);
  dashboard — GET /console/ as the city's and a district's account (Flask test client in-process:
              the server's time, template included), with a fresh snapshot;
  members   — GET /console/members: the first page of 50 with its total, the fourth page, a search by
              name and by 团员编号, and every filter (the total counted up to 10,000).
Goals: the dashboard (issue 8) city < 1 s, district < 200 ms; the 团员 list (issue 24.6) city < 300 ms,
district < 100 ms. The database runs with the settings deploy/compose.yaml gives PostgreSQL.
Run: .venv/bin/python -m bench.dashboard.run [--members 1000000] [--records 10000000] [--repeat 5]
     [--reuse] (keep an already seeded database)
Needs PostgreSQL (BENCH_DATABASE_URL, default a database "bench_dashboard"; dropped and rebuilt).
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import statistics
import time

import sqlalchemy as sa

from bench.common import apply_deploy_settings, rebuild_database

PG = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench_dashboard")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
DISTRICTS, STREETS, COMMUNITIES = 16, 20, 15
UNIVERSITIES, DEPARTMENTS, CLASSES = 30, 15, 20
PASSWORD = "bench12345"


def env() -> dict:
    return {**os.environ, "DATABASE_URL": PG, "SECRET_KEY": "bench", "STATS_MAX_AGE_SECONDS": "86400",
            "DATA_KEY": os.environ.get("BENCH_DATA_KEY") or "Z2V0LW9mZi1teS1sYXduLWJlbmNoLWtleS0wMDAwMDA="}


def _orgs() -> tuple[list[dict], list[int], list[int]]:
    """Organisation rows with their ids, paths and participation rules computed here; community and
    branch ids."""
    from models import OrgKind
    from services.organisations.orgs import participation_rule_of

    now = dt.datetime.now(dt.UTC)
    rows: list[dict] = []
    communities: list[int] = []
    branches: list[int] = []

    def add(name: str, kind: str, parent: dict | None, **extra) -> dict:
        row = dict(id=len(rows) + 1, name=name, kind=kind, parent_id=parent["id"] if parent else None,
                   is_provisional=False, created_at=now, category=extra.get("category"),
                   participation_rule=participation_rule_of(OrgKind(kind), parent["participation_rule"] if parent else None))
        row["path"] = (parent["path"] if parent else "/") + f"{row['id']}/"
        rows.append(row)
        return row

    city = add("北京团市委", "city", None)
    for d in range(DISTRICTS):
        district = add(f"第{d + 1}区团委", "district", city)
        for s in range(STREETS):
            street = add(f"第{d + 1}区第{s + 1}街道团工委", "street", district, category="urban")
            for c in range(COMMUNITIES):
                community = add(f"{street['name'][:-3]}第{c + 1}社区团组织", "community", street)
                communities.append(community["id"])
                for b in range(2):
                    branches.append(add(f"{community['name'][:-3]}第{b + 1}团支部", "branch", community)["id"])
    for u in range(UNIVERSITIES):
        university = add(f"第{u + 1}大学团委", "university", city)
        for p in range(DEPARTMENTS):
            department = add(f"第{u + 1}大学第{p + 1}学院团委", "department", university)
            for k in range(CLASSES):
                branches.append(add(f"{department['name'][:-2]}{k + 1}班团支部", "branch", department)["id"])
    return rows, communities, branches


def _sample_personal_data() -> dict:
    """One encrypted ID number and phone for every member: lists decrypt (and mask) what they show."""
    from runtime.extensions import protector

    return {"id_enc": protector.encrypt("110101199001011234"), "phone_enc": protector.encrypt("13800138000")}


def seed(members: int, records: int) -> None:
    import app as application
    from models import Organization
    from runtime.extensions import db
    from services.organisations import orgs

    flask_app = application.create_app()
    with flask_app.app_context():
        rows, communities, branches = _orgs()
        print(f"组织 {len(rows)} 个（社区 {len(communities)}，团支部 {len(branches)}）", flush=True)
        db.session.execute(sa.insert(Organization), rows)
        db.session.execute(sa.text("SELECT setval('organizations_id_seq', :n)"), {"n": len(rows)})
        db.session.commit()
        conn = db.session.connection()
        conn.execute(sa.text("""
            INSERT INTO teams (org_id, code, name, is_community, site_lat, site_lng, site_coord_system,
                               site_radius_m, created_at)
            SELECT id, 'T' || id, name || '青年志愿者服务队', true, 39.9, 116.4, 'gcj02', 300, now()
            FROM organizations WHERE kind = 'community'"""))
        conn.execute(sa.text("""
            INSERT INTO projects (code, team_id, title, description, audience, is_long_term, status,
                                  site_lat, site_lng, site_coord_system, site_radius_m, created_at)
            SELECT 'P' || id, id, name || '长期项目', '', 'team', true, 'published', 39.9, 116.4, 'gcj02', 300, now()
            FROM teams"""))
        db.session.commit()
        branch_array = "ARRAY[" + ",".join(map(str, branches)) + "]"
        print(f"团员 {members:,} …", flush=True)
        conn = db.session.connection()
        conn.execute(sa.text(f"""
            INSERT INTO members (name, id_number_enc, id_number_hash, phone_enc, phone_hash, password_hash,
                                 birth_date, sex, joined_league_on, league_number, ethnicity, education, branch_id,
                                 cadre_claimed, is_volunteer, volunteer_registered_at, created_at)
            SELECT '团员' || i, :id_enc, md5('id' || i), :phone_enc, md5('ph' || i), 'x',
                   date '1994-06-01' + (i % 6500), CASE WHEN i % 2 = 0 THEN 'male' ELSE 'female' END,
                   date '2010-05-01', 'B' || lpad(i::text, 12, '0'), '汉族', '本科',
                   ({branch_array})[1 + i % {len(branches)}], false,
                   i % 10 < 8, CASE WHEN i % 10 < 8 THEN now() END, now()
            FROM generate_series(1, :n) AS i"""), {"n": members, **_sample_personal_data()})
        conn.execute(sa.text(f"""
            INSERT INTO team_memberships (team_id, member_id, is_community, source, joined_at, created_at)
            SELECT 1 + m.id % {len(communities)}, m.id, true, 'bench', now(), now()
            FROM members m WHERE m.id % 10 < 7"""))
        db.session.commit()
        year_start = dt.datetime(dt.datetime.now(dt.UTC).year, 1, 1, tzinfo=dt.UTC)
        chunk = 1_000_000
        for first in range(1, records + 1, chunk):
            last = min(records, first + chunk - 1)
            db.session.connection().execute(sa.text(f"""
                INSERT INTO service_records (project_id, member_id, status, signin_at, signout_at,
                                             duration_minutes, source, created_at)
                SELECT 1 + (i * 7) % {len(communities)}, 1 + (i * 13) % :members,
                       CASE WHEN i % 10 < 8 THEN 'approved' ELSE 'pending' END,
                       :start + make_interval(mins => (i % 460000)),
                       :start + make_interval(mins => (i % 460000) + 60 + i % 180), 60 + i % 180, 'bench', now()
                FROM generate_series(:first, :last) AS i"""),
                {"members": members, "start": year_start, "first": first, "last": last})
            db.session.commit()
            print(f"  服务记录 {last:,}/{records:,}", flush=True)
        db.session.connection().execute(sa.text("ANALYZE"))
        db.session.commit()
        orgs.create_account(db.session, 1, "benchcity", PASSWORD)
        orgs.create_account(db.session, 2, "benchdistrict", PASSWORD)


def _median(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:.0f} ms (min {min(samples) * 1000:.0f}, max {max(samples) * 1000:.0f})"


def _roster_pages(client) -> list[tuple[str, str]]:
    """The 团员 list's first page, its fourth (three 下一页 on), a search by name, by 团员编号, every filter."""
    from services.reporting.rosters import FILTERS

    url = "/console/members"
    for _ in range(3):
        html = client.get(url).get_data(as_text=True)
        url = re.search(r'href="([^"]*after=[^"]*)">下一页', html).group(1).replace("&amp;", "&")
    return [("first page", "/console/members"), ("page 4", url), ("name search", "/console/members?q=团员4242"),
            ("number search", "/console/members?q=B000000424242"),
            *((f"filter {key}", f"/console/members?filter={key}") for key in FILTERS)]


def measure(repeat: int) -> None:
    import app as application
    from runtime.extensions import db
    from services.organisations import orgs
    from services.reporting import stats

    flask_app = application.create_app()
    with flask_app.app_context():
        city, district = orgs.get_org(db.session, 1), orgs.get_org(db.session, 2)
        counts = db.session.execute(sa.text(
            "SELECT (SELECT count(*) FROM members), (SELECT count(*) FROM service_records), "
            "(SELECT count(*) FROM organizations)")).one()
        print(f"数据：团员 {counts[0]:,}，服务记录 {counts[1]:,}，组织 {counts[2]:,}")
        timings: dict[str, list[float]] = {"refresh city": [], "refresh district": []}
        for _ in range(repeat):
            for label, org in (("refresh city", city), ("refresh district", district)):
                started = time.perf_counter()
                stats.refresh(db.session, org)
                timings[label].append(time.perf_counter() - started)
        stats.refresh(db.session, city)
    for label, username in (("dashboard city", "benchcity"), ("dashboard district", "benchdistrict")):
        client = flask_app.test_client()
        page = client.get("/console/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        assert client.post("/console/login", data={"username": username, "password": PASSWORD,
                                                   "csrf_token": token}).status_code == 302
        client.get("/console/")  # warm: the first request compiles templates
        samples = []
        for _ in range(max(repeat, 10)):
            started = time.perf_counter()
            response = client.get("/console/")
            samples.append(time.perf_counter() - started)
            assert response.status_code == 200 and "stat-members" in response.get_data(as_text=True)
        timings[label] = samples
        shown = re.search(r'id="stat-members">(\d+)<', response.get_data(as_text=True)).group(1)
        print(f"{label}: 页面显示团员 {int(shown):,}")
        where = label.replace("dashboard ", "")
        for what, url in _roster_pages(client):  # 团员: goal (issue 24.6) city < 300 ms, district < 100 ms
            samples = []
            for _ in range(max(repeat, 5)):
                started = time.perf_counter()
                response = client.get(url)
                samples.append(time.perf_counter() - started)
                assert response.status_code == 200 and 'id="members"' in response.get_data(as_text=True)
            total = re.search(r'id="roster-total">([^<]*)<', response.get_data(as_text=True)).group(1)
            timings[f"members {where}, {what}"] = samples
            print(f"members {where}, {what}: {total}", flush=True)
    for label, samples in timings.items():
        print(f"{label:20s}: {_median(samples)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    os.environ.update(env())
    if not args.reuse:
        rebuild_database(PG, REDIS, os.environ.copy())
        started = time.perf_counter()
        seed(args.members, args.records)
        print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)
    apply_deploy_settings(PG)  # a database seeded before the deploy's settings changed gets them too
    measure(args.repeat)


if __name__ == "__main__":
    main()
