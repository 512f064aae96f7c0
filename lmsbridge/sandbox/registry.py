"""The function registry: web-service name -> implementation, parameter description, read or write.

A family module (functions/users.py, ...) registers its functions with `@function(...)`; adding a family, such
as the companion plugin's `local_lmsbridge_*`, is adding a module and importing it in functions/__init__.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lmsbridge.sandbox.errors import MoodleException, RequiredCapability
from lmsbridge.sandbox.params import Single

if TYPE_CHECKING:
    from lmsbridge.sandbox.store import Store


@dataclass
class TokenInfo:
    """A web-service token: whose it is and what it may do. capabilities None = every capability."""

    token: str
    userid: int
    functions: frozenset[str] | None = None  # None: every registered function (the sandbox's own service)
    rest_use: bool = True
    capabilities: frozenset[str] | None = None
    name: str = ""


@dataclass
class Call:
    """What an implementation gets besides its parameters."""

    store: Store
    token: TokenInfo
    site_url: str
    debug: bool
    langs: frozenset[str]
    now: int = field(default_factory=lambda: int(time.time()))

    @property
    def userid(self) -> int:
        return self.token.userid

    def has(self, capability: str) -> bool:
        caps = self.token.capabilities
        return caps is None or capability in caps or capability in AUTHENTICATED_USER

    def require(self, capability: str, label: str) -> None:
        """require_capability(): Moodle's nopermissions error, with the capability's human name."""
        if not self.has(capability):
            raise RequiredCapability(capability, label)

    def validate_course_context(self, courseid: int) -> None:
        """validate_context() on a course: a user neither enrolled there nor allowed moodle/course:view cannot
        reach it at all."""
        if self.token.capabilities is not None and "moodle/course:view" not in self.token.capabilities \
                and not self.store.is_enrolled(courseid, self.userid):
            raise MoodleException(
                "errorcoursecontextnotvalid",
                f"You cannot execute functions in the course context (course id:{courseid}). The context error "
                "message was: Course or activity not accessible.")


# What Moodle's "Authenticated user" role allows every account by default (of the capabilities the sandbox
# checks): a token given a list of capabilities has these too, as on a real site.
AUTHENTICATED_USER = frozenset({"moodle/competency:coursecompetencyview"})

Impl = Callable[..., Any]


@dataclass
class Function:
    name: str
    impl: Impl
    params: Single
    write: bool
    rows: str | None = None  # the list parameter whose length counts as "rows" for per-row latency
    component: str = ""  # "" for core; a plugin's component (local_lmsbridge) when only that plugin defines it


REGISTRY: dict[str, Function] = {}

# Functions that exist in Moodle 5.0 but that the sandbox does not implement: calling them gives the
# "not in the service" access exception, as on a site whose service lacks them, not "unknown function".
KNOWN_ELSEWHERE = frozenset({
    "core_message_send_instant_messages", "core_course_get_courses", "core_course_search_courses",
    "core_course_duplicate_course", "core_course_import_course", "core_course_edit_module",
    "core_course_delete_modules", "core_courseformat_update_course",
    "core_courseformat_file_handlers", "core_role_assign_roles", "core_role_unassign_roles",
    "core_cohort_update_cohorts", "core_grades_create_gradecategories",
    "gradereport_user_get_grades_table", "core_completion_update_activity_completion_status_manually",
    "core_completion_override_activity_completion_status", "mod_scorm_view_scorm", "core_files_upload",
    "core_group_delete_groups", "core_group_update_groups", "core_user_get_course_user_profiles",
})


def function(name: str, params: dict[str, Any], *, write: bool, rows: str | None = None,
             component: str = "") -> Callable[[Impl], Impl]:
    """Register `impl(call, **params)` as web-service function `name` (of plugin `component`, if given)."""

    def deco(impl: Impl) -> Impl:
        REGISTRY[name] = Function(name, impl, Single(params), write, rows, component)
        return impl

    return deco
