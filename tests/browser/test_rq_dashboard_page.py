"""RQ's dashboard really runs in a browser inside the console (its scripts under its own policy, no
Content-Security-Policy violation), for the city committee."""

from tests.browser.conftest import desk_login
from tests.factories import make_account, make_tree


def test_the_city_sees_the_queues_in_a_browser(app, session, live_server, desk, pg_only):
    assert app.config["REDIS_URL"]  # without Redis nothing is queued and the dashboard is not mounted
    tree = make_tree(session)
    make_account(session, tree.city, "beijing")
    page, shot = desk, desk.shots
    desk_login(page, live_server, "beijing")
    answer = page.goto(f"{live_server}/console/rq/")
    assert answer.status == 200 and "'unsafe-eval'" in answer.headers["content-security-policy"]
    page.wait_for_selector("text=qingchun")  # the queue list is drawn by the dashboard's own scripts
    assert "qingchun" in [cell.strip() for cell in page.locator("table td").all_inner_texts()]
    assert page.csp_violations == []  # its own scripts ran under the policy given to its pages
    shot("rq-dashboard")
