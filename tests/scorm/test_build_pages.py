"""The SCO page as a learner meets it: colour contrast of the style sheet, and a real browser on a phone-sized
screen (no sideways scrolling, visible keyboard focus, nothing fetched from the network)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from scorm.build import RUNTIME, build_packages

DATA = Path(__file__).parent / "data"


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_colour_pairs_meet_wcag_aa() -> None:
    css = (RUNTIME / "lmsbridge.css").read_text(encoding="utf-8")
    colours = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-f]{6})", css))
    text_pairs = [("fg", "bg"), ("fg", "surface"), ("muted", "bg"), ("muted", "surface"), ("accent", "bg"),
                  ("accent", "surface"), ("accent-fg", "accent"), ("accent-fg", "accent-hover"), ("ok", "ok-bg"),
                  ("bad", "bad-bg"), ("fg", "ok-bg"), ("fg", "bad-bg")]
    for fg, bg in text_pairs:
        assert contrast(colours[fg], colours[bg]) >= 4.5, (fg, bg, round(contrast(colours[fg], colours[bg]), 2))
    # Control borders and the focus ring are non-text contrast: at least 3:1.
    for fg, bg in [("border", "bg"), ("border", "surface"), ("focus", "bg"), ("focus", "accent-fg")]:
        assert contrast(colours[fg], colours[bg]) >= 3, (fg, bg)
    assert "@import" not in css and "url(" not in css  # system fonts only, nothing fetched


@pytest.mark.browser
def test_page_on_a_phone(tmp_path: Path, browser) -> None:  # type: ignore[no-untyped-def]
    [package] = build_packages(DATA, tmp_path / "out", langs=["lt"], versions=("1.2",))
    site = tmp_path / "site"
    zipfile.ZipFile(package.path).extractall(site)
    requests: list[str] = []
    context = browser.new_context(viewport={"width": 360, "height": 740})
    try:
        page = context.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.goto((site / "index.html").as_uri())
        page.wait_for_load_state("load")
        # Readable on a 360 px phone: nothing wider than the screen, body text at least 16 px.
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 16
        # The first Tab reaches the skip link, which becomes visible with a focus ring.
        page.keyboard.press("Tab")
        focused = page.evaluate("""() => { const e = document.activeElement, s = getComputedStyle(e);
            const r = e.getBoundingClientRect();
            return {cls: e.className, outline: s.outlineStyle, width: parseFloat(s.outlineWidth), top: r.top}; }""")
        assert focused["cls"] == "skip-link" and focused["outline"] != "none" and focused["width"] >= 2
        assert focused["top"] >= 0
        # A quiz control shows a focus ring too.
        page.focus("#lt-q4-input")
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")
        assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    finally:
        context.close()
    assert all(u.startswith("file://") for u in requests), requests
