"""The one retry policy: what the client repeats, how often, and when. A call is repeated only when repeating
it is certainly safe: a connection that never reached Moodle, a read, or a Moodle error that says nothing was
stored (REPEATABLE_ERRORS). Timing: exponential backoff with full jitter (so parallel workers do not retry in
step). What the sync does after a write's unknown outcome is not a retry but a reconciliation (it reads back
first): see lmsbridge/sync/apply/ledger.py."""

from __future__ import annotations

import random
from dataclasses import dataclass

# Moodle's file pool (lib/filestorage/file_system_filedir.php) checks is_dir, then mkdir, and writes
# <hash>.tmp then renames it, without tolerating another request doing the same at once: two uploads or package
# extractions storing files under the same new folder (packages share files, and every hash shares its
# two-level folder with others) can fail with these codes. Nothing is stored for the failed call (a web-service
# function's transaction is rolled back, a draft upload is all or nothing), so the call is safely sent again.
REPEATABLE_ERRORS = frozenset({"storedfilecannotcreatefiledirs", "storedfilecannotcreatefile"})


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 3  # further attempts after the first
    backoff_s: float = 0.5  # first delay's upper bound; doubles each time
    max_backoff_s: float = 10.0
    # Further attempts after a REPEATABLE_ERRORS answer: such races come in bursts while parallel calls store
    # files, so they get more attempts than a lost connection.
    race_retries: int = 4

    def delay(self, attempt: int) -> float:
        """Seconds to wait before attempt ``attempt + 1`` (attempt 0 is the first try)."""
        return random.uniform(0, min(self.max_backoff_s, self.backoff_s * 2**attempt))
