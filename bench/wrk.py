"""wrk (Debian's package, a C load generator) as the benches' figure of record.

The Python clients in bench/common.py spend as much CPU a call as the callback itself and shared the
two cores with the servers, so they measured themselves as much as the server. wrk runs one thread
and 16 connections, a new connection per request (``Connection: close``, as nginx opens them towards
gunicorn). The requests are made here, ready to send (each message distinct and signed, each
member's request with their own token), and bench/requests.lua sends each exactly once, in order, then
stops: the exactly-once checks that follow a round hold for every request made.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = Path(__file__).with_name("requests.lua")
CONNECTIONS = 16


def ensure_wrk() -> str:
    """wrk's path, installed with the other Debian packages (tools/system-deps.sh) when missing."""
    if shutil.which("wrk") is None:
        subprocess.run(["bash", str(ROOT / "tools" / "system-deps.sh"), "wrk"], check=True)
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit("wrk is needed (Debian: apt-get install wrk)")
    return path


def raw(method: str, path: str, *, body: bytes = b"", params: dict | None = None,
        headers: dict | None = None, keep_alive: bool = False) -> bytes:
    """One HTTP/1.1 request as it goes on the wire, closing its connection after the answer unless
    ``keep_alive`` (a phone's WebView and WeChat's servers keep theirs open towards nginx)."""
    target = path + ("?" + urlencode(params) if params else "")
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", *([] if keep_alive else ["Connection: close"]),
             *(f"{name}: {value}" for name, value in (headers or {}).items())]
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def run(port: int, requests: list[bytes], *, expect: str | None = None, status: int = 200,
        connections: int = CONNECTIONS, limit: float | None = None, scheme: str = "http",
        rate: float | None = None, wait_all: bool = False) -> dict:
    """Send every request once over ``connections`` connections; the figures as bench/common.line reads
    them, with ``errors`` (bad answers and socket errors) listed. ``limit``: seconds after which the run
    is cut short (a server that stalls), reported as requests not sent. ``scheme`` https: through nginx's
    TLS (wrk does not check the certificate). ``rate``: requests a second, paced (requests.lua).
    ``wait_all``: wrk stops when every request is answered, not when the last is sent."""
    wrk = ensure_wrk()
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as folder:
        listing, result = Path(folder, "requests.hex"), Path(folder, "result.json")
        listing.write_text("".join(request.hex() + "\n" for request in requests))
        environment = {**os.environ, "BENCH_WRK_REQUESTS": str(listing), "BENCH_WRK_RESULT": str(result),
                       "BENCH_WRK_STATUS": str(status)}
        if expect:
            environment["BENCH_WRK_EXPECT"] = expect
        if rate:
            environment["BENCH_WRK_RATE"] = str(rate)
        if wait_all:
            environment["BENCH_WRK_WAIT_ALL"] = "1"
        # -d is only a ceiling: the script says when every request is out, and wrk is interrupted then
        # (SIGINT: it reports and runs the script's done()).
        process = subprocess.Popen([wrk, "-t1", f"-c{connections}", "-d600s", "--timeout", "10s", "-s", str(SCRIPT),
                                    f"{scheme}://127.0.0.1:{port}/"], env=environment, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE)
        marker, began = Path(str(result) + ".out"), time.monotonic()
        while process.poll() is None and not marker.exists():
            if limit is not None and time.monotonic() - began > limit:
                break
            time.sleep(0.01)
        time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
        if not result.exists():
            raise RuntimeError(f"wrk gave no result: {stderr.decode()[-500:]}")
        # the sample of bad answers is cut by bytes, maybe inside a character
        figures = json.loads(result.read_bytes().decode("utf-8", "replace"))
    socket_errors = {key: figures[key] for key in ("connect", "read", "write", "timeout") if figures[key]}
    errors = ([f"{figures['bad']} bad answers: {figures['sample']}"] if figures["bad"] else []) + \
        ([f"socket errors {socket_errors}"] if socket_errors else [])
    if figures["sent"] < len(requests):
        errors.append(f"only {figures['sent']} of {len(requests)} requests sent in {limit} s")
    seconds = figures["elapsed_us"] / 1e6
    return {"requests": figures["answered"], "rps": figures["answered"] / seconds, "seconds": seconds,
            "good_rps": (figures["answered"] - figures["bad"]) / seconds,
            "p50_ms": figures["p50_us"] / 1000, "p90_ms": figures["p90_us"] / 1000,
            "p99_ms": figures["p99_us"] / 1000, "errors": errors}
