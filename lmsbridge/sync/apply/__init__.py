"""The applier: Plan -> web-service calls, dumb on purpose (every decision is in the plan).

``applier`` runs the plan's phases in order and hands each to its concern: ``batched`` (core list calls:
categories, courses, users, cohorts, groups, enrolments, memberships), ``competencies``, ``scorm`` (activities)
and ``grades``, the last three sending rows a call at a time through ``single``. ``ledger`` keeps the run's books
(Moodle ids, failures, counts, the journal) and maps Moodle's errors onto what the applier does about them.
"""
