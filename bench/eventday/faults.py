"""The faults sprinkled over a run, each at a share of the calm run's length, and the windows they
open. A window runs from the fault to two seconds after it is over: requests in flight at that time may
fail (nginx does not resend a POST a killed node had already received), and the goals on latency are
judged outside the windows. The district's push is requested at the same share in both runs; in the
faulted run a worker is SIGKILLed a second after it, while the push is being sent."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

MARGIN = 2.0


@dataclass
class Window:
    name: str
    began: float  # epoch seconds, as nginx's $msec
    ended: float


def plan(length: float, hang: float, faulted: bool) -> list[tuple[float, str]]:
    """(seconds after the start, what) for a run expected to last ``length`` seconds."""
    events = [(0.40 * length, "push")]
    if faulted:
        events += [(0.15 * length, "kill a web node"), (0.30 * length, f"hang Redis {hang:g} s"),
                   (0.40 * length + 1.0, "kill a worker mid-push"), (0.65 * length, "restart PostgreSQL")]
    return sorted(events)


class Faults(threading.Thread):
    def __init__(self, fleet, events: list[tuple[float, str]], push, hang: float) -> None:
        super().__init__(daemon=True)
        self.fleet, self.events, self.push, self.hang = fleet, events, push, hang
        self.windows: list[Window] = []
        self.pushed_at: float | None = None
        self.began = time.monotonic()
        self.errors: list[str] = []

    def run(self) -> None:
        for offset, what in self.events:
            time.sleep(max(0.0, self.began + offset - time.monotonic()))
            try:
                self._do(what)
            except Exception as exc:  # noqa: BLE001 - said in the report, the run goes on
                self.errors.append(f"{what}: {type(exc).__name__}: {exc}")

    def _do(self, what: str) -> None:
        fleet, began = self.fleet, time.time()
        if what == "push":
            self.pushed_at = began
            self.push()
        elif what == "kill a web node":
            fleet.kill_process("node a")
            self.windows.append(Window(what, began, time.time() + MARGIN))
            threading.Thread(target=self._later, args=(10.0, lambda: fleet.start_node("a")), daemon=True).start()
        elif what.startswith("hang Redis"):
            fleet.redis.hang()
            time.sleep(self.hang)
            fleet.redis.resume()
            self.windows.append(Window(what, began, time.time() + MARGIN))
        elif what == "kill a worker mid-push":
            fleet.kill_process("w1")
            self.windows.append(Window(what, began, began))  # workers answer nobody: no window
            threading.Thread(target=self._later, args=(5.0, lambda: fleet.start_job_process("w1", "worker")),
                             daemon=True).start()
        elif what == "restart PostgreSQL":
            fleet.database_proxy.cut()  # every connection closed by the server's side, new ones refused
            time.sleep(3.0)
            fleet.database_proxy.restore()
            self.windows.append(Window(what, began, time.time() + MARGIN))

    def _later(self, seconds: float, action) -> None:
        time.sleep(seconds)
        try:
            action()
        except Exception as exc:  # noqa: BLE001
            self.errors.append(f"start again: {type(exc).__name__}: {exc}")

