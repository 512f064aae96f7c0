"""Dates as people of each language write them, and a training event as the certificate lists it (number,
country, place, dates, topics); an event the sources do not date says so rather than leaving a blank."""

from __future__ import annotations

from datetime import date

from lmsbridge.sync.sources.delivery import EventSpec

_MONTHS = {
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
    "sv": ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
           "november", "december"],
    # Lithuanian dates use the genitive: "2026 m. spalio 4 d."
    "lt": ["sausio", "vasario", "kovo", "balandžio", "gegužės", "birželio", "liepos", "rugpjūčio", "rugsėjo",
           "spalio", "lapkričio", "gruodžio"],
}


def format_date(value: str, lang: str) -> str:
    """A date as people of that language write it; ISO for languages not listed."""
    if not value:
        return ""
    d = date.fromisoformat(value)
    if lang == "lt":
        return f"{d.year} m. {_MONTHS['lt'][d.month - 1]} {d.day} d."
    if lang in _MONTHS:
        return f"{d.day} {_MONTHS[lang][d.month - 1]} {d.year}"
    return d.isoformat()


_COUNTRIES = {
    "NO": {"lt": "Norvegija", "en": "Norway", "sv": "Norge"},
    "LT": {"lt": "Lietuva", "en": "Lithuania", "sv": "Litauen"},
    "SE": {"lt": "Švedija", "en": "Sweden", "sv": "Sverige"},
}
_UNDATED = {"lt": "data nenurodyta", "en": "date not given", "sv": "datum ej angivet"}


def format_range(start: date, end: date | None, lang: str) -> str:
    """'14–18 November 2016', '2016 m. lapkričio 14–18 d.'; the full dates when the month or year differ."""
    if end is None or end == start:
        return format_date(start.isoformat(), lang)
    if (start.year, start.month) != (end.year, end.month) or lang not in ("lt", "en", "sv"):
        return f"{format_date(start.isoformat(), lang)} – {format_date(end.isoformat(), lang)}"
    whole = format_date(end.isoformat(), lang)
    if lang == "lt":  # "2016 m. lapkričio 18 d." -> "2016 m. lapkričio 14–18 d."
        return whole.replace(f" {end.day} d.", f" {start.day}–{end.day} d.")
    return f"{start.day}–{whole}"


def describe_event(event: EventSpec, lang: str) -> str:
    """'NO-01 · Norway, Flexible Education Norway, 14–18 November 2016: topic; topic'."""
    label = event.idnumber.split("-", 1)[1] if event.idnumber.count("-") >= 2 else event.idnumber
    where = ", ".join(p for p in (_COUNTRIES.get(event.country, {}).get(lang, event.country), event.place) if p)
    when = format_range(event.start, event.end, lang) if event.start else _UNDATED.get(lang, "") if event.undated \
        else ""
    head = " · ".join(p for p in (label, ", ".join(p for p in (where, when) if p)) if p)
    topics = event.topics.get(lang) or []
    return f"{head}: {'; '.join(topics)}" if topics else head
