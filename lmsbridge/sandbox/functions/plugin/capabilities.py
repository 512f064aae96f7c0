"""local_lmsbridge_check_capabilities: which of the given capabilities the caller holds."""

from __future__ import annotations

from typing import Any


from lmsbridge.capabilities import SYNC_USER_CAPABILITIES
from lmsbridge.sandbox.params import Multiple, Value
from lmsbridge.sandbox.registry import Call, function

from lmsbridge.sandbox.functions.plugin.lookup import CAPABILITY_LABELS, PLUGIN_COMPONENT, RAW_TRIMMED, require_trimmed

@function("local_lmsbridge_check_capabilities", {"capabilities": Multiple(Value(RAW_TRIMMED))}, write=False,
          component=PLUGIN_COMPONENT)
def check_capabilities(call: Call, capabilities: list[str]) -> dict[str, Any]:
    """Which of the capabilities the token's own user has in the system context (for lmsbridge doctor)."""
    for name in capabilities:
        require_trimmed(name, "capabilities")
    return {"capabilities": [{"name": name, "known": _known_capability(name),
                              "allowed": _known_capability(name) and call.has(name)} for name in capabilities]}


def _known_capability(name: str) -> bool:
    """get_capability_info() !== null, for the names the sandbox knows of (lmsbridge's list and the plugin's)."""
    return name in SYNC_USER_CAPABILITIES or name in CAPABILITY_LABELS
