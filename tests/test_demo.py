"""``flask seed-demo`` builds a demo with records in every state, on both databases."""
import sqlalchemy as sa

from models import (
    LeagueReview,
    Member,
    OrgAccount,
    Organization,
    Pairing,
    PairingStatus,
    Project,
    ProjectStatus,
    RecordStatus,
    ReviewYear,
    ServiceRecord,
    Team,
)
from services.kernel.passwords import check_password


def test_seed_demo_builds_everything_and_prints_the_logins(app, session):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo", "--password", "demo1234"])
    assert result.exit_code == 0, result.output
    assert "beijing" in result.output and "北京团市委" in result.output and "demo1234" in result.output
    account = session.scalar(sa.select(OrgAccount).where(OrgAccount.username == "beijing"))
    assert account.org.kind.value == "city" and check_password(account.password_hash, "demo1234")
    assert session.scalar(sa.select(sa.func.count()).select_from(Member)) >= 290
    assert set(session.scalars(sa.select(ServiceRecord.status).distinct())) == set(RecordStatus)
    assert session.scalar(sa.select(sa.func.count()).select_from(LeagueReview)) > 0
    assert session.scalar(sa.select(sa.func.count()).select_from(ReviewYear)) == 1
    assert session.scalar(sa.select(sa.func.count()).where(Member.activist_since.is_not(None))) == 3
    pairings = session.scalars(sa.select(Pairing)).all()
    assert {p.status for p in pairings} == {PairingStatus.accepted, PairingStatus.lapsed}
    assert sorted(p.settled for p in pairings if p.status == PairingStatus.accepted) == [False, True]
    assert {ProjectStatus.draft, ProjectStatus.published, ProjectStatus.closed} <= set(
        session.scalars(sa.select(Project.status).distinct()))
    communities = session.scalars(sa.select(Team).where(Team.is_community)).all()
    assert len(communities) == 8 and all(t.site_lat and 39.4 < t.site_lat < 41 for t in communities)
    long_term = session.scalar(sa.select(sa.func.count()).select_from(Project).where(Project.is_long_term))
    assert long_term == len(communities)
    kinds = {o.kind.value for o in session.scalars(sa.select(Organization))}
    assert {"city", "district", "street", "town", "community", "village", "university", "department",
            "school", "branch"} <= kinds


def test_seed_demo_refuses_a_second_run_unless_told_to_skip(app, session):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code != 0 and "空数据库" in again.output
    skipped = runner.invoke(args=["seed-demo", "--if-empty"])
    assert skipped.exit_code == 0 and "跳过" in skipped.output
