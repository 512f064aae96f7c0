"""A local Moodle-5.0-compatible REST endpoint: the embedded default lmsbridge runs against, and what tests use.

    from lmsbridge.sandbox import Sandbox
    with Sandbox() as sb:            # real HTTP server on 127.0.0.1, state in memory
        client = MoodleClient(sb.url, sb.token)
        sb.db.create_user(username="ann", firstname="Ann", lastname="Lee", email="ann@example.com")

Function families live in `lmsbridge.sandbox.functions` (one module each) around the registry in
`lmsbridge.sandbox.registry`.
"""

from lmsbridge.sandbox.app import Sandbox
from lmsbridge.sandbox.faults import Faults
from lmsbridge.sandbox.registry import REGISTRY
from lmsbridge.sandbox.store import Store

__all__ = ["REGISTRY", "Faults", "Sandbox", "Store"]
