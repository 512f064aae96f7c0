"""Settings errors in the administrator's words: which variable, what is wrong, where to set it. No pydantic
wording ("Field required", "Value error, ...") reaches the terminal."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

WHERE = "set it in the environment or in the .env file of the current directory"
_WORDING = ("Value error, ", "Assertion failed, ")


def explain(exc: ValidationError, variables: Mapping[str, str], model: type[BaseModel] | None = None) -> str:
    """One line per problem: ``LMSBRIDGE_MOODLE_URL is not set (the Moodle site's root URL, ...): set it ...``."""
    lines = []
    for error in exc.errors(include_input=False):
        field = str(error["loc"][0]) if error["loc"] else ""
        name = variables.get(field) or field.replace("_", " ") or "a setting"
        if error["type"] == "missing":
            about = _description(model, field)
            lines.append(f"{name} is not set{f' ({about})' if about else ''}: {WHERE}")
            continue
        message = str(error["msg"])
        for prefix in _WORDING:
            message = message.removeprefix(prefix)
        message = message.replace("Input should be", "it should be")
        lines.append(f"{name}: {message}")
    return "; ".join(lines)


def _description(model: type[BaseModel] | None, field: str) -> str:
    info: Any = model.model_fields.get(field) if model else None
    return str(info.description) if info is not None and info.description else ""
