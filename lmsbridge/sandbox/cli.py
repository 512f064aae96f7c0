"""What `lmsbridge sandbox` does: start, print the URL and token once, serve until Ctrl-C or SIGTERM."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from typing import Any

from lmsbridge.sandbox.app import Sandbox


def run_sandbox(*, echo: Callable[[str], Any] = print, **options: Any) -> None:
    sb = Sandbox(**options)
    sb.start()
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    # The token is the sandbox's own (not a secret of the user's), printed once so a client can be pointed at it.
    echo(f"Moodle sandbox running at {sb.url}")
    echo(f"LMSBRIDGE_MOODLE_URL={sb.url}")
    echo(f"LMSBRIDGE_MOODLE_TOKEN={sb.token}")
    echo(f"State: {options.get('state') or 'in memory (lost on exit; --state FILE keeps it)'}. Ctrl-C stops.")
    try:
        while not stop.wait(0.5):
            pass
    finally:
        sb.close()
        echo("Moodle sandbox stopped.")
