"""A web-service call as a value: its function, its parameters, the list parameter its items may be split on,
and how its answer is parsed. ``lmsbridge.moodle.calls`` builds them (every function name and parameter shape
lmsbridge sends lives there); ``MoodleClient.send`` sends one, ``MoodleClient.batches`` splits one for the
site's max_input_vars. The sync's ledger and reader send them through their own counting, bisecting and
journalling code, which needs the call as data rather than as a method."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

T = TypeVar("T")


def raw(data: Any) -> Any:
    """Moodle's decoded JSON as it came (for answers whose absent fields mean something, see the reader)."""
    return data


@dataclass(frozen=True)
class Call(Generic[T]):
    function: str
    params: Mapping[str, Any] = field(default_factory=dict)
    list_param: str = ""  # the list parameter: its items may go in several requests (writes: bisected)
    parse: Callable[[Any], T] = raw  # answer -> typed result
    read: bool | None = None  # None: by the function's name (_functions.READ_FUNCTIONS)

    @property
    def items(self) -> list[Any]:
        return list(self.params.get(self.list_param) or []) if self.list_param else []

    @property
    def fixed(self) -> dict[str, Any]:
        """The parameters sent with every batch (all but the list)."""
        return {k: v for k, v in self.params.items() if k != self.list_param}

    def with_items(self, items: Sequence[Any]) -> Call[T]:
        """The same call for some of its items (a batch, or half of one)."""
        return replace(self, params={**self.params, self.list_param: list(items)})
