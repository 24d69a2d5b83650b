"""The volunteer's profile (issue 38 row 3): where they live (seed 000: 组织关系和居住地都在北京市的团员…就近选择
参加志愿服务的社区; seed 002 选择居住区域; seed 004 所属地区…精确到县（区）), their native place (seed 002 籍贯)
and the fields they would serve in (seed 003 扶贫济困、助老助残、社区服务…). The residence is a street (town)
or a district of the city's tree, or "outside Beijing"; it suggests the community teams near home and
lets a street's coordinators find the members who live there."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Member, Organization, OrgKind, Team
from services.kernel.errors import Invalid
from services.kernel.uow import audit, unit_of_work
from services.organisations import orgs
from services.people.members import get_member

SERVICE_AREAS = {"poverty": "扶贫济困", "elderly_disabled": "助老助残", "community": "社区服务", "ecology": "生态建设",
                 "events": "大型活动", "emergency": "抢险救灾", "online": "网络文明", "governance": "社会管理",
                 "culture": "文化建设"}
RESIDENCE_KINDS = (OrgKind.district, OrgKind.street, OrgKind.town)
PROVINCES = ("北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江", "安徽", "福建", "江西",
             "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川", "贵州", "云南", "西藏", "陕西", "甘肃",
             "青海", "宁夏", "新疆", "台湾", "香港", "澳门")


def places(session: Session) -> list[tuple[Organization, list[Organization]]]:
    """The districts and, under each, its streets and towns: what a member picks their home from."""
    rows = session.scalars(sa.select(Organization).where(Organization.kind.in_(RESIDENCE_KINDS))
                           .order_by(Organization.path)).all()
    districts = [o for o in rows if o.kind == OrgKind.district]
    return [(d, [o for o in rows if o.parent_id == d.id]) for d in districts]


def set_profile(session: Session, member_id: int, *, residence_id: int | None, outside_beijing: bool,
                native_place: str | None, service_areas: list[str]) -> Member:
    unknown = [a for a in service_areas if a not in SERVICE_AREAS]
    if unknown:
        raise Invalid("service_areas", "请从列表中选择服务领域")
    native_place = (native_place or "").strip() or None
    if native_place is not None and native_place not in PROVINCES:
        raise Invalid("native_place", "请选择籍贯所在的省、自治区、直辖市")
    with unit_of_work(session):
        member = get_member(session, member_id)
        if outside_beijing:
            member.residence_org_id, member.lives_in_beijing = None, False
        elif residence_id is not None:
            place = orgs.get_org(session, residence_id)
            if place.kind not in RESIDENCE_KINDS:
                raise Invalid("residence", "居住地请选择区或街道（乡镇）")
            member.residence_org_id, member.lives_in_beijing = place.id, True
        else:
            member.residence_org_id, member.lives_in_beijing = None, None
        member.native_place = native_place
        member.service_areas = [a for a in SERVICE_AREAS if a in set(service_areas)]
        audit(session, ("member", member.id), "member.residence", ("member", member.id))
        return member


def residence_label(session: Session, member: Member) -> str:
    if member.lives_in_beijing is False:
        return "不在北京"
    if member.residence_org_id is None:
        return "未填写"
    return orgs.path_label(session, session.get(Organization, member.residence_org_id))


def areas_text(member: Member) -> str:
    return "、".join(SERVICE_AREAS[a] for a in member.service_areas or [] if a in SERVICE_AREAS) or "未填写"


def teams_near_home(session: Session, member: Member, limit: int = 30) -> list[Team]:
    """The community (village) teams under the member's home street or district, to 报到 near home."""
    if member.residence_org_id is None:
        return []
    home = session.get(Organization, member.residence_org_id)
    return list(session.scalars(sa.select(Team).join(Organization, Organization.id == Team.org_id)
                                .where(orgs.subtree_filter(home), Team.is_community).order_by(Team.name).limit(limit)))


def living_in(org: Organization) -> sa.ColumnElement[bool]:
    """A member whose home is in ``org``'s sub-tree (a street's coordinators find who lives there)."""
    return Member.residence_org_id.in_(sa.select(Organization.id).where(orgs.subtree_filter(org)))
