"""Loads `course_packages/` (format: course_packages/README.md) into the content model, strictly.

Every problem is reported with the file it is in, the question/option/pair it concerns and what to do; all the
problems found are reported together (one `SourceError`), so that an author can fix a module in one pass.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Callable, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ValidationError

from scorm.model import ID_PATTERN, ITEM_ID_PATTERN, OFFLINE_HINT, REMOTE, Framework, Module, Page, Programme, Quiz
from scorm.render import markdown_parser

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
PAGE_NAME = re.compile(r"^\d+-[a-z0-9][a-z0-9-]*\.md$")


class SourceError(ValueError):
    """The sources cannot be built; `problems` holds one line per problem, each naming its file."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class _Problems(list[str]):
    def collect(self, fn: Callable[..., T], *args: Any) -> T | None:
        """Runs fn, keeping its problems instead of stopping at the first; returns None on failure."""
        try:
            return fn(*args)
        except SourceError as e:
            self.extend(e.problems)
            return None

    def raise_any(self) -> None:
        if self:
            raise SourceError(list(self))


# --- reading and validating one file ---

def _read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise SourceError([f"{path}: missing: create it (see course_packages/README.md)"])
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise SourceError([f"{path}: not valid UTF-8 TOML ({e}): fix the syntax"]) from None


_HINTS = {
    "missing": "is missing: add it",
    "extra_forbidden": "is not a known key: remove it or correct its spelling (see course_packages/README.md)",
    "union_tag_invalid": "type must be one of single, multiple, true-false, fill-in, matching",
    "union_tag_not_found": "has no type: add type = \"single\" (or multiple, true-false, fill-in, matching)",
}
_PATTERN_HINTS = {
    ID_PATTERN: "use lower-case ASCII letters, digits and -",
    ITEM_ID_PATTERN: "use lower-case ASCII letters, digits and _ (Moodle's SCORM 2004 player refuses other "
                     "characters in response identifiers)",
}


def _where(loc: tuple[str | int, ...], data: Any) -> str:
    """Turns a pydantic location into words: ('questions', 2, 'options', 0, 'text') -> 'question q3, option b, text'."""
    parts: list[str] = []
    node, key = data, None
    for step in loc:
        if isinstance(step, int) and isinstance(node, list) and step < len(node):
            item = node[step]
            ident = next((item[k] for k in ("id", "source", "idnumber") if isinstance(item, dict) and k in item), None)
            noun = (key or "item").rstrip("s")
            if parts and parts[-1] == key:
                parts.pop()
            parts.append(f"{noun} {ident}" if ident is not None else f"{noun} #{step + 1}")
            node = item
        elif isinstance(node, dict) and step == node.get("type") and step not in node:
            continue  # the discriminated union's tag, not a key
        else:
            parts.append(str(step))
            node = node.get(step) if isinstance(node, dict) else None
            key = str(step)
    return ", ".join(parts) if parts else "(file)"


def _validate(model: type[M], data: dict[str, Any], path: Path, languages: list[str] | None) -> M:
    try:
        return model.model_validate(data, context={"languages": languages})
    except ValidationError as e:
        problems = []
        for err in e.errors():
            msg = _HINTS.get(err["type"]) or err["msg"].removeprefix("Value error, ")
            pattern = (err.get("ctx") or {}).get("pattern")
            if pattern in _PATTERN_HINTS:
                msg = f"{err.get('input')!r} is not a valid id: {_PATTERN_HINTS[pattern]}"
            problems.append(f"{path}: {_where(err['loc'], data)}: {msg}")
        raise SourceError(problems) from None


def _languages(raw: dict[str, Any]) -> list[str] | None:
    langs = raw.get("languages")
    return langs if isinstance(langs, list) and all(isinstance(x, str) for x in langs) else None


# --- pages ---

def _load_page(path: Path, module_dir: Path) -> Page:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SourceError([f"{path}: not UTF-8: save it as UTF-8"]) from None
    tokens = markdown_parser(html=True).parse(text)
    problems = _Problems()
    if not tokens or tokens[0].type != "heading_open" or tokens[0].tag != "h1":
        raise SourceError([f"{path}: the first line must be the page title as a level-1 heading (# Title)"])
    title = tokens[1].content.strip()
    heading_lines = tokens[0].map or [0, 1]  # a parsed heading always has its line span
    body = "".join(text.splitlines(keepends=True)[heading_lines[1]:])
    level = 1
    for tok in tokens[1:2] + tokens[3:]:
        line = f"line {tok.map[0] + 1}" if tok.map else "a line"
        if tok.type in ("fence", "code_block") and REMOTE.search(tok.content):
            problems.append(f"{path}: {line}: contains a web address: {OFFLINE_HINT}")
        if tok.type == "heading_open":
            new = int(tok.tag[1])
            if new == 1:
                problems.append(f"{path}: {line}: a second level-1 heading: use ## and below inside a page")
            elif new > level + 1:
                problems.append(f"{path}: {line}: the heading jumps from level {level} to {new}: use {'#' * (level + 1)}")
            level = new
        if tok.type in ("html_block", "html_inline"):
            problems.append(f"{path}: {line}: raw HTML is not allowed: write it in Markdown")
        for child in tok.children or []:
            if child.type == "html_inline":
                problems.append(f"{path}: {line}: raw HTML ({child.content}) is not allowed: write it in Markdown")
            url = child.attrs.get("href") or child.attrs.get("src")
            if isinstance(url, str) and (REMOTE.search(url) or urlsplit(url).scheme not in ("", "mailto")):
                problems.append(f"{path}: {line}: links to {url}: {OFFLINE_HINT}")
            elif child.type == "image":
                problems.extend(_check_image(path, line, str(url), module_dir))
            elif child.type in ("text", "code_inline") and REMOTE.search(child.content):
                problems.append(f"{path}: {line}: contains a web address: {OFFLINE_HINT}")
    problems.raise_any()
    return Page(file=path.name, title=title, body=body)


def _check_image(page: Path, line: str, src: str, module_dir: Path) -> list[str]:
    target = (page.parent / urlsplit(src).path).resolve()
    if not target.is_relative_to(module_dir.resolve()):
        return [f"{page}: {line}: image {src} is outside the module folder: put it inside {module_dir}"]
    if not target.is_file():
        return [f"{page}: {line}: image {src} not found: add the file or correct the path"]
    return []


def _load_pages(module_dir: Path, languages: list[str]) -> dict[str, list[Page]]:
    problems = _Problems()
    pages: dict[str, list[Page]] = {}
    for lang in languages:
        folder = module_dir / lang
        files = sorted(folder.glob("*.md")) if folder.is_dir() else []
        if not files:
            problems.append(f"{folder}: no pages for language {lang}: add {lang}/01-<slug>.md (or remove {lang} "
                            "from languages)")
            continue
        for f in files:
            if not PAGE_NAME.match(f.name):
                problems.append(f"{f}: page file names are NN-slug.md (digits, -, lower-case ASCII): rename it")
        pages[lang] = [p for p in (problems.collect(_load_page, f, module_dir) for f in files) if p]
    counts = {lang: len(list((module_dir / lang).glob("*.md"))) for lang in pages}
    if len(set(counts.values())) > 1:
        problems.append(f"{module_dir}: every language needs the same number of pages, found "
                        + ", ".join(f"{lang}: {n}" for lang, n in counts.items()))
    problems.raise_any()
    return pages


# --- modules and programmes ---

def load_module(dir: Path) -> Module:
    """One module folder: module.toml, quiz.toml and the pages of each language."""
    problems = _Problems()
    meta_path = dir / "module.toml"
    raw = _read_toml(meta_path)
    languages = _languages(raw)
    module = problems.collect(_validate, Module, raw, meta_path, languages)
    if raw.get("id") is not None and raw.get("id") != dir.name:
        problems.append(f"{meta_path}: id {raw.get('id')!r} differs from the folder name {dir.name!r}: make them equal")
    quiz = pages = None
    if languages:
        quiz_path = dir / "quiz.toml"
        quiz_raw = problems.collect(_read_toml, quiz_path)
        if quiz_raw is not None:
            quiz = problems.collect(_validate, Quiz, quiz_raw, quiz_path, languages)
        pages = problems.collect(_load_pages, dir, languages)
    problems.raise_any()
    assert module is not None
    complete: Module = module.model_copy(update={"quiz": quiz, "pages": pages, "dir": dir})
    return complete


def _load_framework(path: Path, languages: list[str]) -> Framework:
    raw = _read_toml(path)
    unknown = sorted(set(raw) - {"framework", "competencies"})
    if unknown:
        raise SourceError([f"{path}: {', '.join(unknown)}: not a known table: use [framework] and [[competencies]]"])
    framework = _validate(Framework, {**raw.get("framework", {}), "competencies": raw.get("competencies", [])},
                          path, languages)
    ids = [c.idnumber for c in framework.competencies]
    problems = [f"{path}: competency {c.idnumber}: parent {c.parent!r} is not a competency of this file: "
                "use one of its idnumbers or \"\"" for c in framework.competencies if c.parent and c.parent not in ids]
    problems += [f"{path}: competency {i}: idnumber is used twice: make it unique" for i in sorted(set(ids))
                 if ids.count(i) > 1]
    if problems:
        raise SourceError(problems)
    return framework


def _load_programme(dir: Path, only: set[str] | None = None) -> Programme:
    problems = _Problems()
    path = dir / "programme.toml"
    raw = _read_toml(path)
    languages = _languages(raw)
    programme = _validate(Programme, raw, path, languages)
    framework = None
    if (dir / "competencies.toml").exists():
        framework = problems.collect(_load_framework, dir / "competencies.toml", programme.languages)
    competency_ids = {c.idnumber for c in framework.competencies} if framework else set()
    listed = set(programme.module_ids)
    for extra in sorted(p.name for p in dir.iterdir() if p.is_dir() and p.name not in listed):
        problems.append(f"{dir / extra}: not listed in {path} modules: add it there or move the folder away")
    modules = []
    for module_id in programme.module_ids:
        if only is not None and module_id not in only:
            continue
        if not (dir / module_id).is_dir():
            problems.append(f"{path}: modules lists {module_id!r} but there is no folder {dir / module_id}: "
                            "create it or remove the id")
            continue
        module = problems.collect(load_module, dir / module_id)
        if module is None:
            continue
        stray = [lang for lang in module.languages if lang not in programme.languages]
        if stray:
            problems.append(f"{dir / module_id / 'module.toml'}: language {', '.join(stray)} is not one of the "
                            f"programme's languages {programme.languages}: add it to {path} or remove it here")
        for c in module.competencies:
            if c not in competency_ids:
                problems.append(f"{dir / module_id / 'module.toml'}: competency {c!r} is not in "
                                f"{dir / 'competencies.toml'}: add it there or correct the idnumber")
        modules.append(module.model_copy(update={"programme_title": programme.title}))
    problems.raise_any()
    return programme.model_copy(update={"modules": modules, "framework": framework, "dir": dir})


def load_programmes(root: Path, modules: list[str] | None = None) -> list[Programme]:
    """Every programme folder under root (each with its programme.toml), in name order.

    With `modules`, only those modules are loaded (and checked), so one unfinished module does not stop the
    build of another; the programmes' own files are always checked.
    """
    if not root.is_dir():
        raise SourceError([f"{root}: no such folder: give the course_packages folder (--source DIR)"])
    problems = _Problems()
    only = set(modules) if modules is not None else None
    folders = [d for d in sorted(root.iterdir()) if d.is_dir() and not d.name.startswith((".", "_"))
               and (only is None or any((d / m).is_dir() for m in only))]
    programmes = [p for p in (problems.collect(_load_programme, d, only) for d in folders) if p]
    seen: dict[str, str] = {}
    for programme in programmes:
        for module in programme.modules:
            if module.id in seen:
                problems.append(f"{module.dir}: module id {module.id!r} is also used in programme "
                                f"{seen[module.id]!r}: module ids are unique across programmes")
            seen[module.id] = programme.id
    problems.raise_any()
    return programmes
