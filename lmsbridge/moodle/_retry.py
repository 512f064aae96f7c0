"""Retry timing: exponential backoff with full jitter (so parallel workers do not retry in step)."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 3  # further attempts after the first
    backoff_s: float = 0.5  # first delay's upper bound; doubles each time
    max_backoff_s: float = 10.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait before attempt ``attempt + 1`` (attempt 0 is the first try)."""
        return random.uniform(0, min(self.max_backoff_s, self.backoff_s * 2**attempt))
