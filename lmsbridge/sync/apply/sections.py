"""Course sections: local_lmsbridge_set_sections, one call per course, the stored names read back."""

from __future__ import annotations

from lmsbridge.moodle import calls
from lmsbridge.sync.apply.ledger import Ledger
from lmsbridge.sync.apply.single import each
from lmsbridge.sync.plan import Action


def _hint(a: Action, code: str) -> str:
    return "check the module titles in the programme" if code == "invalidoption" else \
        "see lmsbridge doctor for the plugin's setup"


def apply_sections(books: Ledger, phase: tuple[str, str], actions: list[Action]) -> None:
    by_course: dict[str, list[Action]] = {}
    for a in actions:
        by_course.setdefault((a.after or {})["course"], []).append(a)
    each(books, list(by_course.values()), lambda group: _sections(books, group), hint=_hint)


def _sections(books: Ledger, group: list[Action]) -> None:
    wanted = [a.after or {} for a in group]
    answer = books.send(calls.plugin_set_sections(books.id("course", wanted[0]["course"]), wanted))
    stored = {s.section: s for s in answer.sections}
    done = []
    for a, x in zip(group, wanted):
        got = stored.get(x["section"])
        if got is None or got.name != x["name"]:
            books.fail(a, message=f"section {x['section']} of {x['course']}: Moodle holds "
                                  f"{got.name if got else None!r}, asked {x['name']!r}", errorcode="mismatch",
                       hint="re-run the sync; if it persists, report it")
            continue
        done.append(a)
    books.applied(done, {})
