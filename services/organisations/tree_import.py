"""Onboarding a city in a day (issue 36.4): the organisation tree from one Excel or CSV file.

Columns (a header row, in any order): 名称, 类别 (团区委, 街道, 乡镇, 社区, 村, 高校, 院系, …, or the code),
上级 (the parent's name; ``东城区团委/东华门街道团工委`` where a name is not unique; empty: the importing
organisation itself), 城乡 (城区/郊区, streets and towns), 地址 (the team's site address), 联系人, 联系电话.

``plan`` reads every row before anything is written and says what is wrong with each (unknown parent,
a name twice under one parent, a kind the parent may not have, a missing category, a bad phone) and what
would happen (new, changed, unchanged). ``apply`` writes a planned file in batches, each its own
transaction: re-importing the same file changes nothing, a changed row updates its organisation, and a
run stopped half-way is finished by running it again. Organisations are created by the one rule that
creates them everywhere (``orgs.create_in``: the team, and a community's long-term project, come with it).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import ORG_KIND_LABELS, Organization, OrgKind, StreetCategory, Team
from services.kernel.errors import Invalid
from services.kernel.tables import read_table
from services.kernel.uow import unit_of_work
from services.organisations import contacts
from services.organisations.orgs import ALLOWED_CHILDREN, STREET_KINDS, create_in, get_org, subtree_filter

HEADERS = {"名称": "name", "类别": "kind", "上级": "parent", "城乡": "category", "地址": "address",
           "联系人": "contact_name", "联系电话": "contact_phone"}
KIND_WORDS = {**{label: kind for kind, label in ORG_KIND_LABELS.items()}, **{kind.value: kind for kind in OrgKind},
              "区": OrgKind.district, "街道": OrgKind.street, "乡镇": OrgKind.town, "镇": OrgKind.town,
              "乡": OrgKind.town, "社区": OrgKind.community, "村": OrgKind.village, "高校": OrgKind.university,
              "院系": OrgKind.department, "中学": OrgKind.school, "企业": OrgKind.company, "机关": OrgKind.agency,
              "团支部": OrgKind.branch}
CATEGORY_WORDS = {"城区": StreetCategory.urban, "郊区": StreetCategory.suburban, "urban": StreetCategory.urban,
                  "suburban": StreetCategory.suburban, "": None}
MAX_ROWS = 50_000
BATCH = 200


@dataclass
class Row:
    number: int                      # the file's row number (the header is 1)
    name: str
    kind: OrgKind | None
    parent: str
    category: StreetCategory | None
    address: str | None
    contact_name: str | None
    contact_phone: str | None
    action: str = "new"              # new, update, unchanged
    problems: list[str] = field(default_factory=list)
    parent_key: object = None        # an existing organisation's id, or ("row", n) for one made earlier in the file
    existing_id: int | None = None   # the organisation this row already is


@dataclass
class Plan:
    root_id: int
    rows: list[Row]

    @property
    def problems(self) -> list[Row]:
        return [row for row in self.rows if row.problems]

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action and not row.problems)


def read_rows(data: bytes, filename: str) -> list[dict]:
    """The file's rows as dicts keyed by the columns above; Excel (.xlsx) or CSV (UTF-8, with or
    without a BOM, or GB18030 as Excel for Chinese Windows saves it)."""
    return read_table(data, filename, HEADERS, ["名称", "类别"], max_rows=MAX_ROWS)


def plan(session: Session, root_id: int, records: Iterable[dict]) -> Plan:
    """Every row checked against the tree below ``root_id`` and the rows before it; nothing written."""
    root = get_org(session, root_id)
    existing = session.execute(sa.select(Organization.id, Organization.parent_id, Organization.name, Organization.kind,
                                         Organization.category, Organization.contact_name, Organization.contact_phone)
                               .where(subtree_filter(root))).all()
    kinds = {r.id: r.kind for r in existing}
    addresses = dict(session.execute(sa.select(Team.org_id, Team.site_address).join(
        Organization, Team.org_id == Organization.id).where(subtree_filter(root))).all())
    by_place = {(r.parent_id, r.name): r for r in existing}
    names: dict[str, list[object]] = {}
    for r in existing:
        names.setdefault(r.name, []).append(r.id)
    rows: list[Row] = []
    seen: dict[tuple[object, str], int] = {}
    keys: dict[tuple[object, str], object] = {}
    for number, record in enumerate(records, start=2):
        row = Row(number, (record.get("name") or "").strip(), KIND_WORDS.get((record.get("kind") or "").strip()),
                  (record.get("parent") or "").strip(), None, (record.get("address") or "").strip()[:200] or None,
                  (record.get("contact_name") or "").strip() or None, (record.get("contact_phone") or "").strip() or None)
        rows.append(row)
        if not 2 <= len(row.name) <= 100:
            row.problems.append("名称应为2至100个字")
        if row.kind is None:
            row.problems.append(f"类别“{record.get('kind') or ''}”无法识别（如：街道、乡镇、社区、村、高校、院系）")
        category_word = (record.get("category") or "").strip()
        if category_word not in CATEGORY_WORDS:
            row.problems.append("城乡应填“城区”或“郊区”")
        row.category = CATEGORY_WORDS.get(category_word)
        if row.kind in STREET_KINDS and row.category is None and category_word in CATEGORY_WORDS:
            row.problems.append("街道（乡镇）须填写城乡：城区或郊区")
        if row.contact_name or row.contact_phone:
            try:
                contacts.checked(row.contact_name, row.contact_phone)
            except Invalid as err:
                row.problems.append(err.message)
        row.parent_key = _parent(row.parent, root, names, by_place, keys, row)
        if row.parent_key is None:
            continue
        parent_kind = kinds.get(row.parent_key)
        if row.kind is not None and parent_kind is not None and row.kind not in ALLOWED_CHILDREN[parent_kind]:
            row.problems.append(f"{ORG_KIND_LABELS[parent_kind]}下不能建立{ORG_KIND_LABELS[row.kind]}")
        place = (row.parent_key, row.name)
        if place in seen:
            row.problems.append(f"与第 {seen[place]} 行重复：同一上级下名称相同")
            continue
        seen[place] = row.number
        found = by_place.get(place) if not isinstance(row.parent_key, tuple) else None
        key = found.id if found is not None else ("row", row.number)   # how later rows name this one
        keys[place] = key
        if key not in names.setdefault(row.name, []):
            names[row.name].append(key)
        kinds[key] = row.kind if found is None else found.kind
        if found is not None:
            row.existing_id = found.id
            if found.kind != row.kind and row.kind is not None:
                row.problems.append(f"已有同名组织，类别为{ORG_KIND_LABELS[found.kind]}")
            changed = (row.category if row.kind in STREET_KINDS else found.category) != found.category or \
                (row.contact_name and (row.contact_name, row.contact_phone) != (found.contact_name, found.contact_phone))
            moved = row.address is not None and found.id in addresses and addresses[found.id] != row.address
            row.action = "update" if changed or moved else "unchanged"
    return Plan(root.id, rows)


def _parent(written: str, root: Organization, names, by_place, keys, row: Row):
    if not written:
        return root.id
    parts = [part.strip() for part in written.split("/") if part.strip()]
    candidates = names.get(parts[-1], [])
    if len(parts) > 1:  # a path of names from the importing organisation down
        key = root.id
        for part in parts:
            existing = by_place.get((key, part))
            key = keys.get((key, part)) or (existing.id if existing is not None else None)
            if key is None:
                break
        candidates = [key] if key is not None else []
    if not candidates:
        row.problems.append(f"上级“{written}”不存在（须是已有组织，或在本文件中先于本行出现）")
        return None
    if len(candidates) > 1:
        row.problems.append(f"上级“{written}”不唯一，请写成完整路径，如“东城区团委/东华门街道团工委”")
        return None
    return candidates[0]


def apply(session: Session, planned: Plan, *,
          progress: Callable[[int, list[tuple[int, Row]]], None] = lambda done, made: None,
          batch: int = BATCH) -> dict[str, int]:
    """Write a plan without problems, ``batch`` rows a transaction; ``progress(rows done, [(id, row) made
    in the batch])`` after each. Rows the plan found unchanged cost nothing; a row whose organisation a
    stopped run already made is found again by its place (so running the file again finishes the work)."""
    if planned.problems:
        raise Invalid("import_problems", f"有 {len(planned.problems)} 行有问题，请先修改文件")
    made: dict[int, int] = {}
    counts = {"new": 0, "update": 0, "unchanged": 0}
    rows = planned.rows
    for start in range(0, len(rows), batch):
        created: list[tuple[int, Row]] = []
        with unit_of_work(session):
            for row in rows[start:start + batch]:
                if row.action == "unchanged":
                    made[row.number] = row.existing_id
                    counts["unchanged"] += 1
                    continue
                parent_id = made[row.parent_key[1]] if isinstance(row.parent_key, tuple) else row.parent_key
                org = (session.get(Organization, row.existing_id) if row.existing_id else
                       session.scalar(sa.select(Organization).where(Organization.parent_id == parent_id,
                                                                    Organization.name == row.name)))
                if org is None:
                    org = create_in(session, session.get(Organization, parent_id), row.name, row.kind,
                                    category=row.category, contact_name=row.contact_name,
                                    contact_phone=row.contact_phone)
                    created.append((org.id, row))
                    counts["new"] += 1
                    if row.address:
                        session.execute(sa.update(Team).where(Team.org_id == org.id).values(site_address=row.address))
                elif _update(session, org, row):
                    counts["update"] += 1
                else:
                    counts["unchanged"] += 1
                made[row.number] = org.id
        progress(min(start + batch, len(rows)), created)
    return counts


def _update(session: Session, org: Organization, row: Row) -> bool:
    changed = False
    if org.kind in STREET_KINDS and row.category is not None and org.category != row.category:
        org.category, changed = row.category, True
    if row.contact_name and (org.contact_name, org.contact_phone) != (row.contact_name, row.contact_phone):
        org.contact_name, org.contact_phone, changed = row.contact_name, row.contact_phone, True
        session.execute(sa.update(Team).where(Team.org_id == org.id).values(contact_name=row.contact_name,
                                                                           contact_phone=row.contact_phone))
    if row.address:
        team_address = session.execute(sa.select(Team.site_address).where(Team.org_id == org.id)).first()
        if team_address is not None and team_address[0] != row.address:
            session.execute(sa.update(Team).where(Team.org_id == org.id).values(site_address=row.address))
            changed = True
    return changed
