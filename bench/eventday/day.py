"""The day's requests, in the order they are sent.

Each person follows a journey (below); journeys run in cohorts of ``COHORT`` people, one step a wave,
so that a person's next step leaves a whole wave (a few hundred requests, against 16 in flight) after
the previous one: nobody signs out while their sign-in is still on its way, as on a real phone. Between
the people's requests, each wave carries the coordinators' and the committees' share.

Every request carries ``X-Bench: <kind> <population>:<person>``; nginx logs it with the status and the
time taken, and the run's figures and checks are read from that log (wrk itself only says how many).
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from bench import wrk
from bench.eventday.seed import PASSWORD, Population
from tests.fleet.fleet import APPID, TOKEN

COHORT = 32

CALLBACKS = ("follow", "scan poster", "location")
# What a person waits on: pages and calls made by people (the callbacks are WeChat's servers).
PEOPLE = ("register", "home", "enrol", "sign in", "sign out", "hours", "projects", "dashboard", "roster",
          "export", "pending", "approve")


@dataclass
class Step:
    kind: str
    who: str
    request: bytes


def _header(kind: str, who: str) -> dict:
    return {"X-Bench": f"{kind} {who}"}


def _callback(kind: str, who: str, xml: str) -> Step:
    from wechat import simulator

    signed = simulator.sign(xml, token=TOKEN, appid=APPID)
    return Step(kind, who, wrk.raw("POST", "/wechat", params=signed.query, body=signed.body,
                                   headers={"Content-Type": "text/xml", **_header(kind, who)}, keep_alive=True))


def _api(kind: str, who: str, method: str, path: str, token: str, body: dict | None = None,
         extra: dict | None = None) -> Step:
    headers = {"Authorization": f"Bearer {token}", **_header(kind, who), **(extra or {})}
    data = b""
    if body is not None:
        data = json.dumps(body, ensure_ascii=False).encode()
        headers["Content-Type"] = "application/json"
    return Step(kind, who, wrk.raw(method, path, body=data, headers=headers, keep_alive=True))


def _page(kind: str, path: str, cookie: str) -> Step:
    return Step(kind, "-", wrk.raw("GET", path, headers={"Cookie": cookie, "Accept": "text/html",
                                                         **_header(kind, "-")}, keep_alive=True))


def enrols(i: int) -> bool:
    """Six in ten of the members who come enrol in the day's project and serve on site."""
    return i % 5 in (0, 1, 3)


def by_location_message(i: int) -> bool:
    """One in ten of those signs in and out by sending their location in the chat instead of the
    mini-program; WeChat delivers each of those messages twice (its retry after a slow answer)."""
    return enrols(i) and i % 10 == 3


def scan_twice(i: int) -> bool:
    """One scan in twenty is delivered twice by WeChat."""
    return i % 20 == 7


def member_journey(p: Population, i: int, base: int) -> list[list[Step]]:
    """A member registered before the day: scan the community's poster (报到), open the home page,
    enrol, sign in and out on site, look at their hours and at the projects (the push's link)."""
    import geo
    from tests.factories import SITE
    from wechat import simulator

    who, token, openid = f"{p.name}:{i}", p.tokens[i], p.openid(i)
    lat, lng = geo.convert(SITE[0], SITE[1], "gcj02", "wgs84")
    where = {"lat": lat, "lng": lng, "accuracy": 25, "coord_type": "wgs84"}
    scan = _callback("scan poster", who, simulator.build_xml("scan", openid, key=f"team:{p.team_code}",
                                                             created=base + i))
    steps = [[scan], [scan] if scan_twice(i) else [],
             [_api("home", who, "GET", "/api/mp/v1/me", token)]]
    if enrols(i):
        steps.append([_api("enrol", who, "POST", f"/api/mp/v1/projects/{p.project_code}/enrol", token)])
        if by_location_message(i):
            for n in (1, 2):
                message = _callback("location", who, simulator.build_xml(
                    "location", openid, lat=SITE[0], lng=SITE[1], msg_id=base * 10 + i * 2 + n, created=base + i))
                steps += [[message], [message]]
        else:
            steps.append([_api("sign in", who, "POST", f"/api/mp/v1/projects/{p.project_code}/signin", token,
                               where, {"Idempotency-Key": f"in-{i}"})])
            steps.append([_api("sign out", who, "POST", f"/api/mp/v1/projects/{p.project_code}/signout", token,
                               where)])
    steps += [[_api("hours", who, "GET", "/api/mp/v1/me/hours", token)],
              [_api("projects", who, "GET", "/api/mp/v1/projects", token)]]
    return steps


def newcomer_journey(p: Population, i: int, code: str, base: int) -> list[list[Step]]:
    """Someone who hears of the day: follow the account, register with the SMS code, see their page."""
    import datetime as dt

    from services.people.idcard import make_id_number
    from wechat import simulator

    who, token = f"{p.name}:new{i}", p.newcomer_tokens[i]
    born = dt.date(1995, 1, 1) + dt.timedelta(days=i % 2000)  # 14 or more in 2015
    registration = {"name": "王芳", "id_number": make_id_number("110102", born, p.index * 100 + i // 2000,
                                                                i % 2 == 1),
                    "phone": p.newcomer_phones[i], "sms_code": code, "password": PASSWORD, "joined_league": "2015-05",
                    "ethnicity": "汉族", "education": "本科", "consent_notice": True, "consent_sensitive": True}
    return [[_callback("follow", who, simulator.build_xml("subscribe", p.newcomer_openid(i), created=base + i))],
            [_api("register", who, "POST", "/api/mp/v1/register", token, registration)],
            [], [],  # registering takes up to a second under load (the password's scrypt): two waves later
            [_api("home", who, "GET", "/api/mp/v1/me", token)],
            [_api("hours", who, "GET", "/api/mp/v1/me/hours", token)]]


def coordinators(p: Population, city_cookie: str, wave: int) -> list[Step]:
    """The wave's share of coordinators and committees: the city's dashboard refreshes every wave, the
    community's roster every other, its pending hours are approved every fourth, an export every eighth."""
    out = [_page("dashboard", "/console/", city_cookie)]
    if wave % 2 == 0:
        out.append(_page("roster", "/console/members", p.community_cookie))
    if wave % 4 == 1:
        out += [_api("pending", "-", "GET", f"/api/mp/v1/org/projects/{p.project_code}/pending",
                     p.coordinator_token),
                _api("approve", "-", "POST", f"/api/mp/v1/org/projects/{p.project_code}/decide",
                     p.coordinator_token, {"approve": True})]
    if wave % 8 == 3:
        out.append(_page("export", "/console/exports/members.csv", p.community_cookie))
    return out


def day(p: Population, codes: list[str], city_cookie: str, base: int) -> list[Step]:
    """Everyone's journeys in waves: newcomers are spread among the members (one in five of each cohort)."""
    journeys: list[list[list[Step]]] = []
    newcomers = iter(range(p.newcomers))
    for i in range(p.members):
        journeys.append(member_journey(p, i, base))
        if i % 4 == 3:
            n = next(newcomers, None)
            if n is not None:
                journeys.append(newcomer_journey(p, n, codes[n], base + p.members))
    cohorts = [journeys[k:k + COHORT] for k in range(0, len(journeys), COHORT)]
    longest = max(len(j) for j in journeys)
    out: list[Step] = []
    for wave in range(len(cohorts) + longest - 1):
        for step in range(longest):
            cohort = wave - step
            if 0 <= cohort < len(cohorts):
                for journey in cohorts[cohort]:
                    if step < len(journey):
                        out += journey[step]
        out += coordinators(p, city_cookie, wave)
    return out
