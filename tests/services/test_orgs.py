import pytest
import sqlalchemy as sa

from models import OrgAccount, Organization, OrgKind, Project, RegistrationCode, Team
from services.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from services.organisations import orgs
from tests.factories import make_tree


def test_generates_n_single_use_codes_and_registers_a_branch(session):
    tree = make_tree(session)
    codes = orgs.generate_registration_codes(session, tree.dept.id, 5)
    assert len(set(codes)) == 5
    org = orgs.register_organization(session, codes[0].lower(), "计算机学院2025级1班团支部", "branch",
                                     "TZB22121301", "bitTZB22121301")
    assert org.parent_id == tree.dept.id and org.kind == OrgKind.branch
    assert org.path == f"{tree.dept.path}{org.id}/"
    assert orgs.is_within(session, org.id, tree.city.id)
    assert session.scalar(sa.select(OrgAccount.username).where(OrgAccount.org_id == org.id)) == "TZB22121301"
    with pytest.raises(Conflict) as err:
        orgs.register_organization(session, codes[0], "另一个支部", "branch", "TZB22121302", "bit123456")
    assert err.value.code == "code_used" and "已被使用" in err.value.message
    assert session.scalar(sa.select(sa.func.count()).select_from(Organization).where(
        Organization.name == "另一个支部")) == 0


def test_code_rules(session):
    tree = make_tree(session)
    with pytest.raises(Invalid, match="1至500"):
        orgs.generate_registration_codes(session, tree.city.id, 0)
    with pytest.raises(Invalid, match="注册码无效"):
        orgs.register_organization(session, "NOPE", "x支部", "branch", "someone", "abc123")
    code = orgs.generate_registration_codes(session, tree.street.id, 1)[0]
    with pytest.raises(Invalid) as err:
        orgs.register_organization(session, code, "某大学团委", "university", "someuni", "abc123")
    assert err.value.code == "org_kind"
    with pytest.raises(Invalid, match="用户名"):
        orgs.register_organization(session, code, "新社区团组织", "community", "ab", "abc123")
    with pytest.raises(Invalid, match="密码不能全部为数字"):
        orgs.register_organization(session, code, "新社区团组织", "community", "newcomm", "12345678")
    # Nothing was half written by the refusals: the code is still usable.
    org = orgs.register_organization(session, code, "新社区团组织", "community", "newcomm", "abc123")
    assert session.scalar(sa.select(Team).where(Team.org_id == org.id)).is_community


def test_revoked_code_cannot_register_and_outsiders_cannot_revoke(session):
    tree = make_tree(session)
    code = orgs.generate_registration_codes(session, tree.street.id, 1)[0]
    with pytest.raises(NotFound):
        orgs.revoke_registration_code(session, tree.suburb.id, code)
    orgs.revoke_registration_code(session, tree.district.id, code)
    with pytest.raises(Invalid):
        orgs.register_organization(session, code, "新社区团组织", "community", "newcomm", "abc123")


def test_streets_need_a_category_and_usernames_are_unique(session):
    tree = make_tree(session)
    with pytest.raises(Invalid, match="城区或郊区"):
        orgs.create_organization(session, tree.district.id, "新街道团工委", "street")
    orgs.create_account(session, tree.street.id, "donghuamen", "abc123")
    with pytest.raises(Conflict, match="已被使用"):
        orgs.create_account(session, tree.community.id, "DongHuaMen", "abc123")
    with pytest.raises(Forbidden):
        orgs.generate_registration_codes(session, tree.branch.id, 1)


def test_team_kinds_get_teams_and_community_teams_a_long_term_project(session):
    tree = make_tree(session)
    kinds = {org.kind for org in session.scalars(sa.select(Organization).join(Team, Team.org_id == Organization.id))}
    assert kinds == {OrgKind.street, OrgKind.town, OrgKind.community, OrgKind.village, OrgKind.department}
    team = tree.team(session, tree.community)
    assert team.name == "多福巷社区青年志愿者服务队"
    project = session.scalar(sa.select(Project).where(Project.team_id == team.id))
    assert project.is_long_term and project.title == "多福巷社区团组织团员志愿者服务项目"
    assert session.scalar(sa.select(sa.func.count()).select_from(Project).where(
        Project.team_id == tree.team(session, tree.dept).id)) == 0


def test_concurrent_use_of_one_code_registers_one_org(session, pg_only, run_threads):
    tree = make_tree(session)
    code = orgs.generate_registration_codes(session, tree.dept.id, 1)[0]

    def register(own, i):
        return orgs.register_organization(own, code, f"并发支部{i}", "branch", f"race{i:04d}", "abc123").id

    results = run_threads(6, register)
    winners = [r for r in results if isinstance(r, int)]
    assert len(winners) == 1, results
    assert all(isinstance(r, Conflict) and r.code == "code_used" for r in results if not isinstance(r, int))
    assert session.scalar(sa.select(RegistrationCode.used_by_org_id)) == winners[0]
    assert session.scalar(sa.select(sa.func.count()).select_from(Organization).where(
        Organization.name.like("并发支部%"))) == 1
