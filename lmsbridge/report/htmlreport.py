"""report.html: one self-contained page (inline CSS and SVG, no script, no fonts or files from elsewhere).

Completion is counted per enrolment, that is per participant in a programme's intake: completed when every
course of it is completed (Moodle's course completion), in progress when any is started, else not started. The
page says how each figure is computed (section "How the figures are computed").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime
from html import escape
from pathlib import Path

from lmsbridge.report.charts import StateCounts, completion_bars, cumulative_lines, histogram
from lmsbridge.report.model import ReportData, ResultRow
from lmsbridge.report.tracks import format_duration

CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; color: #1f2328;
  background: #fff; margin: 0 auto; max-width: 1200px; padding: 1.5rem; line-height: 1.45; }
h1 { font-size: 1.8rem; margin: 0 0 .25rem; } h2 { font-size: 1.35rem; margin: 2rem 0 .75rem;
  border-bottom: 2px solid #d0d7de; padding-bottom: .25rem; } h3 { font-size: 1.1rem; margin: 1.25rem 0 .5rem; }
.meta { color: #424a53; margin: 0 0 1rem; }
.cards { display: flex; flex-wrap: wrap; gap: .75rem; margin: 1rem 0; padding: 0; list-style: none; }
.cards li { border: 1px solid #d0d7de; border-radius: 6px; padding: .6rem .9rem; min-width: 10rem; }
.cards .num { display: block; font-size: 1.5rem; font-weight: 700; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(520px, 100%), 1fr)); gap: 1rem 2rem; }
.scroll { overflow-x: auto; } dl.how dt { font-weight: 600; margin-top: .5rem; } dl.how dd { margin: 0 0 0 1rem; }
@media (max-width: 600px) { body { padding: .75rem; } .cards li { min-width: 8rem; flex: 1 1 8rem; } }
td.nowrap { white-space: nowrap; }
figure.chart { margin: 0 0 1rem; } figcaption { font-size: .9rem; color: #424a53; }
svg text { font-family: inherit; font-size: 13px; fill: #1f2328; } svg .tick { font-size: 11px; fill: #424a53; }
svg .axis { stroke: #57606a; stroke-width: 1; } svg .value { font-weight: 600; }
details summary { cursor: pointer; color: #0b5cad; font-size: .9rem; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; margin: .5rem 0 1rem; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { border-bottom: 1px solid #d0d7de; padding: .3rem .5rem; text-align: left; vertical-align: top; }
thead th { background: #f6f8fa; position: sticky; top: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.state-completed { color: #1b7a3d; font-weight: 600; } .state-in-progress { color: #8a4600; }
.state-not-started { color: #57606a; } .state-passed { color: #1b7a3d; } .state-failed { color: #a1282c; }
.problems { border-left: 4px solid #a1282c; padding: .25rem 1rem; background: #fff5f5; }
.empty { color: #57606a; font-style: italic; }
@media print { body { max-width: none; padding: 0; } details { display: none; } thead th { position: static; }
  figure.chart, tr { break-inside: avoid; } }
"""


HOW = """<section aria-labelledby="s-how"><h2 id="s-how">How the figures are computed</h2>
<p>Everything comes from the Moodle site at the time shown at the top; nothing is estimated.</p>
<dl class="how">
<dt>Participants</dt><dd>Distinct people enrolled with the programme's role in its courses, except those who
left: their account is suspended (the sync suspends whoever no roster lists any more). They are counted apart,
and their rows say "left".</dd>
<dt>Enrolments</dt><dd>A participant in one intake of a programme (a person in two intakes counts twice).</dd>
<dt>Completed</dt><dd>Every course of the enrolment is complete by Moodle's own course completion (its criteria:
every module's SCORM activity complete, that is passed). Where a course has no completion tracking: every SCORM
module passed.</dd>
<dt>Status of a row</dt><dd><em>completed</em>: Moodle marks the course complete; <em>passed</em>: every SCORM
module passed but Moodle has not yet marked the course complete (its completion task runs periodically);
<em>failed</em>: a module's last attempt failed; <em>in progress</em>: a module opened or an event graded;
<em>not started</em>: nothing yet.</dd>
<dt>Mean module score</dt><dd>The mean of the last attempt's score of every module that has one; "no data" when
none has.</dd>
<dt>Learning time</dt><dd>The total session time the SCORM packages reported to Moodle.</dd>
<dt>Events</dt><dd>The training events with a grade above zero in the gradebook.</dd>
<dt>Last activity</dt><dd>The learner's last SCORM track or SCORM grade in Moodle (event grades do not count:
their time is when they were recorded).</dd>
</dl>
</section>
"""


def _share(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "no data"


def _when(ts: int | None, fmt: str = "%Y-%m-%d") -> str:
    return datetime.fromtimestamp(ts, UTC).strftime(fmt) if ts else ""


def enrolment_states(rows: list[ResultRow]) -> dict[tuple[str, str, str], tuple[ResultRow, str]]:
    """(participant, programme, intake) -> (a row for the participant's details, state)."""
    groups: dict[tuple[str, str, str], list[ResultRow]] = defaultdict(list)
    for r in rows:
        if r.participant.left:  # shown apart: they no longer take part
            continue
        groups[(r.participant.key, r.programme, r.intake)].append(r)
    out = {}
    for key, rs in groups.items():
        state = "completed" if all(r.completed for r in rs) else \
            "in progress" if any(r.started or r.completed or r.progress for r in rs) else "not started"
        out[key] = (rs[0], state)
    return out


def _counts(report: ReportData, label_of: Callable[[ResultRow], str]) -> list[StateCounts]:
    counts: dict[str, StateCounts] = {}
    for row, state in enrolment_states(report.rows).values():
        label = label_of(row)
        c = counts.setdefault(label, StateCounts(label))
        if state == "completed":
            c.completed += 1
        elif state == "in progress":
            c.in_progress += 1
        else:
            c.not_started += 1
    return sorted(counts.values(), key=lambda c: (-c.total, c.label))


def render_html(report: ReportData) -> str:
    rows = report.rows
    enrolments = enrolment_states(rows)
    done = sum(1 for _, s in enrolments.values() if s == "completed")
    scores = [m.score for r in rows for m in r.modules if m.score is not None]
    people = {r.participant.key for r in rows if not r.participant.left}
    left = {r.participant.key for r in rows if r.participant.left}
    total_time = sum(r.time_spent_s for r in rows)
    title = "Training results"
    def prog(r: ResultRow) -> str:
        return report.title_of(r.programme, "en")

    filters = report.filters
    applied = [f"programme {', '.join(filters.programme)}" if filters.programme else "",
               f"intake {', '.join(filters.intake)}" if filters.intake else "",
               f"activity since {filters.since}" if filters.since else "",
               f"activity until {filters.until}" if filters.until else ""]
    applied_text = "; ".join(a for a in applied if a) or "none"

    out = [f'<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
           f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{title}</title>\n'
           f'<style>{CSS}</style>\n</head>\n<body>\n<header>\n<h1>{title}</h1>\n'
           f'<p class="meta">Moodle site {escape(report.site)} · generated {_when(report.generated_at, "%Y-%m-%d %H:%M UTC")}'
           f' · filters: {escape(applied_text)}</p>\n</header>\n<main>\n'
           '<section aria-labelledby="s-summary"><h2 id="s-summary">Summary</h2>\n<ul class="cards">\n'
           f'<li><span class="num">{len(people)}</span> participants</li>\n'
           f'<li><span class="num">{len(enrolments)}</span> enrolments (participant × intake)</li>\n'
           f'<li><span class="num">{done}</span> completed ({_share(done, len(enrolments))})</li>\n'
           f'<li><span class="num">{f"{sum(scores) / len(scores):.0f}%" if scores else "no data"}</span> mean '
           "module score</li>\n"
           f'<li><span class="num">{format_duration(total_time)}</span> learning time (h:mm:ss)</li>\n'
           f'<li><span class="num">{len(left)}</span> left (suspended; not counted above)</li>\n'
           "</ul>\n</section>\n"]
    if report.problems:
        items = "".join(f"<li>{escape(p)}</li>" for p in report.problems[:200])
        more = f"<p>… and {len(report.problems) - 200} more.</p>" if len(report.problems) > 200 else ""
        out.append(f'<section aria-labelledby="s-problems" class="problems"><h2 id="s-problems">What could not be '
                   f"read</h2><ul>{items}</ul>{more}</section>\n")

    out.append('<section aria-labelledby="s-completion"><h2 id="s-completion">Completion</h2>\n<div class="grid">\n')
    out.append(completion_bars("Completion per programme", _counts(report, prog)))
    out.append(completion_bars("Completion per intake", _counts(report, lambda r: f"{prog(r)} · {r.intake}")))
    out.append(completion_bars("Completion per country", _counts(report, lambda r: r.participant.country or "(none)")))
    out.append(completion_bars("Completion per organisation",
                               _counts(report, lambda r: r.participant.institution or "(none)")))
    out.append("</div>\n</section>\n")

    out.append('<section aria-labelledby="s-scores"><h2 id="s-scores">Score distributions</h2>\n<div class="grid">\n')
    for programme in sorted({r.programme for r in rows}):
        values = [m.score for r in rows if r.programme == programme for m in r.modules if m.score is not None]
        out.append(histogram(f"Scores in {report.title_of(programme)}", values))
    if not rows:
        out.append('<p class="empty">No participants.</p>')
    out.append("</div>\n</section>\n")

    # Progress over time: one chart per programme (their calendars differ by years), one line per intake.
    out.append('<section aria-labelledby="s-progress"><h2 id="s-progress">Progress over time</h2>\n'
               '<div class="grid">\n')
    for programme in sorted({r.programme for r in rows}):
        series: dict[str, list[date]] = defaultdict(list)
        for r in rows:
            if r.programme != programme:
                continue
            for m in r.modules:
                if m.passed and m.last_activity:
                    series[f"intake {r.intake}"].append(datetime.fromtimestamp(m.last_activity, UTC).date())
        out.append(cumulative_lines(f"Modules passed over time in {report.title_of(programme)}", dict(series)))
    out.append("</div>\n</section>\n")

    out.append('<section aria-labelledby="s-people"><h2 id="s-people">Participants</h2>\n')
    out.append(_participants_table(report))
    out.append("</section>\n")
    out.append(HOW)
    out.append("</main>\n<footer><p class=\"meta\">Made by lmsbridge report from what Moodle holds.</p>"
               "</footer>\n</body>\n</html>\n")
    return "".join(out)


def _participants_table(report: ReportData) -> str:
    if not report.rows:
        return '<p class="empty">No participants match.</p>\n'
    head = ["Participant", "Id", "Organisation", "Country", "Programme", "Intake", "Course", "Status", "Score", "Attempts",
            "Time", "Events", "Last activity"]
    nums = {"Score", "Attempts", "Time", "Events"}
    th = "".join(f'<th scope="col"{" class=num" if h in nums else ""}>{h}</th>' for h in head)
    body = []
    for r in report.rows:
        p = r.participant
        state = "left" if p.left else r.state
        graded = sum(1 for e in r.events if e.grade is not None)
        status = "; ".join([f"SCORM {', '.join(m.status for m in r.modules)}" if r.modules else "no SCORM"]
                           + ([f"{graded} event{'s' if graded != 1 else ''} graded"] if graded else []))
        module_title = ", ".join(report.module_titles.get(m.module, {}).get(r.lang) or m.title for m in r.modules)
        score = f"{r.score:.0f}%" if r.score is not None else "–"
        events = sum(1 for e in r.events if e.grade)
        body.append(
            f'<tr><th scope="row">{escape(p.display_name)}</th><td class="nowrap">{escape(p.key)}</td>'
            f"<td>{escape(p.institution)}</td>"
            f"<td>{escape(p.country)}</td><td>{escape(r.programme)}</td><td>{escape(r.intake)}</td>"
            f'<td lang="{escape(r.lang or "en")}">{escape(module_title or r.course.fullname)}</td>'
            f'<td class="state-{state.replace(" ", "-")}">{escape(state)} ({escape(status)})</td>'
            f'<td class="num">{score}</td><td class="num">{r.attempts}</td>'
            f'<td class="num nowrap">{format_duration(r.time_spent_s)}</td><td class="num">{events}</td>'
            f'<td class="nowrap">{_when(r.last_activity)}</td></tr>\n')
    return (f'<div class="scroll"><table><caption>Results per participant and course ({len(report.rows)} rows)</caption>'
            f"<thead><tr>{th}</tr></thead><tbody>\n{''.join(body)}</tbody></table></div>\n")


def write_html(report: ReportData, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(report), encoding="utf-8")
    return path
