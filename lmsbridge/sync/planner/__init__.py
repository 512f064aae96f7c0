"""The planner: desired state + actual state -> Plan, pure (no I/O, no clock, no HTTP).

One function per entity, each a part of the plan: ``structure`` (categories, courses), ``people`` (accounts),
``memberships`` (cohorts, enrolments, groups), ``alumni``, ``plugin_parts`` (competencies, SCORM activities,
event grades); ``make`` joins them in order and checks the thresholds; ``scope`` says what to read.
"""

from lmsbridge.sync.planner.make import make_plan
from lmsbridge.sync.planner.scope import scope_of
from lmsbridge.sync.planner.settings import DEFAULT_ROLES, PlanSettings

__all__ = ["DEFAULT_ROLES", "PlanSettings", "make_plan", "scope_of"]
