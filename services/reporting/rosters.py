"""Member lists for coordinators (团员名单, 评议, exports): who is in an organisation's sub-tree or a
team, with the year's approved hours, personal data masked. One query serves the page, the 评议 list
and the CSV/Excel exports, so they never disagree."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from models import REVIEW_LABELS, Member, Organization, ReviewResult, Team, TeamMembership
from runtime.extensions import protector
from runtime.privacy import mask_id_number, mask_phone
from services.kernel.beijing_time import beijing_today
from services.kernel.errors import Invalid
from services.organisations.belonging import community_membership, has_reported, paired_branches
from services.people.members import normalise_phone
from services.reporting import stats
from services.volunteering.hours import YEAR_TARGET_HOURS, hours_of, year_minutes, year_minutes_of
from services.volunteering.participation import PERIOD_WORDS, OwnPeriods
from services.volunteering.reviews import excellent_blockers, results_column

FILTERS = {
    "volunteer": "注册志愿者", "not_volunteer": "未注册志愿者", "not_reported": "未到社区报到",
    "under_target": "年度服务不满20小时", "not_excellent": "不可评优秀", "cadre_pending": "团干部待确认",
    "over_age": "超龄", "not_this_quarter": "本期未参加（季度/学期/假期）", "activist": "入团积极分子", "activist_not_volunteer": "入团积极分子未注册志愿者",
}


@dataclass(frozen=True)
class Row:
    id: int
    name: str
    id_number: str      # masked
    phone: str          # masked
    league_number: str | None
    branch: str | None
    team: str | None    # active community team (报到)
    is_volunteer: bool
    year_minutes: int
    cadre: str          # "", "待确认", "已确认"
    over_age: bool
    activist: bool = False
    review: ReviewResult | None = None  # the year's 评议 result
    quarter_done: bool = False          # an approved record in the member's own period (quarter, semester, holiday)
    rule: str = "quarter"               # which: participation.QUARTER, SEMESTER or HOLIDAY
    leaving: bool = False               # 待转出: moved out by their committee, not yet received

    @property
    def year_hours(self) -> float:
        return hours_of(self.year_minutes)

    @property
    def excellent_blocked_by(self) -> str | None:
        """评议: not registered as a volunteer, or under 20 h in the year → cannot be rated excellent."""
        return "、".join(excellent_blockers(self.is_volunteer, self.year_minutes)) or None

    @property
    def period_word(self) -> str:
        """本季度 / 本学期 / 本假期: the member's own period, named on the list and in the export."""
        return PERIOD_WORDS[self.rule]

    @property
    def review_label(self) -> str | None:
        return REVIEW_LABELS[self.review] if self.review else None


HOURS_FILTERS = {"under_target", "not_excellent"}
_NUMBER = re.compile(r"[A-Za-z]{0,2}\d{5,}")


@dataclass(frozen=True)
class Roster:
    """A search: the rows' query (every row, for exports), the same members' ids with only the joins the
    filter reads (to count them and to find a page: a district's count through every join of the rows took
    half a second, and its first page joined 13,000 rows to keep 50), the rows' columns for ids already
    found, the year their hours are counted in, and whether it narrows the sub-tree (a search or a
    filter) or lists all of it."""
    query: sa.Select
    ids: sa.Select
    rows: Callable[[sa.Subquery], sa.Select]
    year: int
    narrowed: bool = False


COUNT_CAP = 10_000  # a narrowed list counts this far and then says "more than"


def search(members_of: sa.ColumnElement[bool], *, year: int, periods: OwnPeriods, q: str = "",
           filter_: str | None = None) -> Roster:
    """Rows (member, branch name, community team name, year minutes or None, over age), by name, of the
    members ``members_of`` (a condition on the member's row: ``orgs.in_subtree``, a team's ids).

    The year's minutes are read only when a filter needs them: summing ten million records for a
    city-wide list is what makes it slow, and a page needs the minutes of its fifty rows only
    (``page`` and ``iterate`` fetch those)."""
    branch, community = aliased(Organization), aliased(Team)
    over = stats.over_age_clause(stats.over_age_cutoff(beijing_today()))
    paired = paired_branches()
    def listed(select: sa.Select) -> sa.Select:  # the branch, and the community team (scanned or paired)
        return (select.outerjoin(branch, Member.branch_id == branch.id)
                .outerjoin(TeamMembership, community_membership())
                .outerjoin(community, community.id == TeamMembership.team_id)
                .outerjoin(paired, paired.c.branch_id == Member.branch_id))

    query = listed(sa.select(Member)).where(members_of).order_by(Member.name, Member.id)
    ids = sa.select(Member.id).where(members_of)
    # Member by member, for the members a page or a count reaches: summing the sub-tree's year before the
    # first row took six seconds for a city.
    year_total = year_minutes_of(year, Member.id) if filter_ in HOURS_FILTERS else sa.null()
    team_name = sa.func.coalesce(community.name, paired.c.team_name)  # a paired department's street
    this_period = periods.done(Member.id)  # each member by their own rule (``periods``: participation.own_periods)
    def columns(select: sa.Select, minutes: sa.ColumnElement) -> sa.Select:
        return select.add_columns(branch.name, team_name, minutes.label("minutes"), over.label("over_age"),
                                  results_column(year).label("review"), this_period.label("quarter_done"),
                                  periods.rule().label("rule"))

    def rows(found: sa.Subquery) -> sa.Select:  # joined from the ids: a semi-join came after every join
        return columns(listed(sa.select(Member).select_from(found).join(Member, Member.id == found.c.id)),
                       sa.null()).order_by(Member.name, Member.id)

    query = columns(query, year_total)
    q = (q or "").strip()
    if q:
        matches = [Member.league_number == q]
        if not _NUMBER.fullmatch(q):  # a 团员编号 or a phone number is looked up by index, never in names
            # From the first character (the surname, or the whole name): a range on the name's index; a
            # substring anywhere in it made every name of a city's million be read (bench/README).
            matches.append(Member.name.startswith(q, autoescape=True))
        try:
            matches.append(Member.phone_hash == protector.lookup_hash("phone", normalise_phone(q)))
        except Invalid:
            pass  # not a phone number: name and 团员编号 only
        query, ids = query.where(sa.or_(*matches)), ids.where(sa.or_(*matches))
    conditions = {
        "volunteer": Member.is_volunteer, "not_volunteer": sa.not_(Member.is_volunteer),
        "not_reported": sa.not_(has_reported()), "under_target": year_total < YEAR_TARGET_HOURS * 60,
        "not_excellent": sa.or_(sa.not_(Member.is_volunteer), year_total < YEAR_TARGET_HOURS * 60),
        "cadre_pending": sa.and_(Member.cadre_claimed, Member.cadre_confirmed_at.is_(None)), "over_age": over,
        "activist": Member.activist_since.is_not(None), "not_this_quarter": sa.not_(this_period),
        "activist_not_volunteer": sa.and_(Member.activist_since.is_not(None), sa.not_(Member.is_volunteer)),
    }
    if filter_ in conditions:
        query, ids = query.where(conditions[filter_]), ids.where(conditions[filter_])
    return Roster(query, ids, rows, year, narrowed=bool(q) or filter_ in conditions)


def count_upto(session: Session, roster: Roster, cap: int | None = None) -> tuple[int, bool]:
    """How many, counting no further than ``cap`` (COUNT_CAP; True: there are more): counting a million
    members for the first page of a city-wide search cost seconds."""
    cap = COUNT_CAP if cap is None else cap
    found = session.scalar(sa.select(sa.func.count()).select_from(roster.ids.limit(cap + 1).subquery()))
    return min(found, cap), found > cap


def _with_minutes(session: Session, rows: list, year: int) -> list[Row]:
    missing = [row[0].id for row in rows if row[3] is None]
    found = {}
    if missing:
        sums = year_minutes(year, sa.select(Member.id).where(Member.id.in_(missing)))
        found = dict(session.execute(sa.select(sums.c.member_id, sums.c.minutes)).all())
    return [_row(member, branch, team, found.get(member.id, 0) if joined is None else joined, over, review, done, rule)
            for member, branch, team, joined, over, review, done, rule in rows]


def _row(member: Member, branch: str | None, team: str | None, minutes: int, over_age: bool,
         review: str | None, quarter_done: bool, rule: str) -> Row:
    cadre = "" if not member.cadre_claimed else ("已确认" if member.cadre_confirmed_at else "待确认")
    return Row(id=member.id, name=member.name, id_number=mask_id_number(protector.decrypt(member.id_number_enc)),
               phone=mask_phone(protector.decrypt(member.phone_enc)), league_number=member.league_number,
               branch=branch, team=team, is_volunteer=member.is_volunteer, year_minutes=int(minutes), cadre=cadre,
               over_age=bool(over_age), activist=member.activist_since is not None,
               review=ReviewResult(review) if review else None, quarter_done=bool(quarter_done), rule=rule,
               leaving=member.leaving_at is not None)


def page(session: Session, roster: Roster, *, limit: int, after: int | None = None) -> list[Row]:
    """``limit`` rows by name, those after the member ``after`` (keyset paging on the (name, id) index:
    the next page of a million costs what the first does; an offset made the database walk past every
    row before it). The page's ids first, through the filter's joins only; then their rows."""
    ids = roster.ids.order_by(Member.name, Member.id)
    if after is not None:
        name = session.scalar(sa.select(Member.name).where(Member.id == after))
        if name is not None:
            ids = ids.where(sa.tuple_(Member.name, Member.id) > sa.tuple_(sa.literal(name), sa.literal(after)))
    query = roster.rows(ids.limit(limit).subquery())
    return _with_minutes(session, session.execute(query).all(), roster.year)


def iterate(session: Session, roster: Roster) -> Iterator[Row]:
    """Every row, fetched in batches (a city-wide export is a million members)."""
    result = session.execute(roster.query.execution_options(yield_per=1000))
    for batch in result.partitions():
        yield from _with_minutes(session, batch, roster.year)
