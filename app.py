"""Application factory and entry point.

``gunicorn 'app:create_app()'`` serves production; ``flask --app app ...`` runs the CLI, the RQ worker
and the scheduler (``flask --app app jobs worker``). Nothing is built, opened or configured at import time.
"""
from __future__ import annotations

import os

from flask import Flask

from jobs import embedded as embedded_scheduler
from jobs import push as push_jobs
from runtime import extensions, logsetup
from runtime.config import ENV_VARS, load_config
from runtime.dbretry import retry_after_reconnect
from runtime.extensions import db
from services.kernel import text_bounds
from services.kernel.beijing_time import shown, to_local_input
from services.volunteering.hours import hours_text, star_label
from web import guards
from web.errors import register_errors
from web.guards import csrf
from web.requestargs import BoundedIntConverter


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.url_map.converters["int"] = BoundedIntConverter  # before any route: ids stay in the column's range
    config = config or {}
    # Settings named like environment variables may come in ``config`` too (tests, scripts), so that a
    # given DATA_KEY or SECRET_KEY is used instead of generating the development one.
    given = {k: v for k, v in config.items() if k in ENV_VARS and isinstance(v, str)}
    app.config.update(load_config({**os.environ, **given}))
    app.config.update(config)
    app.json.ensure_ascii = False  # Chinese messages readable in JSON bodies (Flask 3 has no JSON_AS_ASCII)
    app.add_template_filter(hours_text, "hours")  # minutes → "19.9": one rule for every page
    app.add_template_filter(to_local_input, "local_input")  # a datetime-local field's value, Beijing time
    app.add_template_filter(shown, "beijing")  # any datetime as Beijing time: one clock on every page
    app.add_template_filter(star_label, "star")  # 「3星志愿者」: star levels written one way
    logsetup.register_logging(app)
    extensions.init_app(app)
    text_bounds.init_app(app)
    guards.init_app(app)
    push_jobs.init_app(app)
    register_errors(app)
    register_blueprints(app)
    retry_after_reconnect(app, db)
    register_cli(app)
    embedded_scheduler.start(app)  # only with EMBEDDED_SCHEDULER=1 and no Redis: `make run`
    return app


def register_blueprints(app: Flask) -> None:
    from console import register_console
    from console.posters import bp as qr_bp
    from console.rq_dashboard import register_rq_dashboard
    from miniprogram_api import register_api
    from mobile import register_mobile
    from wechat import register_wechat

    register_wechat(app)
    register_mobile(app)
    register_console(app)
    register_rq_dashboard(app)
    register_api(app)
    app.register_blueprint(qr_bp)
    # WeChat's callback and the API sandbox are signed by WeChat's own scheme, not by a form token.
    for name in ("wechat", "wechat_sandbox"):
        if name in app.blueprints:
            csrf.exempt(app.blueprints[name])

    from jobs.queue import queue
    from runtime.health import bp as health_bp
    from runtime.metrics import register_metrics
    from web.home import register_home

    register_home(app)
    app.register_blueprint(health_bp)
    register_metrics(app, queue=queue)


def register_cli(app: Flask) -> None:
    from console.org_cli import orgs_cli
    from console.poster_cli import qr_cli
    from demo.cli import register_commands as register_demo
    from jobs.cli import jobs_cli, push_cli
    from jobs.maintenance import register_commands as register_maintenance
    from wechat.cli import wechat_cli

    register_demo(app)
    register_maintenance(app)
    app.cli.add_command(wechat_cli)
    app.cli.add_command(qr_cli)
    app.cli.add_command(orgs_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(push_cli)
