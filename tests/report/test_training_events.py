"""The 24 training events of the social-clustering programme (moodle.toml), as the sources describe them and as
the certificate lists them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from lmsbridge.report.event_text import describe_event
from lmsbridge.sync.sources.delivery import EventSpec, load_delivery

SC = Path(__file__).resolve().parents[2] / "course_packages" / "social-clustering"
ANTI_CORRUPTION = ["sc-korupcija", "sc-rizika", "sc-prevencija"]


def test_the_24_events_of_the_sources() -> None:
    events = {e.idnumber: e for e in load_delivery(SC).events}
    assert len(events) == 24
    assert sorted(e.country for e in events.values()) == ["LT"] * 12 + ["NO"] * 12
    first_no, first_lt = events["SC-NO-01"], events["SC-LT-01"]
    assert (first_no.start, first_no.end, first_no.place) == (date(2016, 11, 14), date(2016, 11, 18),
                                                              "Flexible Education Norway")
    assert (first_lt.start, first_lt.end) == (date(2016, 11, 28), date(2016, 11, 29))
    for first in (first_no, first_lt):
        assert first.modules == ANTI_CORRUPTION and not first.undated
        assert first.topics["lt"] == ["Korupcija Lietuvoje ir pasaulyje", "Korupcijos rizikos analizė",
                                      "Antikorupcinės priemonės ir prevencijos"]
        assert len(first.topics["en"]) == 3
    rest = [e for k, e in events.items() if k not in ("SC-NO-01", "SC-LT-01")]
    assert all(e.undated and e.start is None and not e.topics and e.modules == ["sc-intro"] for e in rest)


def test_the_certificate_line_of_an_event() -> None:
    events = {e.idnumber: e for e in load_delivery(SC).events}
    assert describe_event(events["SC-NO-01"], "en") == (
        "NO-01 · Norway, Flexible Education Norway, 14–18 November 2016: Corruption in Lithuania and the world; "
        "Corruption risk analysis; Anti-corruption measures and prevention")
    assert describe_event(events["SC-LT-01"], "lt").startswith(
        "LT-01 · Lietuva, 2016 m. lapkričio 28–29 d.: Korupcija Lietuvoje ir pasaulyje; ")
    assert describe_event(events["SC-LT-07"], "lt") == "LT-07 · Lietuva, data nenurodyta"
    assert describe_event(events["SC-NO-12"], "en") == "NO-12 · Norway, date not given"
    across = EventSpec(idnumber="X-1", name="x", modules=["m"], start=date(2016, 11, 30), end=date(2016, 12, 1))
    assert describe_event(across, "en") == "X-1 · 30 November 2016 – 1 December 2016"


@pytest.mark.parametrize("fields, message", [
    ({"undated": True, "start": date(2016, 1, 1)}, "undated = true, yet it has a date"),
    ({"end": date(2016, 1, 1)}, "an end without a start"),
    ({"start": date(2016, 1, 2), "end": date(2016, 1, 1)}, "is before start"),
    ({"country": "Norway"}, "String should match pattern"),
])
def test_event_dates_are_checked(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        EventSpec.model_validate({"idnumber": "E-1", "name": "E", "modules": ["m"], **fields})
