import datetime as dt

import pytest
import sqlalchemy as sa

from models import Enrolment, RecordStatus, ServiceRecord
from services.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from services.volunteering import checkin, hours, onsite_qr, projects, records
from tests.factories import SITE, START, here, join, make_dated_project, make_member, make_project_input, make_tree

UTC = dt.UTC


@pytest.fixture
def world(session):
    tree = make_tree(session)
    team = tree.team(session, tree.community)
    project = make_dated_project(session, tree, team)
    member = make_member(session)
    join(session, member, team)
    session.add(Enrolment(project_id=project.id, member_id=member.id))
    session.commit()
    return tree, team, project, member


def test_sign_in_then_out_gives_a_pending_record_with_its_duration(session, world):
    tree, team, project, member = world
    signed_in = checkin.sign_in(session, member.id, project.id, here(), now=START - dt.timedelta(minutes=5))
    assert signed_in.created and signed_in.decision.valid and signed_in.record.status == RecordStatus.open
    assert signed_in.record.signin_distance_m < 5  # WGS-84 converted to the site's GCJ-02 before measuring
    out = checkin.sign_out(session, member.id, project.id, here(), now=START + dt.timedelta(minutes=170))
    assert out.created and out.record.status == RecordStatus.pending and out.record.duration_minutes == 175
    assert "待负责人确认" in out.message
    assert hours.summary(session, member.id, year=2026).year_minutes == 0  # not approved yet


def test_double_taps_and_retries_give_the_same_record(session, world):
    tree, team, project, member = world
    now = START + dt.timedelta(minutes=1)
    first = checkin.sign_in(session, member.id, project.id, here(), now=now, key="msg-1")
    again = checkin.sign_in(session, member.id, project.id, here(), now=now)
    retry = checkin.sign_in(session, member.id, project.id, here(), now=now, key="msg-1")
    assert not again.created and not retry.created and again.record.id == retry.record.id == first.record.id
    out = checkin.sign_out(session, member.id, project.id, here(), now=now + dt.timedelta(hours=2))
    out_again = checkin.sign_out(session, member.id, project.id, here(), now=now + dt.timedelta(hours=2, minutes=1))
    assert not out_again.created and out_again.record.id == out.record.id
    with pytest.raises(NotFound, match="还没有"):
        checkin.sign_out(session, member.id, project.id, here(), now=now + dt.timedelta(hours=3))
    assert session.scalar(sa.select(sa.func.count()).select_from(ServiceRecord)) == 1


def test_a_sign_in_retried_with_its_key_after_the_window_closed_answers_with_its_record(session, world):
    """The answer was lost, the phone retried after the project ended: the same record, not 已结束."""
    tree, team, project, member = world
    first = checkin.sign_in(session, member.id, project.id, here(), now=START + dt.timedelta(hours=2, minutes=59),
                            key="mp:retry-1")
    late = START + dt.timedelta(hours=3, minutes=5)  # the project ended at START + 3 h
    retry = checkin.sign_in(session, member.id, project.id, here(), now=late, key="mp:retry-1")
    assert not retry.created and retry.record.id == first.record.id and "无需重复签到" in retry.message
    other = make_member(session)  # the window is closed then: anybody else's sign-in is refused
    join(session, other, team)
    session.add(Enrolment(project_id=project.id, member_id=other.id))
    session.commit()
    with pytest.raises(Invalid, match="已于"):
        checkin.sign_in(session, other.id, project.id, here(), now=late, key="mp:other-1")


def test_time_window(session, world):
    tree, team, project, member = world
    with pytest.raises(Invalid, match="开始前30分钟") as err:
        checkin.sign_in(session, member.id, project.id, here(), now=START - dt.timedelta(minutes=31))
    assert err.value.code == "too_early"
    assert checkin.sign_in(session, member.id, project.id, here(), now=START - dt.timedelta(minutes=30)).created
    checkin.sign_out(session, member.id, project.id, here(), now=START + dt.timedelta(minutes=30))
    with pytest.raises(Invalid, match="已于") as err:
        checkin.sign_in(session, member.id, project.id, here(), now=START + dt.timedelta(hours=3, seconds=1))
    assert err.value.code == "ended"


def test_outside_the_fence_says_how_far_and_writes_nothing(session, world):
    tree, team, project, member = world
    with pytest.raises(Invalid) as err:
        checkin.sign_in(session, member.id, project.id, here(north_m=600), now=START)
    assert err.value.code == "outside_fence" and "允许范围300米" in err.value.message
    assert err.value.detail["distance_m"] == pytest.approx(600, abs=5) and err.value.detail["radius_m"] == 300
    # The raw WGS-84 numbers read as GCJ-02 would be ~500 m off: the coordinate system matters.
    wgs = here()
    with pytest.raises(Invalid):
        checkin.sign_in(session, member.id, project.id, checkin.Location(wgs.lat, wgs.lng, "gcj02", 20), now=START)
    with pytest.raises(Invalid) as err:
        checkin.sign_in(session, member.id, project.id, here(accuracy=800), now=START)
    assert err.value.detail["reason"] == "poor_accuracy"
    with pytest.raises(Invalid) as err:
        checkin.sign_in(session, member.id, project.id, checkin.Location(float("nan"), 116.4, "wgs84", 10), now=START)
    assert err.value.code == "bad_location"
    assert checkin.sign_in(session, member.id, project.id, here("bd09"), now=START).created
    assert session.scalar(sa.select(sa.func.count()).select_from(ServiceRecord)) == 1


def test_enrolment_required_and_one_project_at_a_time(session, world):
    tree, team, project, member = world
    stranger = make_member(session)
    join(session, stranger, team)
    with pytest.raises(Forbidden, match="请先报名"):
        checkin.sign_in(session, stranger.id, project.id, here(), now=START)
    long_term = session.scalar(sa.select(projects.Project).where(projects.Project.team_id == team.id,
                                                                  projects.Project.is_long_term))
    team.site_lat, team.site_lng = SITE
    long_term.copy_site_from(team)
    session.commit()
    checkin.sign_in(session, member.id, project.id, here(), now=START)
    with pytest.raises(Conflict, match="还未签退"):
        checkin.sign_in(session, member.id, long_term.id, here(), now=START + dt.timedelta(minutes=5))
    # Self-directed service on the long-term project needs no enrolment for a team member.
    assert checkin.sign_in(session, stranger.id, long_term.id, here(), now=START).created
    outsider = make_member(session)
    with pytest.raises(Forbidden, match="服务队"):
        checkin.sign_in(session, outsider.id, long_term.id, here(), now=START)


def test_missing_signouts_are_marked_12_hours_after_the_end(session, world):
    tree, team, project, member = world
    checkin.sign_in(session, member.id, project.id, here(), now=START)
    end = project.ends_at
    assert records.mark_missing_signouts(session, now=end + dt.timedelta(hours=11)) == 0
    with pytest.raises(Conflict, match="超时"):
        checkin.sign_out(session, member.id, project.id, here(), now=end + dt.timedelta(hours=12, minutes=1))
    assert records.mark_missing_signouts(session, now=end + dt.timedelta(hours=12, minutes=1)) == 1
    record = session.scalar(sa.select(ServiceRecord))
    assert record.status == RecordStatus.missing_signout and record.duration_minutes is None
    assert hours.summary(session, member.id, year=2026).year_minutes == 0


def test_the_project_on_now(session, world):
    tree, team, project, member = world
    assert checkin.project_on_now(session, member.id, now=START).id == project.id
    later = checkin.project_on_now(session, member.id, now=START + dt.timedelta(days=1))
    assert later.is_long_term and later.team_id == team.id


def test_onsite_qr_token_changes_every_30_seconds(app, session, world):
    tree, team, project, member = world
    token, expires = onsite_qr.current(project, now=START)
    assert (expires - START).total_seconds() <= 30
    assert onsite_qr.verify(project.code, token, now=START + dt.timedelta(seconds=29))
    assert not onsite_qr.verify(project.code, token, now=START + dt.timedelta(seconds=61))
    with pytest.raises(Invalid, match="过期"):
        onsite_qr.scan(session, member.id, project.code, token, here(), now=START + dt.timedelta(minutes=5))
    result = onsite_qr.scan(session, member.id, project.code, token, here(), now=START + dt.timedelta(seconds=10))
    assert result.action == "signin" and result.created
    fresh, _ = onsite_qr.current(project, now=START + dt.timedelta(hours=2))
    out = onsite_qr.scan(session, member.id, project.code, fresh, here(), now=START + dt.timedelta(hours=2))
    assert out.action == "signout" and out.record.duration_minutes == 119
    assert onsite_qr.payload(project, "https://v.example.cn", now=START).endswith(f"/{project.code}/{token}")


def test_concurrent_sign_ins_give_one_record(session, world, pg_only, run_threads):
    tree, team, project, member = world
    member_id, project_id = member.id, project.id
    results = run_threads(8, lambda own, i: checkin.sign_in(own, member_id, project_id, here(), now=START).record.id)
    assert len(set(results)) == 1 and all(isinstance(r, int) for r in results), results
    assert session.scalar(sa.select(sa.func.count()).select_from(ServiceRecord)) == 1


def test_concurrent_sign_ins_at_two_projects_keep_one_open(session, world, pg_only, run_threads):
    tree, team, project, member = world
    other = projects.create_project(session, tree.community.id, team.id,
                                    make_project_input(starts_at=START, ends_at=START + dt.timedelta(hours=2)))
    other.status = projects.ProjectStatus.published
    session.add(Enrolment(project_id=other.id, member_id=member.id))
    session.commit()
    ids, member_id = [project.id, other.id], member.id
    results = run_threads(6, lambda own, i: checkin.sign_in(own, member_id, ids[i % 2], here(), now=START).record.id)
    assert len({r for r in results if isinstance(r, int)}) == 1, results
    assert all(isinstance(r, (int, Conflict)) for r in results)
    assert session.scalar(sa.select(sa.func.count()).select_from(ServiceRecord)) == 1


def test_mark_missing_command(app, session, world):
    tree, team, project, member = world
    checkin.sign_in(session, member.id, project.id, here(), now=START)
    result = app.test_cli_runner().invoke(args=["records", "mark-missing"])
    assert result.exit_code == 0 and "已标记 1 条" in result.output
    assert session.scalar(sa.select(ServiceRecord.status)) == RecordStatus.missing_signout
