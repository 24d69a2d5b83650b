"""The scheduler's periodic work (issue 23.2): every job is on the schedule, and the dashboard refresh
recounts a stale sub-tree and leaves a fresh one alone."""
from jobs import periodic
from services.reporting import stats
from tests.factories import make_member, make_tree


def test_every_periodic_job_is_scheduled(app):
    with app.app_context():
        names = {job.__name__ for job, seconds in periodic.schedule() if seconds > 0}
    assert names == {"recover_pushes", "mark_missing_signouts", "purge_sessions", "delete_appeal_photos",
                     "lapse_pairings", "hand_over_appeals", "forget_positions", "refresh_dashboards", "send_reminders"}


def test_dashboards_are_refreshed_when_stale(app, session):
    tree = make_tree(session)
    make_member(session, branch=tree.branch2)
    assert periodic.refresh_dashboards() > 0
    assert stats.dashboard(session, tree.city).total.counts.members == 1
    assert periodic.refresh_dashboards() == 0  # fresh: nothing recounted
