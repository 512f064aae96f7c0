"""The companion plugin local_lmsbridge: its functions with the contract of lmsbridge/moodle_plugin/CONTRACT.md.

Mirrors the PHP in lmsbridge/moodle_plugin/classes/external/ step by step (same order of checks, same error codes
and English strings), over the sandbox's tables: the package comes from the token user's draft area
(webservice/upload.php), is checked as scorm_validate_package() does, its manifest is read as
scorm_parse_scorm() reads it (SCOs matched by identifier, so tracks of remaining SCOs stay), and grades land where
gradereport_user_get_grade_items and core_grades_get_gradeitems read them. Registered only on a site whose
Sandbox has plugin=True (see app.Sandbox). One module per family of functions; importing this package registers
them all.
"""

from lmsbridge.sandbox.functions.plugin import activities, capabilities, grades, read  # noqa: F401
from lmsbridge.sandbox.functions.plugin import certificate_pdf, certificates, completion, sections  # noqa: F401
from lmsbridge.sandbox.functions.plugin import bulk_users  # noqa: F401
from lmsbridge.sandbox.functions.plugin.lookup import PLUGIN_COMPONENT, PROTECT_DOWNLOADS
from lmsbridge.sandbox.functions.plugin.package import parse_package

__all__ = ["PLUGIN_COMPONENT", "PROTECT_DOWNLOADS", "parse_package"]
