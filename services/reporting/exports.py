"""Tables for CSV and Excel: members, hours and rates, by team, project and sub-organisation.

A table is a title, headers and a row iterator, so a city-wide export streams instead of building a
million rows in memory. Personal data stays masked: an export leaves the system and is read by
people other than the member (ARCHITECTURE.md's rule for "pages or answers of others").
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import COMMENDATION_LABELS, RECORD_STATUS_LABELS, Member, Project, ServiceRecord
from services.kernel.beijing_time import BEIJING
from services.reporting import history, rosters, stats
from services.volunteering.hours import hours_of

#: Excel number formats of the columns that hold numbers: rates stay numbers a coordinator can sort and
#: sum (not "83.9%" text), shown as the screen shows them.
PERCENT, HOURS, HOURS_2, COUNT = "0.0%", "0.0", "0.00", "0"


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: Iterable[list]
    formats: dict[int, str] = field(default_factory=dict)   # column → number format (PERCENT, HOURS, …)
    filter_label: str | None = None                          # what the list was narrowed to, for the file name

    def as_text(self, row: list) -> list:
        """A row as the screen writes it (CSV): rates as "83.9%", a missing rate as "—"."""
        return [("—" if value is None else stats.percent(value)) if self.formats.get(i) == PERCENT else value
                for i, value in enumerate(row)]


#: Spreadsheet programs run a cell starting with these as a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def neutralise(value):
    """A text cell that a spreadsheet would run (an organisation named ``=HYPERLINK(...)``) is written
    with a leading apostrophe, OWASP's advice, so it shows as the text it is; numbers stay numbers."""
    return "'" + value if is_formula_like(value) else value


def _yes(value: bool) -> str:
    return "是" if value else "否"


def _when(value: dt.datetime | None) -> str:
    return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") if value else "—"


def members(session: Session, roster: rosters.Roster, title: str) -> Table:
    """The member list as the console shows it: the same words for empty and state cells."""
    def rows() -> Iterator[list]:
        for r in rosters.iterate(session, roster):
            yield [r.name, r.id_number, r.phone, r.league_number or "—", r.branch or "—", _yes(r.is_volunteer),
                   r.team or "未报到", r.year_hours, f"{r.period_word}{'已' if r.quarter_done else '未'}参加", r.cadre or "—",
                   _yes(r.over_age), _yes(r.activist)]
    return Table(title, ["姓名", "身份证号（已隐去）", "手机号（已隐去）", "团员编号", "团支部", "注册志愿者",
                         "报到社区服务队", f"{roster.year}年认证时长（小时）", "本期参加（季度/学期/假期）", "团干部", "超龄",
                         "入团积极分子"], rows(), formats={7: HOURS})


def review(session: Session, roster: rosters.Roster, title: str) -> Table:
    def rows() -> Iterator[list]:
        for r in rosters.iterate(session, roster):
            yield [r.name, r.league_number or "—", r.branch or "—", _yes(r.is_volunteer), r.year_hours,
                   "否" if r.excellent_blocked_by else "是", r.excellent_blocked_by or "—", r.review_label or "未录入"]
    return Table(title, ["姓名", "团员编号", "团支部", "注册志愿者", f"{roster.year}年认证时长（小时）", "可评优秀", "原因",
                         f"{roster.year}年评议结果"], rows(), formats={4: HOURS})


def rates(board: stats.Dashboard) -> Table:
    def line(entry: stats.Line) -> list:
        c = entry.counts
        below = "、".join(stats.RATE_LABELS[k] for k in (*stats.RATE_KEYS, "activist_volunteers") if entry.below(k))
        return [entry.name, entry.kind_label, c.members, c.volunteers, c.rate("volunteers"), c.reported,
                c.rate("reported"), c.hours_ok, c.rate("hours_ok"), c.over_age,
                c.activists, c.rate("activist_volunteers"), c.rate("quarter_active"),
                c.short_communities, entry.target, below or "—"]
    rows = [line(board.total)] + [line(entry) for entry in board.ranked("reported")]
    return Table(f"{board.org.name}{board.year}年各组织比率", [
        "组织", "类别", "团员（团龄内）", "注册志愿者", "注册志愿者率", "到社区报到", "报到率", "年度满20小时",
        "满20小时率", "超龄", "入团积极分子", "积极分子注册率", "本期参加率（季度/学期/假期）", "活动不足2次的社区（村）",
        "注册志愿者率目标", "未达标项"], rows,
        formats={2: COUNT, 3: COUNT, 4: PERCENT, 5: COUNT, 6: PERCENT, 7: COUNT, 8: PERCENT, 9: COUNT, 10: COUNT,
                 11: PERCENT, 12: PERCENT, 13: COUNT, 14: PERCENT})


def progress(report: history.Progress) -> Table:
    """进度通报 as a file: each sub-organisation's rates on the day and their change in percentage points."""
    def line(entry: history.ProgressLine) -> list:
        cells = [entry.org.name, entry.now.counts["members"] if entry.now else None]
        for key in history.RATE_KEYS:
            change = entry.change(key)
            cells += [entry.now.rate(key) if entry.now else None, None if change is None else round(change, 1)]
        return cells
    headers = ["组织", "团员"]
    for key in history.RATE_KEYS:
        headers += [history.RATE_LABELS[key], f"{history.RATE_LABELS[key]}变化（百分点）"]
    day = report.day.strftime("%m-%d") if report.day else ""
    formats = {1: COUNT, **{2 + 2 * i: PERCENT for i in range(len(history.RATE_KEYS))},
               **{3 + 2 * i: HOURS for i in range(len(history.RATE_KEYS))}}
    return Table(f"{report.org.name}进度通报{day}", headers, [line(entry) for entry in report.lines], formats=formats)


def commendations(org, year: int, rows: list) -> Table:
    """年度表彰推荐名单: the committee's nominations of the year (``commendations.nominated``)."""
    return Table(f"{org.name}{year}年度表彰推荐名单", ["类别", "名称", f"{year}年认证时长（小时）", "推荐理由"],
                 [[COMMENDATION_LABELS[n.row.kind], n.name, hours_of(n.row.minutes), n.row.note or "—"] for n in rows],
                 formats={2: HOURS})


def milestone(row, org, short: list) -> Table:
    """A milestone's list of who is short of it in ``org``'s sub-tree (``milestones.short_of``)."""
    return Table(f"{org.name}{row.name}未完成名单", ["单位", "上级组织", "未完成", "联系人", "联系电话"],
                 [[s.org.name, s.parent_name or "—", s.why, s.org.contact_name or "—", s.org.contact_phone or "—"]
                  for s in short])


def project_hours(session: Session, project: Project) -> Table:
    def rows() -> Iterator[list]:
        query = (sa.select(ServiceRecord, Member.name).join(Member, ServiceRecord.member_id == Member.id)
                 .where(ServiceRecord.project_id == project.id).order_by(ServiceRecord.signin_at, ServiceRecord.id)
                 .execution_options(yield_per=1000))
        for record, name in session.execute(query):
            minutes = record.duration_minutes
            yield [name, _when(record.signin_at), _when(record.signout_at),
                   "—" if minutes is None else hours_of(minutes, 2), RECORD_STATUS_LABELS[record.status],
                   _when(record.decided_at), record.edit_reason or "—"]
    return Table(f"{project.title}（{project.code}）服务时长", [
        "姓名", "签到时间（北京时间）", "签退时间", "时长（小时）", "状态", "审核时间", "时长修改说明"], rows(),
        formats={3: HOURS_2})
