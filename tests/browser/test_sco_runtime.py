"""A learner takes every built module in Chromium, framed by an LMS played by scorm-again (issue 3).

Each test asserts what the learner sees and what the LMS received over HTTP.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from lms_player import COURSES, Sco, course_modules, interactions, learner, relaunch_data

pytestmark = pytest.mark.browser

VERSIONS = ["1.2", "2004"]
MODULES = course_modules()
SUSPEND_LIMIT = {"1.2": 4096, "2004": 64000}
SESSION_TIME = {"1.2": r"\d{2,4}:\d{2}:\d{2}(\.\d{1,2})?", "2004": r"P(\d+Y)?(\d+M)?(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d{1,2})?S)?)?"}
LATENCY = {"1.2": r"\d{2,4}:\d{2}:\d{2}(\.\d{1,2})?", "2004": SESSION_TIME["2004"]}


def module_languages(module: str) -> list[str]:
    for path in COURSES.glob(f"*/{module}/module.toml"):
        try:
            return list(tomllib.loads(path.read_text(encoding="utf-8")).get("languages", []))
        except (OSError, tomllib.TOMLDecodeError):
            return []
    return []


def el(version: str, name: str) -> str:
    """The data model element for this version."""
    v12 = {"entry": "cmi.core.entry", "location": "cmi.core.lesson_location", "exit": "cmi.core.exit", "session": "cmi.core.session_time",
           "raw": "cmi.core.score.raw", "min": "cmi.core.score.min", "max": "cmi.core.score.max",
           "lang": "cmi.student_preference.language", "response": "student_response"}
    v2004 = {"entry": "cmi.entry", "location": "cmi.location", "exit": "cmi.exit", "session": "cmi.session_time",
             "raw": "cmi.score.raw", "min": "cmi.score.min", "max": "cmi.score.max",
             "lang": "cmi.learner_preference.language", "response": "learner_response"}
    return (v12 if version == "1.2" else v2004)[name]


LANG_CASES = [pytest.param(m, lang, v, id=f"{m}-{lang}-{v}") for m in MODULES
              for lang in (module_languages(m) or [None]) for v in VERSIONS]
MODULE_CASES = [pytest.param(m, v, id=f"{m}-{v}") for m in MODULES for v in VERSIONS]


def expect_status(version: str, data: dict[str, str], *, passed: bool | None, completed: bool) -> None:
    if version == "1.2":
        want = "incomplete" if passed is None else ("passed" if passed else "failed")
        assert data["cmi.core.lesson_status"] == want
    else:
        assert data["cmi.completion_status"] == ("completed" if completed else "incomplete")
        assert data["cmi.success_status"] == ("unknown" if passed is None else ("passed" if passed else "failed"))


def expect_clean_calls(sco: Sco, finish_may_fail: bool = False) -> list[dict[str, Any]]:
    """One Initialize, one Finish/Terminate, and no call the LMS refused (beyond reading unset elements)."""
    calls = sco.lms_calls()
    names = [c["call"] for c in calls]
    assert names.count("LMSInitialize") + names.count("Initialize") == 1
    assert names.count("LMSFinish") + names.count("Terminate") == 1
    refused = [c for c in calls if c["error"] != "0" and not (c["call"] == "GetValue" and c["error"] == "403")
               and not (finish_may_fail and c["call"] in ("LMSFinish", "Terminate"))]
    assert refused == [], f"the LMS refused: {refused}"
    return calls


def check_interactions(version: str, data: dict[str, str], questions: list[dict[str, Any]], *, correct: bool) -> None:
    found = interactions(data)
    assert [i["id"] for i in found] == [q["id"] for q in questions], "one interaction per question, in order"
    types = {"single": "choice", "multiple": "choice", "true-false": "true-false", "fill-in": "fill-in",
             "matching": "matching"}
    sep, pair = (",", ".") if version == "1.2" else ("[,]", "[.]")
    for q, i in zip(questions, found):
        assert i["id"].isascii() and re.fullmatch(r"[A-Za-z0-9_.-]+", i["id"])
        assert i["type"] == types[q["type"]]
        assert i["result"] == ("correct" if correct else ("wrong" if version == "1.2" else "incorrect"))
        assert i["weighting"] == str(q["points"])
        assert re.fullmatch(LATENCY[version], i["latency"]), i["latency"]
        if version == "1.2":
            assert re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d:[0-5]\d", i["time"]), i["time"]
        else:
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,2})?Z?", i["timestamp"]), i["timestamp"]
        pattern = i["correct_responses.0.pattern"]
        if q["type"] in ("single", "multiple"):
            assert pattern.split(sep) == q["correct"]
            if correct:
                assert sorted(i[el(version, "response")].split(sep)) == sorted(q["correct"])
        elif q["type"] == "true-false":
            want = str(q["correct"]).lower()
            assert pattern == (want[0] if version == "1.2" else want)
            if correct:
                assert i[el(version, "response")] == pattern
        elif q["type"] == "matching":
            assert pattern == sep.join(f"{s}{pair}{t}" for s, t in q["correct"])
            if correct:
                assert sorted(i[el(version, "response")].split(sep)) == sorted(pattern.split(sep))
        elif q["type"] == "fill-in":
            if version == "2004":
                assert pattern.startswith("{case_matters=false}")


# ------------------------------------------------------------------------------------------------------------
# (a) read every page and pass the quiz
# ------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("module", "lang", "version"), LANG_CASES)
def test_read_everything_and_pass(packages: Any, launch: Any, module: str, lang: str | None, version: str) -> None:
    pkg = packages.get(module, version, lang)
    sco = launch(pkg)
    total = len(sco.pages)
    strings = sco.strings()
    assert sco.status_text() == ""                     # an LMS is there: no warning
    assert sco.current() == sco.pages[0]
    assert sco.indicator() == strings["page_of"].format(n=1, total=total)
    assert sco.root.locator(".pager .prev").is_disabled()

    for n in range(1, total):
        sco.next(keyboard=n % 2 == 1)
        page_id = sco.pages[n]
        assert sco.current() == page_id
        # Focus moves to the new page's heading, so keyboard and screen-reader users start reading there.
        assert sco.frame.evaluate("() => document.activeElement.id") == f"{page_id}-title"
        assert sco.indicator() == strings["page_of"].format(n=n + 1, total=total)
        read = n + 1 if n < total - 1 else n       # the quiz page counts once the quiz is submitted
        assert sco.root.locator("progress.module-progress").evaluate("p => p.value") == read
    assert sco.root.locator(".pager .next").is_hidden()
    assert sco.root.locator(".pager .finish").is_hidden()   # not before the quiz is submitted

    score = sco.answer_all(True)
    assert score == 100
    sco.submit()
    result = sco.root.locator(".quiz-result").text_content()
    assert strings["score"].format(score=100) in result and strings["passed"] in result
    assert sco.root.locator(".quiz-retry").is_hidden()
    assert sco.root.locator("fieldset.question.incorrect").count() == 0
    # The LMS has the result as soon as the quiz is submitted, not only at the end.
    submitted = sco.session.last
    expect_status(version, submitted, passed=True, completed=True)
    assert submitted[el(version, "raw")] == "100"

    sco.finish()
    assert sco.status_text() == strings["finished"]
    sco.wait_finished()
    data = sco.session.last
    expect_status(version, data, passed=True, completed=True)
    assert (data[el(version, "raw")], data[el(version, "min")], data[el(version, "max")]) == ("100", "0", "100")
    if version == "2004":
        assert float(data["cmi.score.scaled"]) == 1.0
        assert float(data["cmi.progress_measure"]) == 1.0
    assert data[el(version, "exit")] == ("" if version == "1.2" else "normal")
    assert data[el(version, "location")] == str(total)
    assert 0 < len(data["cmi.suspend_data"]) <= SUSPEND_LIMIT[version]
    check_interactions(version, data, sco.questions(), correct=True)

    calls = expect_clean_calls(sco)
    # session_time as the SCO wrote it (scorm-again re-renders it in the commit).
    written = [c["args"][1] for c in calls if c["call"].endswith("SetValue") and c["args"][0] == el(version, "session")]
    assert written and all(re.fullmatch(SESSION_TIME[version], t) for t in written), written
    assert re.fullmatch(SESSION_TIME[version], data[el(version, "session")])


# ------------------------------------------------------------------------------------------------------------
# (b) leave halfway, come back
# ------------------------------------------------------------------------------------------------------------
def dom_answer(sco: Sco, qid: str) -> Any:
    fs = sco.root.locator(f'fieldset.question[data-question="{qid}"]')
    return fs.evaluate("""fs => ({
        checked: Array.from(fs.querySelectorAll('input:checked')).map(e => e.value),
        text: Array.from(fs.querySelectorAll('input[type=text]')).map(e => e.value),
        selects: Array.from(fs.querySelectorAll('select')).map(e => e.value)})""")


@pytest.mark.parametrize(("module", "version"), MODULE_CASES)
def test_leave_halfway_and_resume(packages: Any, launch: Any, module: str, version: str) -> None:
    pkg = packages.get(module, version)
    sco = launch(pkg)
    total = len(sco.pages)
    middle = max(1, (total - 1) // 2)
    sco.read_to(middle)
    sco.close()
    sco.wait_finished()
    data = sco.session.last
    assert data[el(version, "exit")] == "suspend"
    assert data[el(version, "location")] == str(middle + 1)
    expect_status(version, data, passed=None, completed=False)

    # Back again: Moodle says "resume" and hands back what it stored.
    sco = launch(pkg, relaunch_data(version, data))
    assert sco.current() == sco.pages[middle]
    assert sco.status_text() == sco.strings()["resume"]
    assert sco.indicator() == sco.strings()["page_of"].format(n=middle + 1, total=total)
    assert sco.root.locator("progress.module-progress").evaluate("p => p.value") == middle + 1

    # On to the quiz, answer half of it, leave again.
    sco.read_to(total - 1)
    questions = sco.questions()
    half = max(1, len(questions) // 2)
    for q in questions[:half]:
        sco.answer(q, True)
    answered = {q["id"]: dom_answer(sco, q["id"]) for q in questions[:half]}
    sco.close()
    sco.wait_finished()
    data = sco.session.last
    assert data[el(version, "exit")] == "suspend"

    sco = launch(pkg, relaunch_data(version, data))
    assert sco.current() == sco.pages[-1]
    assert {qid: dom_answer(sco, qid) for qid in answered} == answered, "earlier answers are kept"
    for q in questions[half:]:
        sco.answer(q, True)
    sco.submit()
    assert sco.strings()["passed"] in sco.root.locator(".quiz-result").text_content()
    sco.finish()
    sco.wait_finished()
    data = sco.session.last
    expect_status(version, data, passed=True, completed=True)
    assert data[el(version, "raw")] == "100"
    assert data[el(version, "exit")] == ("" if version == "1.2" else "normal")
    expect_clean_calls(sco)


# ------------------------------------------------------------------------------------------------------------
# (c) fail, then try again
# ------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("module", "version"), MODULE_CASES)
def test_fail_then_retry(packages: Any, launch: Any, module: str, version: str) -> None:
    pkg = packages.get(module, version)
    sco = launch(pkg)
    sco.read_to(len(sco.pages) - 1)
    mastery = sco.config["mastery_score"]
    questions = sco.questions()
    score = sco.answer_all(lambda i: i == 0)        # only the first answer is right
    assert score < mastery, "the module's first question alone must not pass it"
    sco.submit()
    strings = sco.strings()
    result = sco.root.locator(".quiz-result").text_content()
    assert strings["score"].format(score=score) in result and strings["failed"] in result
    assert sco.root.locator("fieldset.question.incorrect").count() == len(questions) - 1
    data = sco.session.last
    expect_status(version, data, passed=False, completed=True)
    assert data[el(version, "raw")] == str(score)
    if version == "2004":
        assert abs(float(data["cmi.score.scaled"]) - score / 100) < 1e-9
    found = interactions(data)
    assert [i["result"] for i in found] == ["correct"] + [("wrong" if version == "1.2" else "incorrect")] * (len(questions) - 1)

    retry = sco.root.locator(".quiz-retry")
    assert retry.is_visible()
    retry.focus()
    sco.page.keyboard.press("Enter")
    assert retry.is_hidden()
    assert sco.root.locator(".quiz-result").text_content() == ""
    assert sco.root.locator("input:checked").count() == 0
    assert sco.root.locator(".quiz-submit").is_enabled()
    assert sco.answer_all(True) == 100
    sco.submit()
    sco.finish()
    sco.wait_finished()
    data = sco.session.last
    expect_status(version, data, passed=True, completed=True)
    assert data[el(version, "raw")] == "100"
    found = interactions(data)
    assert len(found) == 2 * len(questions)                   # the second attempt adds its own interactions
    check_interactions(version, {f"cmi.interactions.{n}.{k}": v for n, i in enumerate(found[len(questions):])
                                 for k, v in i.items()}, questions, correct=True)
    expect_clean_calls(sco)


# ------------------------------------------------------------------------------------------------------------
# (d) the window closes mid-module
# ------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("module", "version"), MODULE_CASES)
def test_window_closed_mid_module(packages: Any, launch: Any, module: str, version: str) -> None:
    pkg = packages.get(module, version)
    sco = launch(pkg)
    sco.read_to(1)
    session = sco.session
    assert len(session.commits) >= 2, "progress is committed along the way, not only at the end"
    sco.close()
    sco.wait_finished()
    assert len(session.finishes()) == 1
    assert session.finishes()[0]["result"] == "true"
    final = [c for c in session.commits if c["terminate"]]
    assert len(final) == 1
    data = final[0]["data"]
    assert data[el(version, "exit")] == "suspend"
    assert data[el(version, "location")] == "2"
    assert data["cmi.suspend_data"].startswith("L1|")
    assert re.fullmatch(SESSION_TIME[version], data[el(version, "session")])
    expect_status(version, data, passed=None, completed=False)
    if version == "2004":
        assert 0 < float(data["cmi.progress_measure"]) < 1


# ------------------------------------------------------------------------------------------------------------
# Language preference, no LMS
# ------------------------------------------------------------------------------------------------------------
def multilingual_module() -> str:
    for m in MODULES:
        if len(module_languages(m)) > 1:
            return m
    pytest.skip("no module in course_packages carries more than one language")


@pytest.mark.parametrize(("version", "preference", "index"), [
    ("1.2", "", 0), ("1.2", "second", 1), ("2004", "second-region", 1), ("2004", "xx", 0)])
def test_language_preference(packages: Any, launch: Any, version: str, preference: str, index: int) -> None:
    module = multilingual_module()
    langs = module_languages(module)
    want = langs[index]
    pref = {"": "", "second": langs[1], "second-region": f"{langs[1]}-GB", "xx": "xx"}[preference]
    pkg = packages.get(module, version, "multi", multilingual=True)
    sco = launch(pkg, learner(version, **({el(version, "lang"): pref} if pref else {})))
    assert sco.lang == want
    assert sco.frame.locator(f'.language-version[data-lang="{want}"]').is_visible()
    for other in langs:
        if other != want:
            assert sco.frame.locator(f'.language-version[data-lang="{other}"]').is_hidden()
    assert sco.current() == sco.config["languages"][want]["pages"][0]
    assert sco.indicator() == sco.strings()["page_of"].format(n=1, total=len(sco.pages))


@pytest.mark.parametrize("version", VERSIONS)
def test_without_lms_the_module_still_reads(packages: Any, launch: Any, version: str) -> None:
    pkg = packages.get(MODULES[0], version)
    sco = launch(pkg, lms=False)
    assert sco.status_text() == sco.strings()["no_lms"]
    sco.read_to(len(sco.pages) - 1)
    sco.answer_all(True)
    sco.submit()
    assert sco.strings()["passed"] in sco.root.locator(".quiz-result").text_content()
    assert sco.root.locator(".pager .finish").is_visible()


# ------------------------------------------------------------------------------------------------------------
# A huge module: suspend_data stays within the standard's limit
# ------------------------------------------------------------------------------------------------------------
def write_huge_module(root: Path, pages: int, questions: int) -> Path:
    prog = root / "huge"
    mod = prog / "huge-quiz"
    (mod / "en").mkdir(parents=True)
    (prog / "programme.toml").write_text(
        'id = "huge"\ncode = "HUGE"\nlanguages = ["en"]\nmodules = ["huge-quiz"]\norganisers = ["lmsbridge tests"]\n'
        '[title]\nen = "Huge programme"\n[summary]\nen = "A programme with one very large module."\n', encoding="utf-8")
    (mod / "module.toml").write_text(
        'id = "huge-quiz"\nlanguages = ["en"]\nversion = "1.0.0"\nmastery_score = 80\nestimated_minutes = 600\n'
        '[title]\nen = "Huge module"\n[description]\nen = "Very many pages and questions."\n'
        '[objectives]\nen = ["Survive a long module."]\n', encoding="utf-8")
    for n in range(1, pages + 1):
        (mod / "en" / f"{n:03d}-page.md").write_text(f"# Page {n}\n\nText of page {n}.\n", encoding="utf-8")
    quiz = []
    for n in range(1, questions + 1):
        if n % 3 == 0:
            quiz.append(f'[[questions]]\nid = "q{n}"\ntype = "fill-in"\ntext.en = "Type the long phrase {n}."\n'
                        f'answers.en = ["the rather long accepted answer number {n} with many words in it"]\n')
        elif n % 3 == 1:
            opts = "".join(f'  [[questions.options]]\n  id = "option_{k}"\n{"  correct = true" + chr(10) if k % 2 else ""}'
                           f'  text.en = "Option {k}"\n' for k in range(1, 9))
            quiz.append(f'[[questions]]\nid = "q{n}"\ntype = "multiple"\ntext.en = "Pick the odd ones ({n})."\n{opts}')
        else:
            pairs = "".join(f'  [[questions.pairs]]\n  source = "source_{k}"\n  target = "target_{k}"\n'
                            f'  source_text.en = "Source {k}"\n  target_text.en = "Target {k}"\n' for k in range(1, 7))
            quiz.append(f'[[questions]]\nid = "q{n}"\ntype = "matching"\ntext.en = "Match them ({n})."\n{pairs}')
    (mod / "quiz.toml").write_text("\n".join(quiz), encoding="utf-8")
    return root


FILL_CORRECTLY = """cfg => {
  const root = document.querySelector('.language-version:not([hidden])');
  for (const q of cfg.quiz.questions) {
    const fs = root.querySelector(`fieldset.question[data-question="${q.id}"]`);
    if (q.type === 'fill-in') fs.querySelector('input[type=text]').value = q.correct.en[0];
    if (q.type === 'multiple' || q.type === 'single')
      fs.querySelectorAll('input').forEach(i => { i.checked = q.correct.includes(i.value); });
    if (q.type === 'matching')
      for (const [s, t] of q.correct) fs.querySelector(`select[data-source="${s}"]`).value = t;
    fs.querySelectorAll('input, select').forEach(i => i.dispatchEvent(new Event('change', {bubbles: true})));
  }
}"""


@pytest.mark.parametrize("version", VERSIONS)
def test_huge_module_suspend_data_fits(packages: Any, launch: Any, tmp_path: Path, version: str) -> None:
    source = write_huge_module(tmp_path / "src", pages=150, questions=240)
    pkg = packages.get("huge-quiz", version, source=source)
    sco = launch(pkg)
    total = len(sco.pages)
    # Jump through the pages quickly (each click is still the runtime's navigation and commit).
    sco.frame.evaluate("n => { const b = document.querySelector('.pager .next'); for (let i = 1; i < n; i++) b.click(); }",
                       total)
    assert sco.current() == sco.pages[-1]
    sco.frame.evaluate(FILL_CORRECTLY, sco.config)
    # Leave before submitting: everything the learner did must still fit.
    sco.close()
    sco.wait_finished()
    data = sco.session.last
    limit = SUSPEND_LIMIT[version]
    assert len(data["cmi.suspend_data"]) <= limit
    assert data[el(version, "location")] == str(total)

    sco = launch(pkg, relaunch_data(version, data))
    assert sco.current() == sco.pages[-1], "the bookmark survives whatever the size"
    assert sco.root.locator("progress.module-progress").evaluate("p => p.value") == total - 1
    kept = sco.root.locator("input:checked").count() > 0
    # 1.2's 4,096 characters cannot hold these answers: they go first, progress stays. 2004 keeps them.
    assert kept == (version == "2004")
    sco.frame.evaluate(FILL_CORRECTLY, sco.config)
    sco.submit()
    sco.finish()
    # scorm-again sends its final commit as a beacon, which cannot carry 240 interactions (64 KiB cap): its
    # LMSFinish may fail. The SCO commits just before finishing, so the LMS has everything all the same.
    sco.wait_finished(final_commit=False)
    assert sco.status_text() == sco.strings()["finished"]
    data = sco.session.last
    assert len(data["cmi.suspend_data"]) <= limit
    expect_status(version, data, passed=True, completed=True)
    calls = expect_clean_calls(sco, finish_may_fail=True)
    stored = [c["args"][1] for c in calls if c["call"].endswith("SetValue") and c["args"][0] == "cmi.suspend_data"]
    assert stored and max(len(s) for s in stored) <= limit


# ------------------------------------------------------------------------------------------------------------
# Moodle's other ways of running a SCO, and LMSs that say no
# ------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("version", VERSIONS)
def test_popup_window_finds_api_through_opener(packages: Any, launch: Any, version: str) -> None:
    """Display "in a new window": no frame around the SCO, and the learner just closes the window."""
    pkg = packages.get(MODULES[0], version)
    sco = launch(pkg, popup=True)
    assert sco.status_text() == ""                     # found the LMS through window.opener
    sco.read_to(1)
    sco.close()
    sco.wait_finished()
    data = sco.session.last
    assert data[el(version, "exit")] == "suspend"
    assert data[el(version, "location")] == "2"
    expect_clean_calls(sco)


@pytest.mark.parametrize("version", VERSIONS)
def test_stricter_lms_refusing_long_suspend_data(packages: Any, launch: Any, version: str) -> None:
    """An LMS that keeps less than the standard: the SCO drops the stored answers, keeps the progress."""
    pkg = packages.get(MODULES[0], version)
    sco = launch(pkg, suspend_limit=30)
    sco.read_to(len(sco.pages) - 1)
    for q in sco.questions():
        sco.answer(q, True)
    calls = sco.lms_calls()
    refusals = [c for c in calls if c["args"][:1] == ["cmi.suspend_data"] and c["result"] == "false"]
    assert refusals and refusals[0]["error"] == ("405" if version == "1.2" else "407")
    sco.close()
    sco.wait_finished()
    data = sco.session.last
    assert 0 < len(data["cmi.suspend_data"]) <= 30
    sco = launch(pkg, relaunch_data(version, data))
    assert sco.current() == sco.pages[-1]
    assert sco.root.locator("progress.module-progress").evaluate("p => p.value") == len(sco.pages) - 1


@pytest.mark.parametrize("version", VERSIONS)
def test_failed_commit_is_shown_and_retried(packages: Any, launch: Any, version: str) -> None:
    pkg = packages.get(MODULES[0], version)
    sco = launch(pkg)
    sco.session.fail_commits = True
    sco.next()
    assert sco.status_text() == sco.strings()["error"]
    sco.session.fail_commits = False
    sco.next()
    assert sco.status_text() == ""
    assert sco.session.last[el(version, "location")] == "3"
    errors = [c for c in sco.lms_calls() if c["call"].endswith("Commit") and c["result"] == "false"]
    assert len(errors) == 1 and errors[0]["error"] in ("101", "391")


@pytest.mark.parametrize("version", VERSIONS)
def test_reopening_after_a_pass_keeps_the_result(packages: Any, launch: Any, version: str) -> None:
    """Moodle reopens a finished attempt with entry "": looking at the module again must not undo the pass,
    and neither may a worse retake: within one attempt the best result is kept (its answers still reported)."""
    pkg = packages.get(MODULES[0], version)
    sco = launch(pkg)
    sco.read_to(len(sco.pages) - 1)
    questions = sco.questions()
    sco.answer_all(True)
    sco.submit()
    sco.finish()
    sco.wait_finished()
    passed = sco.session.last
    cmi = relaunch_data(version, passed)
    assert cmi[el(version, "entry")] == ""
    sco = launch(pkg, cmi)
    assert sco.current() == sco.pages[0]               # a fresh look, not a resume
    sco.next()
    sco.close()
    sco.wait_finished()
    data = sco.session.last
    expect_status(version, data, passed=True, completed=True)
    assert data[el(version, "raw")] == "100"

    # A retake that fails: the learner sees the fail; the LMS keeps the pass and gets the retake's answers.
    sco = launch(pkg, relaunch_data(version, data))
    sco.read_to(len(sco.pages) - 1)
    assert sco.answer_all(False) == 0
    sco.submit()
    assert sco.strings()["failed"] in sco.root.locator(".quiz-result").text_content()
    data = sco.session.last
    expect_status(version, data, passed=True, completed=True)
    assert data[el(version, "raw")] == "100"
    if version == "2004":
        assert float(data["cmi.score.scaled"]) == 1.0 and float(data["cmi.progress_measure"]) == 1.0
    found = interactions(data)
    assert len(found) == 2 * len(questions)
    assert {i["result"] for i in found[len(questions):]} == {"wrong" if version == "1.2" else "incorrect"}
    sco.finish()
    sco.wait_finished()
    expect_status(version, sco.session.last, passed=True, completed=True)
    assert sco.session.last[el(version, "raw")] == "100"
    expect_clean_calls(sco)


@pytest.mark.parametrize("version", VERSIONS)
def test_worse_retry_keeps_the_better_score(packages: Any, launch: Any, version: str) -> None:
    """Fail, retry and do worse: the attempt keeps the better fail; a later pass still replaces it."""
    pkg = packages.get(MODULES[0], version)
    sco = launch(pkg)
    sco.read_to(len(sco.pages) - 1)
    first = sco.answer_all(lambda i: i == 0)
    assert 0 < first < sco.config["mastery_score"]
    sco.submit()
    retry = sco.root.locator(".quiz-retry")
    retry.click()
    assert sco.answer_all(False) == 0
    sco.submit()
    assert sco.strings()["score"].format(score=0) in sco.root.locator(".quiz-result").text_content()
    data = sco.session.last
    expect_status(version, data, passed=False, completed=True)
    assert data[el(version, "raw")] == str(first)
    retry.click()
    assert sco.answer_all(True) == 100
    sco.submit()
    sco.finish()
    sco.wait_finished()
    data = sco.session.last
    expect_status(version, data, passed=True, completed=True)
    assert data[el(version, "raw")] == "100"
    assert len(interactions(data)) == 3 * len(sco.questions())
    expect_clean_calls(sco)
