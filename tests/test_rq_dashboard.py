"""RQ's dashboard in the console (issue 23.6): the city committee only, its pages under a policy that
lets the library's scripts run, its POSTs only from this site."""

from tests.factories import make_account, make_tree
from tests.web import console_login


def test_the_city_reads_the_queues_others_cannot(app, session, pg_only):
    assert app.config["REDIS_URL"]  # without Redis nothing is queued and the dashboard is not mounted
    tree = make_tree(session)
    make_account(session, tree.city, "beijing")
    make_account(session, tree.district, "dongcheng")
    anonymous = app.test_client().get("/console/rq/")
    assert anonymous.status_code == 302 and "/console/login" in anonymous.headers["Location"]
    assert console_login(app, "dongcheng").get("/console/rq/").status_code == 403
    city = console_login(app, "beijing")
    assert 'href="/console/rq/">任务队列</a>' in city.get("/console/").get_data(as_text=True)
    page = city.get("/console/rq/")
    assert page.status_code == 200 and "RQ" in page.get_data(as_text=True)
    assert "'unsafe-eval'" in page.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in city.get("/console/").headers["Content-Security-Policy"]  # only there
    queues = city.get("/console/rq/0/data/queues.json").get_json()
    assert "qingchun" in [q["name"] for q in queues["queues"]]  # the app's queue
    forged = city.post("/console/rq/requeue/default", headers={"Origin": "https://evil.example"})
    assert forged.status_code == 403
