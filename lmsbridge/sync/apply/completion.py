"""Course completion criteria: local_lmsbridge_set_completion per course (idempotent), the criteria read back."""

from __future__ import annotations

from lmsbridge.moodle import calls
from lmsbridge.sync.apply.ledger import Ledger
from lmsbridge.sync.apply.single import each
from lmsbridge.sync.plan import Action


def _hint(a: Action, code: str) -> str:
    return {"completionnotenabled": "enable completion tracking (Site administration > Advanced features) and in "
                                    "the course settings",
            "completionlocked": "learners have completed criteria already: change the criteria on the course's "
                                "completion page in Moodle if that is intended, or set completion = \"none\" in "
                                "moodle.toml",
            "completionactivity": "the module's activity is missing or has no completion tracking: re-run the sync"
            }.get(code, "see lmsbridge doctor for the plugin's setup")


def apply_completion(books: Ledger, phase: tuple[str, str], actions: list[Action]) -> None:
    each(books, actions, lambda a: _criteria(books, a), hint=_hint)


def _criteria(books: Ledger, a: Action) -> None:
    x = a.after or {}
    stored = sorted(books.send(calls.plugin_set_completion(books.id("course", x["course"]), x["activities"])
                           ).activities)
    if stored != sorted(x["activities"]):
        books.fail(a, message=f"course {x['course']}: Moodle holds completion criteria {stored}, asked "
                              f"{x['activities']}", errorcode="mismatch", hint="re-run the sync; if it persists, "
                                                                               "report it")
        return
    books.applied([a], {})
