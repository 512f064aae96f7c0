"""A progress bar on stderr, drawn only when stderr is a terminal (logs and cron mail stay clean)."""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO


class Progress:
    """Thread-safe counter that redraws one line: `label [#####.....] done/total`."""

    def __init__(self, label: str, total: int, *, stream: TextIO | None = None, enabled: bool | None = None) -> None:
        self.label, self.total, self.done = label, max(total, 0), 0
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self._lock = threading.Lock()
        self._drawn = 0.0
        self._draw(force=True)

    def advance(self, n: int = 1) -> None:
        with self._lock:
            self.done += n
            self._draw(force=self.done >= self.total)

    def close(self) -> None:
        with self._lock:
            self._draw(force=True)
            if self.enabled:
                self.stream.write("\n")
                self.stream.flush()

    def _draw(self, *, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._drawn < 0.1:  # at most ten redraws a second
            return
        self._drawn = now
        width = 30
        filled = int(width * self.done / self.total) if self.total else width
        self.stream.write(f"\r{self.label:<24} [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}")
        self.stream.flush()
