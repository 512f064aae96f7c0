"""Loading course sources: the small module in tests/scorm/data, and broken copies of it giving clear messages."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from scorm.model import FillIn, Matching, MultipleChoice, SingleChoice, TrueFalse
from scorm.sources import SourceError, load_module, load_programmes

DATA = Path(__file__).parent / "data"


@pytest.fixture
def src(tmp_path: Path) -> Path:
    """A private copy of the test sources that a test may break."""
    shutil.copytree(DATA, tmp_path / "src")
    return tmp_path / "src"


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"test setup: {old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def test_loads_the_test_programme() -> None:
    [programme] = load_programmes(DATA)
    assert programme.id == "mini" and programme.module_ids == ["mini-basics"]
    assert programme.framework and [c.idnumber for c in programme.framework.competencies] == [
        "MINI-READING", "MINI-READING-FAST"]
    [module] = programme.modules
    assert module.programme_title == {"lt": "Bandomoji programa", "en": "Test programme"}
    assert module.mastery_score == 75 and module.languages == ["lt", "en"]
    assert [p.file for p in module.pages["en"]] == ["01-welcome.md", "02-more.md"]
    assert module.pages["lt"][0].title == "Sveiki"
    assert not module.pages["en"][0].body.lstrip().startswith("#")  # the title is not repeated in the body
    types = [type(q) for q in module.quiz.questions]
    assert types == [SingleChoice, MultipleChoice, TrueFalse, FillIn, Matching]
    assert module.quiz.questions[0].points == 2 and module.quiz.questions[1].points == 1


def test_load_module_alone_has_no_programme() -> None:
    module = load_module(DATA / "mini" / "mini-basics")
    assert module.id == "mini-basics" and module.programme_title is None


QUIZ = "mini/mini-basics/quiz.toml"
META = "mini/mini-basics/module.toml"
EN1 = "mini/mini-basics/en/01-welcome.md"

BROKEN = {
    "option text without English": (
        QUIZ, '  id = "b"\n  text.lt = "Serverio slaptažodis"\n  text.en = "The server password"\n',
        '  id = "b"\n  text.lt = "Serverio slaptažodis"\n',
        [QUIZ, "question q2, option b, text", "missing language en"]),
    "stray language": (META, 'en = "A short test module."', 'en = "A short test module."\nde = "Kurz."',
                       [META, "description", "language de is not declared"]),
    "two correct options in a single choice": (
        QUIZ, '  id = "b"\n  text.lt = "imsmanifest.xml"', '  id = "b"\n  correct = true\n  text.lt = "imsmanifest.xml"',
        [QUIZ, "question q1", "exactly one option with correct = true"]),
    "no correct option at all": (
        QUIZ, "correct = true", "correct = false",
        [QUIZ, "question q1: a single-choice", "question q2: a multiple-choice question needs at least one"], -1),
    "unknown question type": (QUIZ, 'type = "true-false"', 'type = "yes-no"',
                              [QUIZ, "question q3", "type must be one of single, multiple"]),
    "duplicate option id": (QUIZ, 'id = "c"', 'id = "a"', [QUIZ, "question q2", "option id a is used twice"]),
    "fill-in without answers in one language": (
        QUIZ, 'answers.lt = ["index.html", "index"]\n', "", [QUIZ, "question q4, answers", "missing language lt"]),
    "bad option id": (QUIZ, 'id = "c"', 'id = "C!"', [QUIZ, "question q2", "'C!' is not a valid id"]),
    "misspelt key": (META, "mastery_score = 75", "mastery = 75",
                     [META, "mastery_score: is missing", "mastery: is not a known key"]),
    "mastery score out of range": (META, "mastery_score = 75", "mastery_score = 120", [META, "mastery_score"]),
    "id differs from folder": (META, 'id = "mini-basics"', 'id = "mini-other"', [META, "differs from the folder"]),
    "broken TOML": (QUIZ, 'type = "single"', 'type = single', [QUIZ, "not valid UTF-8 TOML"]),
    "unknown competency": (META, '["MINI-READING"]', '["MINI-WRITING"]', [META, "'MINI-WRITING'", "competencies.toml"]),
    "raw HTML in a page": (EN1, "Tables work too:", "Tables <b>work</b> too:", [EN1, "line 14", "raw HTML"]),
    "a web link in a page": (EN1, "Tables work too:", "See [the spec](https://adlnet.gov/scorm).",
                             [EN1, "line 14", "https://adlnet.gov/scorm", "work offline"]),
    "a bare web address in a page": (EN1, "Tables work too:", "See https://adlnet.gov.",
                                     [EN1, "line 14", "web address"]),
    "a web address in a question": (QUIZ, 'text.en = "Which file is launched?"',
                                    'text.en = "Which file does http://example.org launch?"',
                                    [QUIZ, "question q1, text, en: contains a web address"]),
    "a web address in a code block": (EN1, "Tables work too:", "    curl https://example.org",
                                      [EN1, "line 14", "contains a web address"]),
    "no title heading": (EN1, "# Welcome\n", "Welcome\n", [EN1, "first line must be the page title"]),
    "second h1": (EN1, "## What you will do", "# What you will do", [EN1, "line 7", "second level-1 heading"]),
    "heading jumps a level": (EN1, "### Details", "#### Details", [EN1, "line 12", "from level 2 to 4"]),
    "missing image": (EN1, "../images/square.png", "../images/round.png", [EN1, "image ../images/round.png not found"]),
    "image outside the module": (EN1, "../images/square.png", "../../programme.toml", [EN1, "outside the module"]),
    "module not listed": ("mini/programme.toml", 'modules = ["mini-basics"]', 'modules = ["mini-basics", "mini-x"]',
                          ["mini/programme.toml", "'mini-x'", "no folder"]),
    "competency with unknown parent": ("mini/competencies.toml", 'parent = "MINI-READING"', 'parent = "MINI-X"',
                                       ["mini/competencies.toml", "competency MINI-READING-FAST", "parent 'MINI-X'"]),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_broken_sources_say_where_and_what(src: Path, case: str) -> None:
    file, old, new, expected, *count = BROKEN[case]
    edit(src / file, old, new, *count)
    with pytest.raises(SourceError) as e:
        load_programmes(src)
    message = str(e.value)
    for part in expected:
        assert part in message, f"{part!r} not in:\n{message}"
    # Every line names a file of the sources.
    assert all(str(src) in line for line in e.value.problems), message


def test_missing_files_and_pages(src: Path) -> None:
    (src / "mini/mini-basics/quiz.toml").unlink()
    (src / "mini/mini-basics/lt/02-daugiau.md").unlink()
    (src / "mini/mini-basics/en/03-Bad Name.md").write_text("# Extra\n", encoding="utf-8")
    with pytest.raises(SourceError) as e:
        load_programmes(src)
    message = str(e.value)
    # All problems at once, so that an author fixes them in one pass.
    assert re.search(r"quiz\.toml: missing: create it", message)
    assert "03-Bad Name.md: page file names are NN-slug.md" in message
    assert "every language needs the same number of pages, found lt: 1, en: 3" in message


def test_missing_language_folder(src: Path) -> None:
    shutil.rmtree(src / "mini/mini-basics/lt")
    with pytest.raises(SourceError, match=r"mini-basics/lt: no pages for language lt"):
        load_programmes(src)


def test_unlisted_folder_and_missing_root(src: Path, tmp_path: Path) -> None:
    (src / "mini" / "stray-module").mkdir()
    with pytest.raises(SourceError, match=r"stray-module: not listed in .*programme.toml modules"):
        load_programmes(src)
    with pytest.raises(SourceError, match="no such folder"):
        load_programmes(tmp_path / "nowhere")


def test_only_the_selected_modules_are_loaded(src: Path) -> None:
    edit(src / "mini/programme.toml", 'modules = ["mini-basics"]', 'modules = ["mini-basics", "mini-draft"]')
    (src / "mini" / "mini-draft").mkdir()  # unfinished: no module.toml yet
    with pytest.raises(SourceError, match=r"mini-draft/module.toml: missing"):
        load_programmes(src)
    [programme] = load_programmes(src, modules=["mini-basics"])
    assert [m.id for m in programme.modules] == ["mini-basics"]
