"""Split a list parameter into requests that PHP will read whole.

PHP keeps only the first ``max_input_vars`` form variables of a request and silently drops the rest (PHP's
default is 1000; the recorded site had 5000). Moodle then processes what arrived: a cut on an item boundary
creates fewer items and reports success, a cut inside an item fails the call. So every request stays under a
safe fraction of max_input_vars, and under a body-size budget below PHP's post_max_size (Debian's stock 8M;
over it PHP discards the whole body).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ._encoding import HEADER_KEYS, encode_params, form_body
from ._exceptions import RequestTooLarge

DEFAULT_MAX_INPUT_VARS = 1000  # PHP's default max_input_vars; a stock site has it
DEFAULT_VAR_FRACTION = 0.8  # headroom for what a proxy or Moodle adds, and for miscounted sites
DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024  # half of Debian's stock post_max_size (8M)


def split_batches(
    function: str,
    list_param: str,
    items: Sequence[Any],
    *,
    params: Mapping[str, object] | None = None,
    max_vars: int,
    max_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> list[list[Any]]:
    """Consecutive batches of ``items`` whose whole request (token, function, format, other ``params`` and the
    batch) has at most ``max_vars`` variables and about ``max_bytes`` bytes."""
    fixed = encode_params(params)
    fixed_vars = len(HEADER_KEYS) + len(fixed)
    # 64 bytes for the header variables (token, function name, format) and separators.
    fixed_bytes = len(form_body(fixed)) + 64 + len(function)
    batches: list[list[Any]] = []
    current: list[Any] = []
    used_vars, used_bytes = fixed_vars, fixed_bytes
    for position, item in enumerate(items):
        # Encoded at its real index, so the byte count includes the index digits.
        pairs = encode_params({list_param: {len(current): item}})
        n_vars, n_bytes = len(pairs), len(form_body(pairs)) + 1
        if fixed_vars + n_vars > max_vars or fixed_bytes + n_bytes > max_bytes:
            raise RequestTooLarge(
                f"{function}: item {position} of {list_param!r} alone needs {fixed_vars + n_vars} variables / "
                f"{fixed_bytes + n_bytes} bytes, over the budget of {max_vars} variables / {max_bytes} bytes",
                function=function,
            )
        if current and (used_vars + n_vars > max_vars or used_bytes + n_bytes > max_bytes):
            batches.append(current)
            current, used_vars, used_bytes = [], fixed_vars, fixed_bytes
            pairs = encode_params({list_param: {0: item}})
            n_vars, n_bytes = len(pairs), len(form_body(pairs)) + 1
        current.append(item)
        used_vars += n_vars
        used_bytes += n_bytes
    if current:
        batches.append(current)
    return batches
