"""Web-service function families, one module each; importing this package registers them all."""

from lmsbridge.sandbox.functions import (  # noqa: F401
    badges, categories, cohorts, competency, completion, courses, enrol, files, grades, groups, plugin, scorm, site,
    users)
