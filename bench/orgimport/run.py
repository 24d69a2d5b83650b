"""The tree import on a Beijing-shaped file (issue 36.4): ``.venv/bin/python -m bench.orgimport.run
[--scale 1.0] [--skip-postgres]``.

For SQLite and PostgreSQL (a database of its own, migrated to head, with the deployed settings): the
dry run (read + plan), the import itself with the admins' invitations file and every team placed by
its address through the geocoder (the sandbox's Baidu route over loopback HTTP) — ``jobs.org_import.run``,
what the console's job and the CLI do —, and the same file imported again (nothing to do), each timed,
with the process's peak memory. Baseline, side by side: a slice of the same rows created the way a
single organisation is created (``orgs.create_organization``, one transaction each, as registering
with a code does), in rows per second. Figures go to stdout and bench/out/orgimport.json."""
from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from bench.common import ROOT, rebuild_database
from bench.orgimport.generate import csv_bytes

PG_URL = "postgresql://postgres@127.0.0.1:5432/qingchun_bench_orgimport"
BASELINE_ROWS = 400


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _sandbox() -> str:
    """The geocoder's stand-in (the WeChat sandbox's Baidu route) on a loopback port, as in the tests:
    every team of the file is placed by its address through real HTTP."""
    import threading

    from werkzeug.serving import make_server

    from wechat.sandbox import SandboxState, create_sandbox_app

    server = make_server("127.0.0.1", 0, create_sandbox_app(SandboxState(appid="wxbench", secret="bench")), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}/baidu"


def _app(url: str, tmp: Path, geocoder_url: str):
    from cryptography.fernet import Fernet

    from app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "DATABASE_URL": url, "REDIS_URL": None,
                       "DATA_KEY": Fernet.generate_key().decode(), "SECRET_KEY": "bench", "TESTING": True,
                       "ORG_IMPORT_DIR": str(tmp / "imports"), "PUBLIC_BASE_URL": "https://qingchun.example.org",
                       "GEOCODER_BASE_URL": geocoder_url})


def measure(backend: str, url: str, data: bytes, tmp: Path, geocoder_url: str) -> dict:
    from jobs import org_import
    from models import Organization, OrgKind
    from runtime.extensions import db
    from services.organisations import orgs, tree_import

    app = _app(url, tmp, geocoder_url)
    figures: dict = {"backend": backend}
    with app.app_context():
        if backend == "sqlite":
            db.create_all()
        city = orgs.create_organization(db.session, None, "共青团北京市委员会", OrgKind.city)
        started, before = time.perf_counter(), _peak_mb()
        planned = tree_import.plan(db.session, city.id, tree_import.read_rows(data, "beijing.csv"))
        figures["rows"] = len(planned.rows)
        figures["plan_s"] = round(time.perf_counter() - started, 2)
        assert not planned.problems, planned.problems[:3]
        import_id = org_import.stash(data, "beijing.csv", city.id, None)
        started = time.perf_counter()
        counts = org_import.run(import_id, lambda done, total: None)
        figures["import_s"] = round(time.perf_counter() - started, 2)
        figures["rows_per_s"] = round(figures["rows"] / figures["import_s"])
        figures["new"] = counts["new"]
        figures["placed"], figures["unplaced"] = counts["placed"], counts["unplaced"]
        figures["invitations"] = len(org_import.invitations_path(import_id).read_text(encoding="utf-8-sig").splitlines()) - 1
        figures["peak_rss_mb"] = round(_peak_mb(), 1)
        figures["peak_rss_growth_mb"] = round(_peak_mb() - before, 1)
        started = time.perf_counter()
        again = org_import.run(org_import.stash(data, "beijing.csv", city.id, None), None)
        figures["reimport_s"] = round(time.perf_counter() - started, 2)
        figures["reimport_new"] = again["new"]
        # The baseline: organisations made one transaction each, as a code registration makes one.
        district = orgs.create_organization(db.session, city.id, "基线区团委", OrgKind.district)
        street = orgs.create_organization(db.session, district.id, "基线街道团工委", OrgKind.street, category="urban")
        started = time.perf_counter()
        for n in range(BASELINE_ROWS):
            orgs.create_organization(db.session, street.id, f"基线{n}社区团组织", OrgKind.community,
                                     contact_name="协调员", contact_phone="13800000000")
        figures["baseline_rows_per_s"] = round(BASELINE_ROWS / (time.perf_counter() - started))
        figures["organisations"] = db.session.scalar(sa.select(sa.func.count()).select_from(Organization))
        db.session.remove()
        db.engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    data = csv_bytes(args.scale)
    results = []
    geocoder_url = _sandbox()
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        results.append(measure("sqlite", f"sqlite:///{tmp}/bench.db", data, tmp, geocoder_url))
        if not args.skip_postgres:
            import os

            environment = {**os.environ, "DATABASE_URL": PG_URL, "REDIS_URL": "redis://127.0.0.1:6379/14"}
            rebuild_database(PG_URL, environment["REDIS_URL"], environment)
            results.append(measure("postgresql", PG_URL, data, tmp, geocoder_url))
    print(f"{'backend':<11}{'rows':>7}{'plan s':>8}{'import s':>10}{'rows/s':>8}{'baseline rows/s':>17}"
          f"{'re-import s':>13}{'placed':>8}{'peak MB':>9}{'growth MB':>11}")
    for r in results:
        print(f"{r['backend']:<11}{r['rows']:>7}{r['plan_s']:>8}{r['import_s']:>10}{r['rows_per_s']:>8}"
              f"{r['baseline_rows_per_s']:>17}{r['reimport_s']:>13}{r['placed']:>8}{r['peak_rss_mb']:>9}"
              f"{r['peak_rss_growth_mb']:>11}")
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "orgimport.json").write_text(json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
