"""The content model: programmes, modules, pages, quizzes and competency frameworks, as loaded from the sources.

Every text a learner reads is localised: a dict from ISO 639-1 code to text. The models check completeness
against the languages in the validation context (`{"languages": [...]}`), so that a missing or stray language is
reported where it occurs (see `scorm.sources`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, model_validator

# Programme and module ids end up in package names and Moodle idnumbers; question, option and pair ids end up in
# SCORM interaction ids and responses. Both are stable ASCII.
ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
# No "-": Moodle's SCORM 2004 player refuses it in choice and matching response ids.
ITEM_ID_PATTERN = r"^[a-z0-9_]+$"
LANG_PATTERN = r"^[a-z]{2}$"
# Packages work offline and ship no web addresses (not even as text a learner might copy).
REMOTE = re.compile(r"(?i)\b(?:https?|ftp)://|^//")
OFFLINE_HINT = "packages work offline and carry no web addresses; cite the source in words instead"

Id = Annotated[str, Field(pattern=ID_PATTERN)]
ItemId = Annotated[str, Field(pattern=ITEM_ID_PATTERN)]
Lang = Annotated[str, Field(pattern=LANG_PATTERN)]


def _check_languages(value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
    """Every declared language must be present, and no other (a stray key is usually a typo)."""
    languages = (info.context or {}).get("languages")
    if languages is None:
        return value
    missing = [lang for lang in languages if lang not in value]
    extra = [lang for lang in value if lang not in languages]
    if missing:
        raise ValueError(f"missing language {', '.join(missing)}: add the text for each of {', '.join(languages)}")
    if extra:
        raise ValueError(f"language {', '.join(extra)} is not declared (languages = {list(languages)}): "
                         "remove it or add it to the languages")
    # Keep the declared order, so output does not depend on the order of keys in a file.
    return {lang: value[lang] for lang in languages}


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("is empty: write the text")
    if REMOTE.search(value):
        raise ValueError(f"contains a web address: {OFFLINE_HINT}")
    return value.strip()


NonBlank = Annotated[str, AfterValidator(_not_blank)]
Text = Annotated[dict[str, NonBlank], AfterValidator(_check_languages)]
TextList = Annotated[dict[str, Annotated[list[NonBlank], Field(min_length=1)]], AfterValidator(_check_languages)]


def _require_unique(ids: list[str], what: str) -> None:
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"{what} id {', '.join(dupes)} is used twice: give each {what} its own id")


class Strict(BaseModel):
    # Unknown keys are errors: a misspelt key would otherwise be silently ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- quiz ---

class Option(Strict):
    id: ItemId
    correct: bool = False
    text: Text


class Pair(Strict):
    source: ItemId
    target: ItemId
    source_text: Text
    target_text: Text


class _Question(Strict):
    id: ItemId
    points: int = Field(1, ge=1)
    text: Text
    explanation: Text | None = None


class _Choice(_Question):
    options: list[Option] = Field(min_length=2)

    @model_validator(mode="after")
    def _unique_options(self) -> _Choice:
        _require_unique([o.id for o in self.options], "option")
        return self


class SingleChoice(_Choice):
    type: Literal["single"]

    @model_validator(mode="after")
    def _one_correct(self) -> SingleChoice:
        if sum(o.correct for o in self.options) != 1:
            raise ValueError("a single-choice question needs exactly one option with correct = true")
        return self


class MultipleChoice(_Choice):
    type: Literal["multiple"]

    @model_validator(mode="after")
    def _some_correct(self) -> MultipleChoice:
        if not any(o.correct for o in self.options):
            raise ValueError("a multiple-choice question needs at least one option with correct = true")
        return self


class TrueFalse(_Question):
    type: Literal["true-false"]
    answer: bool


class FillIn(_Question):
    type: Literal["fill-in"]
    answers: TextList  # accepted answers per language; compared ignoring case and extra spaces


class Matching(_Question):
    type: Literal["matching"]
    pairs: list[Pair] = Field(min_length=2)

    @model_validator(mode="after")
    def _unique_pairs(self) -> Matching:
        _require_unique([p.source for p in self.pairs], "source")
        _require_unique([p.target for p in self.pairs], "target")
        return self


Question = Annotated[Union[SingleChoice, MultipleChoice, TrueFalse, FillIn, Matching], Field(discriminator="type")]


class Quiz(Strict):
    questions: list[Question] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Quiz:
        _require_unique([q.id for q in self.questions], "question")
        return self


# --- module ---

class Page(Strict):
    file: str        # source file name, e.g. "01-intro.md"
    title: str       # the page's level-1 heading
    body: str        # the Markdown after the heading


class Module(Strict):
    id: Id
    languages: list[Lang] = Field(min_length=1)
    version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    mastery_score: int = Field(ge=0, le=100)
    estimated_minutes: int = Field(ge=1)
    competencies: list[str] = []
    title: Text
    description: Text
    objectives: TextList
    # Filled by the loader from the folders, not from module.toml:
    pages: dict[str, list[Page]] = {}
    quiz: Quiz | None = None
    dir: Path | None = None                   # the module's source folder (for images the pages use)
    programme_title: dict[str, str] | None = None


# --- programme and competencies ---

class Competency(Strict):
    idnumber: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    parent: str = ""
    shortname: Text
    description: Text


class Framework(Strict):
    idnumber: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    shortname: Text
    description: Text
    competencies: list[Competency] = []


class Programme(Strict):
    id: Id
    code: str = Field(pattern=r"^[A-Za-z0-9_-]+$")
    languages: list[Lang] = Field(min_length=1)
    module_ids: list[Id] = Field(validation_alias="modules", min_length=1)   # `modules` in programme.toml
    organisers: list[str] = []
    title: Text
    summary: Text
    # Filled by the loader:
    modules: list[Module] = Field([], validation_alias="loaded_modules")
    framework: Framework | None = None
    dir: Path | None = None
