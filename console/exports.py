"""CSV and Excel downloads of the exports in ``services.reporting.exports``, scoped like the pages they sit on."""
from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Iterator
from urllib.parse import quote

from flask import Response, current_app, request, send_file
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from console import bp
from console.auth import current_account, login_required, require_org
from console.members import roster_scope
from runtime.extensions import db
from services.kernel.beijing_time import beijing_today
from services.reporting import access_log, exports, rosters, stats
from services.volunteering import projects
from web.requestargs import int_arg

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _table(kind: str) -> exports.Table:
    org = current_account().org
    year = stats.current_year()
    if kind in ("members", "review"):
        scope, members_of, team = roster_scope()
        access_log.phone_search(db.session, current_account().org_id, request.args.get("q", ""))
        query = rosters.search(members_of, year=year, q=request.args.get("q", ""),
                               filter_=request.args.get("filter") or None)
        name = team.name if scope == "team" else org.name
        if kind == "members":
            return exports.members(db.session, query, f"{name}团员名单")
        return exports.review(db.session, query, f"{name}{year}年评议参考")
    if kind == "rates":
        target = require_org(int_arg(request.args, "org", org.id))
        return exports.rates(stats.dashboard(db.session, target))
    project = projects.managed_project(db.session, current_account().org_id, int_arg(request.args, "project", 0))
    return exports.project_hours(db.session, project)


def _filename(table: exports.Table, fmt: str) -> str:
    return f"{table.title}-{beijing_today().isoformat()}.{fmt}"


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
        writer.writerow([exports.neutralise(value) for value in row])
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


def _xlsx(table: exports.Table) -> Response:
    workbook = Workbook(write_only=True)  # rows go to disk as they come: a city export fits
    sheet = workbook.create_sheet(re.sub(r"[\[\]:*?/\\]", " ", table.title)[:31])
    sheet.append(table.headers)
    for row in table.rows:
        sheet.append([_text_cell(sheet, value) if exports.is_formula_like(value) else value for value in row])
    spool = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)
    workbook.save(spool)
    spool.seek(0)
    return send_file(spool, mimetype=XLSX, as_attachment=True, download_name=_filename(table, "xlsx"))


@bp.get("/exports/<any(members, review, rates, 'project-hours'):kind>.<any(csv, xlsx):fmt>")
@login_required
def export(kind: str, fmt: str):
    table = _table(kind)
    access_log.exported(db.session, current_account().org_id, kind, table.title, fmt,
                        {k: v for k, v in request.args.items() if k in ("q", "filter", "scope", "org", "project")})
    return _csv(table) if fmt == "csv" else _xlsx(table)
