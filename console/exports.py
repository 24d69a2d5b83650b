"""CSV and Excel downloads of the exports in ``services.reporting.exports``, scoped like the pages they sit on."""
from __future__ import annotations

import csv
import io
import itertools
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from urllib.parse import quote

from flask import Response, current_app, request, send_file
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from console import bp
from console.auth import current_account, login_required, require_org
from console.members import roster_scope
from runtime.extensions import db
from services.kernel.beijing_time import beijing_today
from services.reporting import access_log, commendations, exports, history, milestones, rosters, stats
from services.volunteering import participation, projects
from web.requestargs import int_arg

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _table(kind: str) -> exports.Table:
    org = current_account().org
    year = stats.current_year()
    if kind in ("members", "review"):
        scope, members_of, team = roster_scope()
        access_log.phone_search(db.session, current_account().org_id, request.args.get("q", ""))
        query = rosters.search(members_of, year=year, periods=participation.own_periods(db.session),
                               q=request.args.get("q", ""), filter_=request.args.get("filter") or None)
        name = team.name if scope == "team" else org.name
        table = (exports.members(db.session, query, f"{name}团员名单") if kind == "members"
                 else exports.review(db.session, query, f"{name}{year}年评议参考"))
        table.filter_label = _filter_label(kind)
        return table
    if kind == "rates":
        target = require_org(int_arg(request.args, "org", org.id))
        return exports.rates(stats.dashboard(db.session, target))
    if kind == "milestone":
        milestone = milestones.get(db.session, int_arg(request.args, "milestone", 0))
        return exports.milestone(milestone, org, milestones.short_of(db.session, milestone, org))
    if kind == "commendations":
        year = int_arg(request.args, "year", year, maximum=year, label="year（年度）") or year
        return exports.commendations(org, year, commendations.nominated(db.session, org, year))
    if kind == "progress":
        target = require_org(int_arg(request.args, "org", org.id))
        every = int_arg(request.args, "every", 2, maximum=30, label="every（间隔天数）") or 2
        return exports.progress(history.progress(db.session, target, every=every))
    project = projects.managed_project(db.session, current_account().org_id, int_arg(request.args, "project", 0))
    return exports.project_hours(db.session, project)


def _filter_label(kind: str) -> str | None:
    """The list's filter in words for the file name; a search says only that it was one (it may be a
    phone number, which has no place in a file name)."""
    words = [rosters.FILTERS.get(request.args.get("filter") or ("not_excellent" if kind == "review" else ""), "")]
    if request.args.get("q", "").strip():
        words.append("搜索结果")
    return "-".join(word for word in words if word) or None


def _filename(table: exports.Table, fmt: str) -> str:
    parts = [table.title, table.filter_label, beijing_today().isoformat()]
    return "-".join(part for part in parts if part) + f".{fmt}"


def _csv(table: exports.Table) -> Response:
    app = current_app._get_current_object()

    def lines() -> Iterator[str]:
        # The body is written after the view returned, so the rows are read in an app context (and
        # database session) of its own.
        with app.app_context():
            yield from _csv_chunks(table)
    name = _filename(table, "csv")
    return Response(lines(), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=export.csv; filename*=UTF-8''{quote(name)}"})


def _csv_chunks(table: exports.Table) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with a BOM
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow([exports.neutralise(value) for value in table.as_text(row)])
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _text_cell(sheet, value: str) -> WriteOnlyCell:
    """Stored as a string (never a formula) and shown with Excel's quote prefix, so editing the cell
    does not turn it into one either."""
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def _width(value) -> float:
    """Excel's column width for a value: CJK characters count double."""
    text = str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1.1 for ch in text)


def _cell(sheet, value, number_format: str | None) -> WriteOnlyCell | object:
    if exports.is_formula_like(value):
        return _text_cell(sheet, value)
    if number_format and isinstance(value, int | float):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = number_format
        return cell
    return value


def _xlsx(table: exports.Table) -> Response:
    """A sheet that reads well in Excel: bold header row frozen with a filter, columns as wide as what
    they hold (judged from the first rows), numbers and rates stored as numbers in the screen's format."""
    workbook = Workbook(write_only=True)  # rows go to disk as they come: a city export fits
    sheet = workbook.create_sheet(re.sub(r"[\[\]:*?/\\]", " ", table.title)[:31])
    rows = iter(table.rows)
    sample = list(itertools.islice(rows, 200))
    for i, header in enumerate(table.headers):
        shown = [table.as_text(row)[i] for row in sample]
        sheet.column_dimensions[get_column_letter(i + 1)].width = min(48, max(6, _width(header) + 3,
                                                                              *(_width(v) + 2 for v in shown)))
    sheet.freeze_panes = "A2"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="F2F2F2")
    header_cells = []
    for header in table.headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font, cell.fill, cell.alignment = bold, fill, Alignment(vertical="center")
        header_cells.append(cell)
    sheet.append(header_cells)
    count = 0
    for row in itertools.chain(sample, rows):
        sheet.append([_cell(sheet, value, table.formats.get(i)) for i, value in enumerate(row)])
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.headers))}{count + 1}"
    spool = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)
    workbook.save(spool)
    spool.seek(0)
    return send_file(spool, mimetype=XLSX, as_attachment=True, download_name=_filename(table, "xlsx"))


@bp.get("/exports/<any(members, review, rates, progress, commendations, milestone, 'project-hours'):kind>.<any(csv, xlsx):fmt>")
@login_required
def export(kind: str, fmt: str):
    table = _table(kind)
    access_log.exported(db.session, current_account().org_id, kind, table.title, fmt,
                        {k: v for k, v in request.args.items() if k in ("q", "filter", "scope", "org", "project")})
    return _csv(table) if fmt == "csv" else _xlsx(table)
