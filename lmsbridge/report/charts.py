"""Inline SVG charts that need no script and no network, each with a text alternative and its data as a table.

Every chart is a <figure>: an <svg role="img"> named by its <title> and described by a <desc> that states the
numbers in words, a <figcaption>, and a <details> table with the same data, so screen-reader users and people
printing the page get everything the picture shows. Colours pass WCAG AA against white and are never the only
cue: bars carry their numbers and legends name every colour.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from html import escape

# Segment colours (completed, in progress, not started) and series colours; all >= 3:1 against white and
# distinguishable by the common colour-vision deficiencies (Okabe-Ito based, darkened).
STATE_COLOURS = ("#1b7a3d", "#b35c00", "#8c959f")
SERIES = ("#0b5cad", "#b35c00", "#1b7a3d", "#8a3fa0", "#a1282c", "#2f6f73")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "4 4", "1 2")
_ids = itertools.count(1)


def _id(prefix: str) -> str:
    return f"{prefix}-{next(_ids)}"


def _pct(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "0%"


def _figure(title: str, desc: str, svg_body: str, width: int, height: int, caption: str, table: str) -> str:
    fid = _id("chart")
    return (f'<figure class="chart" id="{fid}">\n'
            f'<svg role="img" aria-labelledby="{fid}-t {fid}-d" viewBox="0 0 {width} {height}" width="100%" '
            f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg" '
            f'style="max-width:{width}px">\n'
            f'<title id="{fid}-t">{escape(title)}</title>\n<desc id="{fid}-d">{escape(desc)}</desc>\n'
            f'{svg_body}</svg>\n<figcaption>{escape(caption)}</figcaption>\n'
            f'<details><summary>Data of this chart</summary>{table}</details>\n</figure>\n')


def _table(caption: str, head: list[str], rows: list[list[object]]) -> str:
    th = "".join(f'<th scope="col">{escape(h)}</th>' for h in head)
    body = "".join("<tr>" + "".join(
        (f'<th scope="row">{escape(str(c))}</th>' if i == 0 else f"<td>{escape(str(c))}</td>")
        for i, c in enumerate(r)) + "</tr>\n" for r in rows)
    return f'<table class="data"><caption>{escape(caption)}</caption><thead><tr>{th}</tr></thead>' \
           f"<tbody>{body}</tbody></table>"


@dataclass
class StateCounts:
    label: str
    completed: int = 0
    in_progress: int = 0
    not_started: int = 0

    @property
    def total(self) -> int:
        return self.completed + self.in_progress + self.not_started


def wrap_label(label: str, width: int = 27, lines: int = 2) -> list[str]:
    """A label on up to ``lines`` lines of ``width`` characters, broken between words; only what would not fit
    even then ends in "…" (the full label is the element's <title> and in the data table)."""
    out: list[str] = []
    for word in label.split():
        if out and len(out[-1]) + 1 + len(word) <= width:
            out[-1] += " " + word
        else:
            out.append(word)
    out = out or [""]
    if len(out) > lines or any(len(line) > width for line in out):
        out = out[:lines]
        if len(out[-1]) > width - 1 or len(label.split()) > sum(len(line.split()) for line in out):
            out[-1] = out[-1][:width - 1].rstrip() + "…"
        out = [line if len(line) <= width else line[:width - 1] + "…" for line in out]
    return out


def completion_bars(title: str, groups: list[StateCounts], *, what: str = "participants") -> str:
    """Horizontal 100% stacked bars: completed / in progress / not started, one bar per group."""
    if not groups:
        return f'<p class="empty">{escape(title)}: no data.</p>\n'
    label_w, bar_w, row_h, top = 210, 280, 36, 32
    width, height = label_w + bar_w + 100, top + row_h * len(groups) + 8
    parts = []
    legend_x = label_w
    for name, colour in zip(("completed", "in progress", "not started"), STATE_COLOURS, strict=True):
        parts.append(f'<rect x="{legend_x}" y="6" width="14" height="14" fill="{colour}"/>'
                     f'<text x="{legend_x + 19}" y="18" class="legend">{name}</text>')
        legend_x += 105
    for n, g in enumerate(groups):
        y = top + n * row_h
        lines = wrap_label(g.label)
        first_y = y + 18 - 7 * (len(lines) - 1)
        spans = "".join(f'<tspan x="{label_w - 8}" y="{first_y + 14 * i}">{escape(line)}</tspan>'
                        for i, line in enumerate(lines))
        parts.append(f'<text text-anchor="end" class="label"><title>{escape(g.label)}</title>{spans}</text>')
        x = float(label_w)
        for value, colour in zip((g.completed, g.in_progress, g.not_started), STATE_COLOURS, strict=True):
            w = bar_w * value / g.total if g.total else 0
            if w:
                parts.append(f'<rect x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" fill="{colour}"/>')
            x += w
        parts.append(f'<text x="{label_w + bar_w + 8}" y="{y + 18}" class="value">{g.completed}/{g.total} '
                     f'({_pct(g.completed, g.total)})</text>')
    desc = "; ".join(f"{g.label}: {g.completed} of {g.total} {what} completed ({_pct(g.completed, g.total)}), "
                     f"{g.in_progress} in progress, {g.not_started} not started" for g in groups) + "."
    table = _table(title, ["Group", "Completed", "In progress", "Not started", "Total", "Completion rate"],
                   [[g.label, g.completed, g.in_progress, g.not_started, g.total, _pct(g.completed, g.total)]
                    for g in groups])
    return _figure(title, desc, "".join(parts) + "\n", width, height,
                   f"{title}: share of {what} who completed, are in progress, or have not started.", table)


def histogram(title: str, values: list[float], *, bins: int = 10, unit: str = "%") -> str:
    """Score distribution in `bins` equal bins over 0-100 (100 falls in the last bin)."""
    if not values:
        return f'<figure class="chart"><figcaption>{escape(title)}</figcaption><p class="empty">No scores yet.</p>' \
               "</figure>\n"
    step = 100 / bins
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, int(max(0.0, v) // step))] += 1
    labels = [f"{int(i * step)}–{int((i + 1) * step) - (0 if i == bins - 1 else 1)}" for i in range(bins)]
    left, top, plot_w, plot_h = 10, 22, 460, 150
    width, height = left + plot_w + 10, top + plot_h + 46
    peak = max(counts) or 1
    bar = plot_w / bins
    base = top + plot_h
    parts = [f'<line x1="{left}" y1="{base}" x2="{left + plot_w}" y2="{base}" class="axis"/>']
    for i, c in enumerate(counts):
        h = plot_h * c / peak
        x = left + i * bar
        if c:
            parts.append(f'<rect x="{x + 3:.1f}" y="{base - h:.1f}" width="{bar - 6:.1f}" height="{h:.1f}" '
                         f'fill="{SERIES[0]}"/>')
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{base - h - 5:.1f}" text-anchor="middle" '
                         f'class="value">{c}</text>')
        parts.append(f'<text x="{x + bar / 2:.1f}" y="{base + 16}" text-anchor="middle" class="tick">'
                     f'{labels[i]}</text>')
    parts.append(f'<text x="{left + plot_w / 2}" y="{base + 38}" text-anchor="middle" class="tick">'
                 f'score ({unit})</text>')
    mean = sum(values) / len(values)
    nonzero = [f"{labels[i]}{unit}: {c}" for i, c in enumerate(counts) if c]
    desc = (f"{len(values)} scores, mean {mean:.0f}{unit}, lowest {min(values):.0f}{unit}, highest "
            f"{max(values):.0f}{unit}. By range: {', '.join(nonzero)}.")
    table = _table(title, ["Score range", "Count"], [[f"{lab}{unit}", c] for lab, c in zip(labels, counts,
                                                                                           strict=True)])
    return _figure(title, desc, "".join(parts) + "\n", width, height, f"{title} (last attempt of each module).",
                   table)


def cumulative_lines(title: str, series: dict[str, list[date]], *, what: str = "modules passed") -> str:
    """One step line per series: how many `what` had happened by each day."""
    series = {k: sorted(v) for k, v in series.items() if v}
    if not series:
        return f'<figure class="chart"><figcaption>{escape(title)}</figcaption><p class="empty">Nothing passed ' \
               "yet.</p></figure>\n"
    first = min(v[0] for v in series.values())
    last = max(v[-1] for v in series.values())
    span = max((last - first).days, 1)
    peak = max(len(v) for v in series.values())
    left, top, plot_w, plot_h = 40, 24 + 18 * len(series), 420, 150
    width, height = left + plot_w + 30, top + plot_h + 50
    parts = [f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" class="axis"/>',
             f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" class="axis"/>',
             f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end" class="tick">0</text>',
             f'<text x="{left - 6}" y="{top + 10}" text-anchor="end" class="tick">{peak}</text>',
             f'<text x="{left}" y="{top + plot_h + 18}" class="tick">{first.isoformat()}</text>',
             f'<text x="{left + plot_w}" y="{top + plot_h + 18}" text-anchor="end" class="tick">'
             f'{last.isoformat()}</text>']
    if span > 14:
        middle = date.fromordinal(first.toordinal() + span // 2)
        parts.append(f'<text x="{left + plot_w / 2}" y="{top + plot_h + 18}" text-anchor="middle" class="tick">'
                     f'{middle.isoformat()}</text>')
    lines = []
    for n, (name, days) in enumerate(series.items()):
        colour, dash = SERIES[n % len(SERIES)], DASHES[n % len(DASHES)]
        pts: list[tuple[float, float]] = [(left, top + plot_h)]
        for count, day in enumerate(days, start=1):
            x = left + plot_w * (day - first).days / span
            y = top + plot_h - plot_h * count / peak
            pts += [(x, pts[-1][1]), (x, y)]
        pts.append((left + plot_w, pts[-1][1]))
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"{dash_attr}/>')
        ly = 14 + 18 * n
        parts.append(f'<line x1="{left}" y1="{ly}" x2="{left + 28}" y2="{ly}" stroke="{colour}" stroke-width="3"'
                     f'{dash_attr}/><text x="{left + 34}" y="{ly + 4}" class="legend">{escape(name)} '
                     f'({len(days)})</text>')
        lines.append(f"{name}: {len(days)} {what} between {days[0].isoformat()} and {days[-1].isoformat()}")
    desc = "Cumulative " + what + " over time. " + "; ".join(lines) + "."
    rows = []
    for name, days in series.items():
        running = 0
        for day, group in itertools.groupby(days):
            running += len(list(group))
            rows.append([name, day.isoformat(), running])
    table = _table(title, ["Series", "Day", f"Total {what}"], rows)
    return _figure(title, desc, "".join(parts) + "\n", width, height, f"{title}: cumulative {what} by day.", table)
