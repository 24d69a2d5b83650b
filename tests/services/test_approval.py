import datetime as dt

import pytest
import sqlalchemy as sa

from models import AuditEntry, CorrectionStatus, Enrolment, RecordStatus, ServiceRecord
from services.kernel.errors import Conflict, Forbidden, Invalid
from services.volunteering import approval, checkin, corrections, hours, projects
from services.volunteering.records import mark_missing_signouts
from tests.factories import START, here, join, make_dated_project, make_member, make_project_input, make_tree, pair

UTC = dt.UTC


@pytest.fixture
def world(session):
    tree = make_tree(session)
    team = tree.team(session, tree.community)
    project = make_dated_project(session, tree, team)
    people = [make_member(session) for _ in range(3)]
    for person in people:
        join(session, person, team)
        session.add(Enrolment(project_id=project.id, member_id=person.id))
    session.commit()
    for i, person in enumerate(people):
        checkin.sign_in(session, person.id, project.id, here(north_m=10 * i), now=START + dt.timedelta(minutes=i))
        checkin.sign_out(session, person.id, project.id, here(), now=START + dt.timedelta(minutes=120 + i))
    records = list(session.scalars(sa.select(ServiceRecord).order_by(ServiceRecord.id)))
    return tree, team, project, people, records


def test_approve_one_reject_one_then_all_pending(session, world):
    tree, team, project, people, records = world
    result = approval.decide_records(session, tree.community.id, [records[0].id], approve=True)
    assert result.decided == [records[0].id]
    approval.decide_records(session, tree.community.id, [records[1].id], approve=False, note="未在现场")
    rest = approval.decide_all_pending(session, tree.street.id, project.id, approve=True)  # a superior
    assert rest.decided == [records[2].id]
    again = approval.decide_records(session, tree.community.id, [records[0].id, 999999], approve=False,
                                    note="时间不符")
    assert again.decided == [] and again.skipped == {records[0].id: "approved", 999999: "not_found"}
    assert [r.status for r in records] == [RecordStatus.approved, RecordStatus.rejected, RecordStatus.approved]
    assert hours.summary(session, people[0].id, year=2026).year_minutes == 120
    assert hours.summary(session, people[1].id, year=2026).year_minutes == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action.in_(["record.approved", "record.rejected"]))) == 3


def test_only_the_team_its_superiors_or_a_timekeeper_approve(session, world):
    tree, team, project, people, records = world
    for outsider in (tree.community2, tree.suburb, tree.dept):
        with pytest.raises(Forbidden):
            approval.decide_records(session, outsider.id, [records[0].id], approve=True)
    assert records[0].status == RecordStatus.pending


def test_timekeeper_department_approves_a_street_project(session):
    tree = make_tree(session)
    pair(session, tree, tree.dept, tree.street)
    street_team = tree.team(session, tree.street)
    street_team.site_lat, street_team.site_lng = 39.92113, 116.40735
    project = projects.create_project(session, tree.street.id, street_team.id, make_project_input(
        audience="paired", starts_at=START, ends_at=START + dt.timedelta(hours=3)))
    project.status = projects.ProjectStatus.published
    student = make_member(session, branch=tree.branch)
    session.add(Enrolment(project_id=project.id, member_id=student.id))
    session.commit()
    checkin.sign_in(session, student.id, project.id, here(), now=START)
    record = checkin.sign_out(session, student.id, project.id, here(), now=START + dt.timedelta(hours=2)).record
    with pytest.raises(Forbidden):
        approval.decide_records(session, tree.dept.id, [record.id], approve=True)
    projects.set_timekeepers(session, tree.street.id, project.id, [tree.dept.id])
    assert approval.decide_records(session, tree.dept.id, [record.id], approve=True).decided == [record.id]


def test_edit_times_keeps_the_original_and_fixes_a_missing_signout(session, world):
    tree, team, project, people, records = world
    record = records[0]
    first_in, first_out = record.signin_at, record.signout_at
    new_out = START + dt.timedelta(minutes=90)
    with pytest.raises(Invalid, match="原因"):
        corrections.edit_times(session, tree.community.id, record.id, START, new_out, "")
    with pytest.raises(Invalid, match="晚于签到"):
        corrections.edit_times(session, tree.community.id, record.id, START, START, "提前离开")
    with pytest.raises(Forbidden):
        corrections.edit_times(session, tree.community2.id, record.id, START, new_out, "提前离开")
    corrections.edit_times(session, tree.community.id, record.id, START, new_out, "提前离开")
    corrections.edit_times(session, tree.community.id, record.id, START, START + dt.timedelta(minutes=100), "再次核对")
    assert (record.duration_minutes, record.original_duration_minutes) == (100, 120)
    assert (record.original_signin_at, record.original_signout_at) == (first_in, first_out)
    late = make_member(session)
    join(session, late, team)
    session.add(Enrolment(project_id=project.id, member_id=late.id))
    session.commit()
    checkin.sign_in(session, late.id, project.id, here(), now=START)
    mark_missing_signouts(session, now=project.ends_at + dt.timedelta(hours=13))
    missing = session.scalar(sa.select(ServiceRecord).where(ServiceRecord.member_id == late.id))
    assert missing.status == RecordStatus.missing_signout
    corrections.edit_times(session, tree.community.id, missing.id, START, START + dt.timedelta(minutes=150),
                           "现场负责人确认")
    assert missing.status == RecordStatus.pending and missing.signout_at == START + dt.timedelta(minutes=150)
    assert missing.original_signout_at is None and missing.duration_minutes == 150
    approval.decide_records(session, tree.community.id, [missing.id], approve=True)
    with pytest.raises(Conflict):
        corrections.edit_times(session, tree.community.id, missing.id, START, START + dt.timedelta(minutes=30),
                               "已审核后修改")
    edits = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "record.edit")
                            .order_by(AuditEntry.id)).all()
    assert edits[0].detail["before"]["duration_minutes"] == 120 and edits[0].detail["reason"] == "提前离开"


def test_flags(session, world):
    tree, team, project, people, records = world
    assert approval.flags_for(session, records) == {}
    # Two members from identical coordinates in one minute; one session over 12 h; a far sign-out.
    records[1].signin_lat, records[1].signin_lng = records[0].signin_lat, records[0].signin_lng
    records[1].signin_at = records[0].signin_at + dt.timedelta(seconds=20)
    records[2].duration_minutes = 13 * 60
    records[2].signout_lat = records[2].signin_lat + 0.005  # ~550 m north
    session.commit()
    flags = approval.flags_for(session, records)
    assert flags[records[0].id] == ["shared_coordinates"] and flags[records[1].id] == ["shared_coordinates"]
    assert flags[records[2].id] == ["over_12h", "far_signout"]
    listed = approval.pending_for_project(session, tree.community.id, project.id)
    assert {r.id: f for r, f in listed} == flags
    assert all(code in approval.FLAG_LABELS for codes in flags.values() for code in codes)


def test_correction_request_accepted_keeps_the_original_in_the_audit(session, world):
    tree, team, project, people, records = world
    record = records[0]
    new_in, new_out = START - dt.timedelta(minutes=10), START + dt.timedelta(hours=2, minutes=50)
    with pytest.raises(Invalid, match="原因"):
        corrections.request_correction(session, people[0].id, record.id, new_in, new_out, "")
    with pytest.raises(Invalid, match="项目时间"):
        corrections.request_correction(session, people[0].id, record.id, START - dt.timedelta(hours=2), new_out, "忘记签退")
    request = corrections.request_correction(session, people[0].id, record.id, new_in, new_out, "忘记及时签退")
    with pytest.raises(Conflict, match="待处理"):
        corrections.request_correction(session, people[0].id, record.id, new_in, new_out, "再次申请")
    with pytest.raises(Forbidden):
        corrections.decide_correction(session, tree.community2.id, request.id, accept=True)
    corrections.decide_correction(session, tree.community.id, request.id, accept=True)
    assert request.status == CorrectionStatus.accepted
    assert (record.signin_at, record.duration_minutes, record.original_duration_minutes) == (new_in, 180, 120)
    assert record.status == RecordStatus.pending
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "correction.accept"))
    assert entry.detail["original"]["duration_minutes"] == 120
    with pytest.raises(Conflict, match="已处理"):
        corrections.decide_correction(session, tree.community.id, request.id, accept=False)


def test_correction_refused_and_overlap_refused(session, world):
    tree, team, project, people, records = world
    other = records[1]
    request = corrections.request_correction(session, people[1].id, other.id, START, START + dt.timedelta(hours=1),
                                             "时间记录有误")
    with pytest.raises(Invalid, match="驳回须填写原因"):  # every 驳回 says why (issue 37.3)
        corrections.decide_correction(session, tree.community.id, request.id, accept=False, note=" ")
    corrections.decide_correction(session, tree.community.id, request.id, accept=False, note="与现场记录不符")
    assert request.status == CorrectionStatus.refused and other.duration_minutes == 120
    # A second record of the same member may not be moved onto the first.
    long_term = session.scalar(sa.select(projects.Project).where(projects.Project.is_long_term,
                                                                  projects.Project.team_id == team.id))
    team.site_lat, team.site_lng = 39.92113, 116.40735
    long_term.copy_site_from(team)
    session.commit()
    checkin.sign_in(session, people[1].id, long_term.id, here(), now=START + dt.timedelta(hours=4))
    second = checkin.sign_out(session, people[1].id, long_term.id, here(), now=START + dt.timedelta(hours=5)).record
    with pytest.raises(Invalid, match="重叠"):
        corrections.request_correction(session, people[1].id, second.id, START + dt.timedelta(minutes=30),
                                       START + dt.timedelta(hours=1), "记错了时间")
