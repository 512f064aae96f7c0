"""Running on a schedule: an interval from its words, and a loop that syncs every interval until SIGTERM or
SIGINT, which let the current batch finish and release the lock."""

from __future__ import annotations

import logging
import re
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from lmsbridge.exit_codes import ExitCode
from lmsbridge.sync.outcome import SyncOutcome
from lmsbridge.sync.sources.delivery import ConfigError

log = logging.getLogger("lmsbridge.sync")


def parse_interval(text: str) -> float:
    """'15m', '1h', '90s', '2h30m' -> seconds."""
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*([smhd]?)", text.strip().lower())
    if not parts or "".join(n + u for n, u in parts) != text.strip().lower().replace(" ", ""):
        raise ConfigError(f"interval {text!r} is not like 15m, 1h, 90s")
    seconds = sum(float(n) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[u] for n, u in parts)
    if seconds < 1:
        raise ConfigError(f"interval {text!r} is too short")
    return seconds


def install_stop_handlers(stop: threading.Event) -> None:
    """SIGTERM and SIGINT ask the run to finish its current batch, release the lock and exit."""

    def handler(signum: int, _frame: Any) -> None:
        log.warning("received %s: finishing the current batch, then stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def run_every(interval: float, once: Callable[[], SyncOutcome], stop: threading.Event,
              on_outcome: Callable[[SyncOutcome], None]) -> int:
    """Run ``once`` now and then every ``interval`` seconds until ``stop``; returns the last exit code."""
    code: int = ExitCode.OK
    while not stop.is_set():
        started = time.monotonic()
        outcome = once()
        on_outcome(outcome)
        code = outcome.exit_code
        stop.wait(max(0.0, interval - (time.monotonic() - started)))
    return code
