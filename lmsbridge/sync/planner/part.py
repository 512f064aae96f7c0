"""What one entity's planning gives: its actions, problems, parts skipped, and the Moodle ids of existing objects
that the actions refer to. make_plan joins the parts in order."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from lmsbridge.sync.plan import Action, Skipped
from lmsbridge.sync.problem import Problem

_TAG = re.compile(r"<[^>]+>")


def text(value: str) -> str:
    """Text as a reader sees it: Moodle adds and drops markup and white space in descriptions and feedback."""
    return " ".join(_TAG.sub(" ", value or "").split())


@dataclass
class Part:
    actions: list[Action] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    ids: dict[str, dict[str, int]] = field(default_factory=dict)  # entity -> key -> Moodle id

    def act(self, entity: str, key: str, op: str, before: dict[str, Any] | None, after: dict[str, Any] | None,
            source: str, reason: str, name: str = "") -> None:
        self.actions.append(Action(entity=entity, key=key, op=op, before=before, after=after, source=source,
                                   reason=reason, name=name))

    def known(self, entity: str, key: str, moodle_id: int) -> None:
        self.ids.setdefault(entity, {})[key] = moodle_id
