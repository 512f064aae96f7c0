"""Writes the SCO's launch page (`index.html`) exactly as scorm/runtime/CONTRACT.md describes it.

All pages of a module are in one document, so it reads without a server and without JavaScript; the runtime
shows one page at a time. The texts of buttons and labels are here, per interface language.
"""

from __future__ import annotations

import json
from functools import cache
from html import escape
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit
from typing import Any

from markdown_it import MarkdownIt

from scorm.model import FillIn, Matching, Module, MultipleChoice, Question, SingleChoice, TrueFalse

MEDIA_DIR = "assets/media"

# Interface texts. The first block is written into the page; the second (RUNTIME_KEYS) goes to the runtime in
# the config. `{mastery}` is filled in here; `{n}`, `{total}` and `{score}` by the runtime.
UI: dict[str, dict[str, str]] = {
    "en": {
        "skip": "Skip to content", "progress": "Module progress", "pager": "Pages",
        "prev": "Previous", "next": "Next", "finish": "Finish",
        "objectives": "Learning objectives", "duration": "Estimated time: {minutes} minutes",
        "quiz": "Quiz", "quiz_intro": "Answer every question, then submit your answers. You pass with {mastery}% "
        "or more.", "submit": "Submit answers", "retry": "Try again", "your_answer": "Your answer",
        "choose": "Choose…", "true": "True", "false": "False",
        "no_lms": "No learning platform was found: you can read the module and take the quiz, but your progress "
        "and results are not saved.",
        "page_of": "Page {n} of {total}", "passed": "You passed the quiz.",
        "failed": "You did not pass this time: {mastery}% is needed. You can try again.",
        "score": "Your score: {score}%", "saved": "Your progress has been saved.",
        "error": "Your progress could not be saved. Check your connection and try again.",
        "correct": "Correct.", "incorrect": "Incorrect.",
        "finished": "You have finished the module. You can now close this window.",
        "resume": "Welcome back: you continue where you left off.",
    },
    "lt": {
        "skip": "Pereiti prie turinio", "progress": "Modulio eiga", "pager": "Puslapiai",
        "prev": "Atgal", "next": "Toliau", "finish": "Baigti",
        "objectives": "Mokymosi tikslai", "duration": "Numatoma trukmė: {minutes} min.",
        "quiz": "Testas", "quiz_intro": "Atsakykite į visus klausimus ir pateikite atsakymus. Testą išlaikysite "
        "surinkę ne mažiau kaip {mastery} %.", "submit": "Pateikti atsakymus", "retry": "Bandyti dar kartą",
        "your_answer": "Jūsų atsakymas", "choose": "Pasirinkite…", "true": "Tiesa", "false": "Netiesa",
        "no_lms": "Mokymosi platforma nerasta: modulį galite skaityti ir atlikti testą, tačiau jūsų pažanga ir "
        "rezultatai nebus išsaugoti.",
        "page_of": "Puslapis {n} iš {total}", "passed": "Testą išlaikėte.",
        "failed": "Šį kartą testo neišlaikėte: reikia surinkti ne mažiau kaip {mastery} %. Galite bandyti dar kartą.",
        "score": "Jūsų rezultatas: {score} %", "saved": "Jūsų pažanga išsaugota.",
        "error": "Nepavyko išsaugoti jūsų pažangos. Patikrinkite interneto ryšį ir bandykite dar kartą.",
        "correct": "Teisingai.", "incorrect": "Neteisingai.",
        "finished": "Modulį baigėte. Dabar galite uždaryti šį langą.",
        "resume": "Sveiki sugrįžę: tęsiate nuo ten, kur baigėte.",
    },
    "sv": {
        "skip": "Hoppa till innehållet", "progress": "Modulens förlopp", "pager": "Sidor",
        "prev": "Föregående", "next": "Nästa", "finish": "Avsluta",
        "objectives": "Lärandemål", "duration": "Beräknad tid: {minutes} minuter",
        "quiz": "Kunskapstest", "quiz_intro": "Besvara alla frågor och skicka sedan in dina svar. Du blir godkänd "
        "med minst {mastery} %.", "submit": "Skicka svar", "retry": "Försök igen", "your_answer": "Ditt svar",
        "choose": "Välj …", "true": "Sant", "false": "Falskt",
        "no_lms": "Ingen lärplattform hittades: du kan läsa modulen och göra testet, men dina framsteg och "
        "resultat sparas inte.",
        "page_of": "Sida {n} av {total}", "passed": "Du blev godkänd på testet.",
        "failed": "Du blev inte godkänd den här gången: det krävs minst {mastery} %. Du kan försöka igen.",
        "score": "Ditt resultat: {score} %", "saved": "Dina framsteg har sparats.",
        "error": "Dina framsteg kunde inte sparas. Kontrollera anslutningen och försök igen.",
        "correct": "Rätt.", "incorrect": "Fel.",
        "finished": "Du har slutfört modulen. Du kan nu stänga det här fönstret.",
        "resume": "Välkommen tillbaka: du fortsätter där du slutade.",
    },
}
RUNTIME_KEYS = ("no_lms", "page_of", "passed", "failed", "score", "saved", "error", "correct", "incorrect",
                "finished", "resume")


@cache
def markdown_parser(html: bool = False) -> MarkdownIt:
    """CommonMark with tables. Raw HTML is off, so a page cannot inject markup or scripts; the source checks parse
    with html=True only to find raw HTML and report it to the author."""
    return MarkdownIt("commonmark", {"html": html}).enable("table")


def media_path(module: Module, page_lang: str, src: str) -> str | None:
    """Where a page's local image goes in the package (None for anything that is not a local file)."""
    if module.dir is None or urlsplit(src).scheme or src.startswith(("/", "#")):
        return None
    source = (module.dir / page_lang / urlsplit(src).path).resolve()
    return f"{MEDIA_DIR}/{PurePosixPath(source.relative_to(module.dir.resolve()).as_posix())}"


def media_files(module: Module, languages: list[str]) -> dict[str, Path]:
    """The images the pages of these languages use: package path -> source file."""
    files: dict[str, Path] = {}
    for lang in languages:
        for page in module.pages[lang]:
            for tok in markdown_parser().parse(page.body):
                for child in tok.children or []:
                    target = media_path(module, lang, str(child.attrs.get("src", ""))) if child.type == "image" else None
                    if target and module.dir:
                        files[target] = module.dir / target.removeprefix(MEDIA_DIR + "/")
    return files


def _markdown(module: Module, lang: str, body: str) -> str:
    """The page body as HTML, its headings one level down (the module is h1, the page h2)."""
    tokens = markdown_parser().parse(body)
    for tok in tokens:
        if tok.type in ("heading_open", "heading_close"):
            tok.tag = f"h{min(int(tok.tag[1]) + 1, 6)}"
        for child in tok.children or []:
            if child.type == "image":
                child.attrs["src"] = media_path(module, lang, str(child.attrs["src"])) or child.attrs["src"]
    html: str = markdown_parser().renderer.render(tokens, markdown_parser().options, {})
    return html


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


def _text(value: str) -> str:
    return escape(value, quote=False)


def _question(q: Question, lang: str, ui: dict[str, str]) -> list[str]:
    qid = f"{lang}-{q.id}"
    out = [f'<fieldset class="question" data-question="{_attr(q.id)}" data-type="{q.type}">',
           f"  <legend>{_text(q.text[lang])}</legend>"]
    if isinstance(q, (SingleChoice, MultipleChoice, TrueFalse)):
        kind = "checkbox" if isinstance(q, MultipleChoice) else "radio"
        choices = ([(o.id, o.text[lang]) for o in q.options] if not isinstance(q, TrueFalse)
                   else [("true", ui["true"]), ("false", ui["false"])])
        for value, label in choices:
            out.append(f'  <div class="option"><input type="{kind}" name="{qid}" id="{qid}-{value}" '
                       f'value="{_attr(value)}"><label for="{qid}-{value}">{_text(label)}</label></div>')
    elif isinstance(q, FillIn):
        out.append(f'  <label for="{qid}-input">{_text(ui["your_answer"])}</label><input type="text" '
                   f'name="{qid}" id="{qid}-input" autocomplete="off">')
    elif isinstance(q, Matching):
        targets = sorted({(p.target_text[lang], p.target) for p in q.pairs}, key=lambda t: (t[0].casefold(), t[1]))
        options = "".join(f'<option value="{_attr(t)}">{_text(text)}</option>' for text, t in targets)
        for p in q.pairs:
            out.append(f'  <div class="pair"><label for="{qid}-{p.source}">{_text(p.source_text[lang])}</label>\n'
                       f'    <select name="{qid}-{p.source}" id="{qid}-{p.source}" data-source="{_attr(p.source)}">'
                       f'<option value="">{_text(ui["choose"])}</option>{options}</select></div>')
    out.append(f'  <div class="feedback" id="{qid}-feedback" aria-live="polite"></div>')
    if q.explanation:
        # Shown by the runtime once the quiz is submitted.
        out.append(f'  <p class="explanation" id="{qid}-explanation" hidden>{_text(q.explanation[lang])}</p>')
    out.append("</fieldset>")
    return out


def _language_version(module: Module, lang: str) -> list[str]:
    ui = {k: v.replace("{mastery}", str(module.mastery_score)) for k, v in UI[lang].items()}
    pages = module.pages[lang]
    total = len(pages) + 1
    out = [f'<div class="language-version" lang="{lang}" data-lang="{lang}">', "<header>"]
    if module.programme_title:
        out.append(f'  <p class="programme">{_text(module.programme_title[lang])}</p>')
    out += [f"  <h1>{_text(module.title[lang])}</h1>",
            f'  <progress class="module-progress" max="{total}" value="0" aria-label="{_attr(ui["progress"])}">'
            "</progress>", "</header>", "<main>"]
    for n, page in enumerate(pages, start=1):
        pid = f"{lang}-page-{n}"
        out += [f'<section class="page" id="{pid}" data-page="{n}" aria-labelledby="{pid}-title">',
                f'<h2 id="{pid}-title">{_text(page.title)}</h2>']
        if n == 1:
            out += ['<div class="objectives">', f"<h3>{_text(ui['objectives'])}</h3>", "<ul>"]
            out += [f"  <li>{_text(o)}</li>" for o in module.objectives[lang]]
            out += ["</ul>", f'<p class="duration">{_text(ui["duration"].format(minutes=module.estimated_minutes))}'
                    "</p>", "</div>"]
        out += [_markdown(module, lang, page.body).rstrip("\n"), "</section>"]
    pid = f"{lang}-page-quiz"
    out += [f'<section class="page quiz-page" id="{pid}" data-page="{total}" aria-labelledby="{pid}-title">',
            f'<h2 id="{pid}-title">{_text(ui["quiz"])}</h2>', f'<p class="quiz-intro">{_text(ui["quiz_intro"])}</p>',
            f'<form class="quiz" id="{lang}-quiz" novalidate>']
    for q in module.quiz.questions if module.quiz else []:
        out += _question(q, lang, ui)
    out += [f'<button type="submit" class="quiz-submit">{_text(ui["submit"])}</button>', "</form>",
            '<div class="quiz-result" role="status" aria-live="polite"></div>',
            f'<button type="button" class="quiz-retry" hidden>{_text(ui["retry"])}</button>', "</section>",
            "</main>", f'<nav class="pager" aria-label="{_attr(ui["pager"])}">',
            f'  <button type="button" class="prev">{_text(ui["prev"])}</button>',
            f'  <span class="page-indicator" aria-live="polite">{_text(ui["page_of"].format(n=1, total=total))}'
            "</span>",
            f'  <button type="button" class="next">{_text(ui["next"])}</button>',
            f'  <button type="button" class="finish" hidden>{_text(ui["finish"])}</button>', "</nav>", "</div>"]
    return out


def _correct(q: Question, languages: list[str]) -> object:
    if isinstance(q, (SingleChoice, MultipleChoice)):
        return [o.id for o in q.options if o.correct]
    if isinstance(q, TrueFalse):
        return q.answer
    if isinstance(q, FillIn):
        return {lang: q.answers[lang] for lang in languages}
    return [[p.source, p.target] for p in q.pairs]


def config(module: Module, languages: list[str], version: str) -> dict[str, Any]:
    """The `#lmsbridge-config` JSON the runtime reads (CONTRACT.md)."""
    langs = {}
    for lang in languages:
        n = len(module.pages[lang])
        langs[lang] = {
            "title": module.title[lang],
            "pages": [f"{lang}-page-{i}" for i in range(1, n + 1)] + [f"{lang}-page-quiz"],
            "strings": {k: UI[lang][k].replace("{mastery}", str(module.mastery_score)) for k in RUNTIME_KEYS},
        }
    questions = module.quiz.questions if module.quiz else []
    return {
        "module": module.id, "version": module.version, "scorm": version, "mastery_score": module.mastery_score,
        "default_lang": languages[0], "languages": langs,
        "quiz": {"questions": [{"id": q.id, "type": q.type, "points": q.points, "correct": _correct(q, languages)}
                               for q in questions]},
    }


def render_index(module: Module, languages: list[str], version: str) -> str:
    """index.html for these languages (the first is the default) and SCORM version ("1.2" or "2004")."""
    unsupported = [lang for lang in languages if lang not in UI]
    if unsupported:
        raise ValueError(f"no interface texts for language {', '.join(unsupported)} (have {', '.join(sorted(UI))})")
    default = languages[0]
    # In a <script> element only "</" could end it early; escaping "<" and ">" keeps the JSON inert.
    data = json.dumps(config(module, languages, version), ensure_ascii=False)
    data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    head = ["<!DOCTYPE html>", f'<html lang="{default}">', "<head>", '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{_text(module.title[default])}</title>",
            '<link rel="stylesheet" href="assets/lmsbridge.css">',
            f'<script type="application/json" id="lmsbridge-config">{data}</script>',
            '<script src="assets/lmsbridge-sco.js" defer></script>', "</head>", "<body>",
            f'<a class="skip-link" href="#main">{_text(UI[default]["skip"])}</a>',
            '<div id="lms-status" role="status" aria-live="polite"></div>', '<div id="main" tabindex="-1">']
    body = [line for lang in languages for line in _language_version(module, lang)]
    return "\n".join(head + body + ["</div>", "</body>", "</html>", ""])
