"""The house rules that a reader of the folders relies on, checked on the source itself: no import circle (imports
inside functions count too), no module over 500 lines, scorm/ knows nothing of lmsbridge, only lmsbridge/moodle/
speaks HTTP, and the planner does no I/O."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("lmsbridge", "scorm")
MAX_LINES = 500


def modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of our packages."""
    out = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The modules of ours that ``name`` imports, wherever in the file (TYPE_CHECKING and functions included)."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")[: len(name.split(".")) - node.level + (1 if is_package else 0)]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(name, path, known) for name, path in known.items()}


def test_no_import_circles() -> None:
    edges = graph()
    circles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                circles.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    assert circles == []


@pytest.mark.parametrize("name", sorted(modules()))
def test_module_size(name: str) -> None:
    path = modules()[name]
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)}: {lines} lines"


def reach(start: str, edges: dict[str, set[str]]) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for nxt in edges[todo.pop()] - seen:
            seen.add(nxt)
            todo.append(nxt)
    return seen


def test_boundaries() -> None:
    edges = graph()
    assert not [n for n in edges if n.startswith("scorm") and any(t.startswith("lmsbridge") for t in edges[n])]
    http = [n for n, path in modules().items()
            if any(isinstance(node, ast.Import | ast.ImportFrom)
                   and any(a.name.split(".")[0] in ("requests", "urllib3") for a in node.names)
                   or isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in ("requests", "urllib3")
                   for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))))]
    assert http and all(n.startswith("lmsbridge.moodle") for n in http)
    planner = reach("lmsbridge.sync.planner", edges) | {"lmsbridge.sync.planner"}
    assert not [n for n in planner if n.startswith(("lmsbridge.moodle", "lmsbridge.sync.reader",
                                                       "lmsbridge.sync.apply", "lmsbridge.sync.journal"))]


# A web-service function's name: its component (core, an enrol/gradereport/mod/tool plugin, a local plugin), then
# at least two words: "local_lmsbridge" (the plugin's component) is not one.
FUNCTION_NAME = re.compile(r"(core|local|enrol|gradereport|mod|tool)_[a-z0-9]+_[a-z0-9_]*[a-z0-9]")
# Moodle's API lives in lmsbridge/moodle/; the sandbox imitates its server side, the plugin is its PHP.
API_SPEAKERS = ("lmsbridge.moodle", "lmsbridge.sandbox", "lmsbridge.moodle_plugin")


def test_function_names_only_in_the_moodle_package() -> None:
    """Every web-service function name (and so every call's parameters) is written in lmsbridge/moodle/ only:
    the rest of the code calls it through lmsbridge.moodle's typed methods and ``calls``."""
    found = []
    for name, path in modules().items():
        if not name.startswith("lmsbridge") or name.startswith(API_SPEAKERS):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and FUNCTION_NAME.fullmatch(node.value):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value}")
    assert found == []


def test_function_lists_derive_from_the_moodle_package() -> None:
    """The doctor's list and the plugin zip's services are lmsbridge.moodle's lists, not copies."""
    from lmsbridge import doctor, moodle, plugin_zip

    assert doctor.REQUIRED_FUNCTIONS is moodle.REQUIRED_FUNCTIONS
    assert doctor.PLUGIN_FUNCTIONS is moodle.PLUGIN_FUNCTIONS
    assert plugin_zip.SERVICE_FUNCTIONS is moodle.PLUGIN_SERVICE_FUNCTIONS
