"""RQ's dashboard (rq-dashboard) inside the console, for the city committee's account only: the
queues, workers and failed jobs of the fleet, with requeue and delete.

Its pages are the library's own: they use inline scripts and underscore's compiled templates, so these
pages alone get a Content-Security-Policy with 'unsafe-inline' and 'unsafe-eval' (behind the city's
login, same origin only); its actions are POSTs without our form token, so they are accepted only
when the browser says they come from this site (Origin, else Referer), and never as a GET."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, abort, request

from web.security import CSP, talisman, to_login

PREFIX = "/console/rq"
REGISTRIES = {"queued", "failed", "deferred", "started", "finished", "scheduled", "canceled"}
#: The library's views that change something, whatever method it lets them answer.
CHANGES_STATE = {"rq_dashboard.requeue_all", "rq_dashboard.requeue_job_view", "rq_dashboard.delete_job_view",
                 "rq_dashboard.empty_queue", "rq_dashboard.compact_queue"}
DASHBOARD_CSP = {**CSP, "script-src": "'self' 'unsafe-inline' 'unsafe-eval'"}


def register_rq_dashboard(app: Flask) -> None:
    if not app.config.get("REDIS_URL"):
        return  # nothing queued without Redis: jobs run inline
    import rq_dashboard
    from rq_dashboard.web import setup_rq_connection

    from console.auth import current_account
    from web.guards import csrf

    blueprint = rq_dashboard.blueprint
    app.config.setdefault("RQ_DASHBOARD_REDIS_URL", app.config["REDIS_URL"])
    app.config.setdefault("RQ_DASHBOARD_POLL_INTERVAL", 5000)

    @app.before_request
    def city_only():
        if request.blueprint != blueprint.name:
            return None
        account = current_account()
        if account is None:
            return to_login("console.login")
        if account.org.kind.value != "city":
            abort(403, description="任务队列仅团市委可以查看")
        args = request.view_args or {}
        number = args.get("instance_number")
        if number is not None and not 0 <= number < len(app.config["RQ_DASHBOARD_REDIS_URL"]):
            abort(404, description="没有该 Redis 实例")  # the library itself would raise (a 500)
        if args.get("registry_name", "queued") not in REGISTRIES or args.get("order", "asc") not in ("asc", "desc"):
            abort(404, description="没有该任务登记表")
        if request.method != "POST" and request.endpoint in CHANGES_STATE:
            abort(405)  # the library also requeues on GET: a link or an <img> would do it
        if request.method == "POST":
            source = request.headers.get("Origin") or request.headers.get("Referer") or ""
            if urlsplit(source).netloc != request.host:
                abort(403, description="请从管理后台的任务队列页面操作")
        return None

    csrf.exempt(blueprint)
    app.register_blueprint(blueprint, url_prefix=PREFIX)
    for endpoint, view in list(app.view_functions.items()):
        if endpoint.startswith(blueprint.name + ".") and endpoint != blueprint.name + ".static":
            app.view_functions[endpoint] = talisman(content_security_policy=DASHBOARD_CSP,
                                                    content_security_policy_nonce_in=[])(view)
    with app.app_context():
        setup_rq_connection(app)
