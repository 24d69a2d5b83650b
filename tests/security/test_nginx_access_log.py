"""Issue 39.10: a console search by phone (``?q=13812345678``) landed in nginx's combined access log.
The deployment's own site file, run by Debian's nginx in front of a stub web node, now logs the path
without the query string or the referer."""
from __future__ import annotations

import http.server
import os
import shutil
import ssl
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tests.faults.servers import free_port, wait_for_port

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


class _Ok(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def nginx_site(tmp_path):
    if shutil.which("nginx") is None:
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail("REQUIRE_SERVICES=1 but nginx is not installed (make test installs nginx-light)")
        pytest.skip("nginx is not installed; `make test` installs Debian's nginx-light")
    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    port = free_port()
    (tmp_path / "logs").mkdir()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-keyout", str(tmp_path / "privkey.pem"), "-out", str(tmp_path / "fullchain.pem")],
                   check=True, capture_output=True)
    head, _redirect, tls = (DEPLOY / "nginx" / "site.conf").read_text().split("server {", 2)
    tls = ("server {" + tls).replace("listen 443 ssl http2;", f"listen 127.0.0.1:{port} ssl http2;") \
        .replace("listen [::]:443 ssl http2;", "").replace("/etc/ssl/qingchun", str(tmp_path)) \
        .replace("/etc/nginx/qingchun-proxy-params", str(DEPLOY / "nginx" / "proxy_params")) \
        .replace("/var/log/nginx/", f"{tmp_path}/logs/")
    head = head.replace("include /etc/nginx/qingchun-upstream.conf;",
                        f"upstream qingchun_web {{ server 127.0.0.1:{upstream.server_port}; }}")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/logs/error.log;\ndaemon off;\n"
        f"events {{ worker_connections 64; }}\nhttp {{\n client_body_temp_path {tmp_path}/body;\n"
        f" proxy_temp_path {tmp_path}/proxy;\n{head}{tls}\n}}\n")
    nginx = subprocess.Popen(["nginx", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for_port(port)
        yield f"https://127.0.0.1:{port}", tmp_path / "logs" / "qingchun-access.log"
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        upstream.shutdown()
        upstream.server_close()


def test_phones_in_query_strings_stay_out_of_the_access_log(nginx_site):
    base, log = nginx_site
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    for path in ("/console/members?q=13812345678", "/api/mp/v1/org/members?q=13912345678&page=2"):
        request = urllib.request.Request(base + path, headers={"Referer": base + "/console/members?q=13700001111"})
        with urllib.request.urlopen(request, context=context, timeout=10) as answer:
            assert answer.status == 200
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and len(log.read_text().splitlines()) < 2:
        time.sleep(0.05)
    lines = log.read_text().splitlines()
    assert len(lines) == 2 and '"GET /console/members HTTP/' in lines[0] and " 200 " in lines[0]
    assert not any(digits in "\n".join(lines) for digits in ("13812345678", "13912345678", "13700001111", "q="))
