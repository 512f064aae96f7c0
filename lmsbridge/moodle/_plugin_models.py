"""Typed answers of the companion plugin's write functions (lmsbridge/moodle_plugin/CONTRACT.md). The sync's
reader takes the plugin's read answers as Moodle's JSON, like core's (see calls.raw)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from ._models import MoodleModel, WithWarnings

M = TypeVar("M", bound=MoodleModel)


def answer(model: type[M]) -> Callable[[Any], M]:
    """The parser of a plugin function's answer (an empty answer is the model's defaults)."""
    return lambda data: model.model_validate(data or {})


class ScormUpserted(WithWarnings):
    cmid: int = 0
    sha1hash: str = ""  # the stored package's


class UpsertedGradeItem(MoodleModel):
    idnumber: str
    itemid: int


class GradeItemsUpserted(MoodleModel):
    items: list[UpsertedGradeItem] = []


class GradeResult(MoodleModel):
    """One learner's grade: set (status "ok") and read back, or refused."""

    status: str = ""
    errorcode: str | None = ""
    message: str | None = ""
    grade: float | None = None  # read back (None: no grade)
    feedback: str | None = ""


class GradesSet(MoodleModel):
    results: list[GradeResult] = []


class CompletionSet(MoodleModel):
    activities: list[str] = []  # the criteria Moodle holds now, by activity idnumber


class StoredSection(MoodleModel):
    section: int
    name: str = ""
    summary: str = ""


class SectionsSet(MoodleModel):
    sections: list[StoredSection] = []  # as Moodle holds them now


class CapabilityCheck(MoodleModel):
    name: str = ""
    allowed: bool = False


class CapabilityChecks(MoodleModel):
    capabilities: list[CapabilityCheck] = []


class PublishedCertificate(MoodleModel):
    number: str
    status: str  # created | updated | unchanged


class CertificatesPublished(MoodleModel):
    certificates: list[PublishedCertificate] = []


class PdfStored(MoodleModel):
    status: str  # stored | unchanged
