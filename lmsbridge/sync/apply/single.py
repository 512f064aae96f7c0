"""Rows sent one call at a time (or one call per course or item), for what is not a batched core list call:
each failure is a row of the run summary, and the rest goes on."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from lmsbridge.moodle import MoodleAPIError, MoodleError
from lmsbridge.sync.apply.ledger import RECONCILE_ROUNDS, SITE_ERRORS, UNKNOWN_OUTCOME, Ledger, SiteFailure, Skip
from lmsbridge.sync.plan import Action

log = logging.getLogger("lmsbridge.applier")


def each(books: Ledger, work: list[Any], fn: Callable[[Any], None], *, parallel: bool = True,
         found: Callable[[Ledger, Action], bool] = lambda books, a: False,
         hint: Callable[[Action, str], str] = lambda a, code: "") -> None:
    """Run ``fn`` on each item (an action, or a list of actions sent in one call); an unknown outcome sends the
    item again (every call here is idempotent by idnumber, or ``found`` looks a create up first), a Moodle error
    fails the item's rows, an unusable site stops the run."""
    def guarded(item: Any) -> None:
        if books.stop.is_set():
            books.result.interrupted = True
            return
        actions = item if isinstance(item, list) else [item]
        try:
            for round_ in range(1, RECONCILE_ROUNDS + 1):
                try:
                    fn(item)
                    break
                except UNKNOWN_OUTCOME as exc:
                    # Outcome unknown. Every call here is idempotent by idnumber (upserts, set grades, link), or,
                    # for the two creates, looked up by idnumber first: so the item is simply sent again.
                    if round_ == RECONCILE_ROUNDS:
                        raise
                    log.info("%s: %s; sending again", actions[0].key, type(exc).__name__)
                    books.reconciling(len(actions))
                    if found(books, actions[0]):
                        break
        except Skip as skip:
            for a in actions:
                books.fail(a, message=str(skip), skipped=True)
        except SITE_ERRORS as exc:
            raise SiteFailure.of(exc) from exc
        except MoodleAPIError as exc:
            for a in actions:
                books.refused(a, exc, hint(a, exc.errorcode or ""))
        except MoodleError as exc:  # outcome unknown: the next sync reads the site and finishes what is missing
            for a in actions:
                books.fail(a, message=f"outcome unknown: {exc}", hint="re-run the sync")

    if parallel and books.concurrency > 1 and len(work) > 1:
        with ThreadPoolExecutor(max_workers=books.concurrency) as pool:
            for f in [pool.submit(guarded, w) for w in work]:
                f.result()
    else:
        for w in work:
            guarded(w)
