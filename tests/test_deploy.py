"""deploy/ (issue 23.1): the nginx site passes `nginx -t` with both upstream files (Debian's nginx,
installed by `make test`), and the units and compose file wire the processes the README describes:
web nodes gated on /readyz, workers, the scheduler, migrations before the web."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import REQUIRE_SERVICES

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


def test_the_nginx_site_passes_nginx_t():
    if shutil.which("nginx") is None:
        if REQUIRE_SERVICES:
            pytest.fail("REQUIRE_SERVICES=1 but nginx is not installed (make test installs nginx-light)")
        pytest.skip("nginx is not installed; `make test` installs Debian's nginx-light")
    done = subprocess.run(["bash", str(DEPLOY / "check-nginx.sh")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("test is successful") == 2


def test_compose_and_units_run_every_process_with_health_checks():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "migrate", "web1", "web2", "worker1", "worker2", "scheduler", "nginx"} <= set(services)
    assert "/readyz" in " ".join(services["web1"]["healthcheck"]["test"]) and services["web2"] == services["web1"]
    assert services["scheduler"]["command"][-2:] == ["jobs", "scheduler"]
    assert services["web1"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    # SSD costs for the planner: the benches apply the same settings (bench.common.deploy_postgres_settings)
    assert {"random_page_cost=1.1", "jit=off"} <= set(services["postgres"]["command"])
    units = {p.name: p.read_text() for p in (DEPLOY / "systemd").iterdir()}
    assert "/readyz" in units["qingchun-web@.service"] and "db upgrade" in units["qingchun-web@.service"]
    assert "jobs worker" in units["qingchun-worker@.service"] and "jobs scheduler" in units["qingchun-scheduler.service"]
    env_names = {line.split("=")[0] for line in (DEPLOY / ".env.example").read_text().splitlines()
                 if line and not line.startswith("#")}
    assert {"SECRET_KEY", "DATA_KEY", "PUBLIC_BASE_URL", "WECHAT_TOKEN", "TRUSTED_PROXIES"} <= env_names
