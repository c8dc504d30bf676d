"""The calendar as an iCalendar file (RFC 5545) that phone and desktop
calendar apps import, built with the ``icalendar`` library.

- One all-day event (``DTSTART;VALUE=DATE``) per treatment day, listing
  that day's drugs. All-day events carry no time and no time zone, so a
  daylight-saving change cannot shift them.
- Each event has a stable UID made of the regimen, the course start, the
  course cycle and the day in the cycle, never the date: re-importing after
  a delay updates the events instead of duplicating them.
- No patient identifiers anywhere (the calendar takes none); the SUMMARY
  names only the drugs and the cycle, after "OVERRIDE - " when doses were
  computed on values passed with --accept-implausible (the description then
  lists each override).
- ``DTSTAMP`` is the time of export (UTC); ``SOURCE_DATE_EPOCH`` or the
  ``stamp`` argument fix it for reproducible files.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from .calendar_render import cycle_text, drug_text, treatment_days
from .render import override_notes

PRODID = "-//dosecalc//cycle calendar//EN"


def _stamp(stamp: dt.datetime | None) -> dt.datetime:
    if stamp is not None:
        return stamp.astimezone(dt.UTC)
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    return dt.datetime.now(tz=dt.UTC).replace(microsecond=0)


def event_uid(report: Any, course_cycle: int, day: int) -> str:
    """``thp-20160119-c3d1@dosecalc``: stable across re-exports of the same course."""
    return f"{report.regimen.id}-{report.start:%Y%m%d}-c{course_cycle}d{day}@dosecalc"


def calendar_ics(report: Any, stamp: dt.datetime | None = None) -> str:
    """The report as iCalendar text (CRLF line endings)."""
    from icalendar import Calendar, Event, vText

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"{report.regimen.id} from {report.start.isoformat()}")
    from .provenance import text_lines

    provenance = text_lines(report.provenance)
    if provenance:
        cal.add("x-wr-caldesc", vText("\n".join(provenance)))
    dtstamp = _stamp(stamp)
    overrides = override_notes(report.patient)
    supportive: dict[dt.date, list[Any]] = {}
    for item in report.supportive:
        supportive.setdefault(item.date, []).append(item)
    monitoring: dict[dt.date, list[Any]] = {}
    due_number: dict[int, int] = {}  # the n-th time a test is due: a UID that survives delays
    seen: dict[str, int] = {}
    for item in report.monitoring:
        monitoring.setdefault(item.date, []).append(item)
        seen[item.test] = seen.get(item.test, 0) + 1
        due_number[id(item)] = seen[item.test]
    treatment_dates = set()
    for day, lines in treatment_days(report):
        treatment_dates.add(day)
        first = min(lines, key=lambda line: (line.course_cycle, line.administration.day))
        drugs = list(dict.fromkeys(line.administration.drug for line in lines))
        summary = f"Treatment: {', '.join(drugs)} ({cycle_text(lines)})"
        flagged = [line for line in lines if line.non_working and not line.moved]
        if flagged:
            summary += " - non-working day"
        if overrides:
            # Doses computed on values outside the adult ranges: the mark
            # travels with every event, where a phone shows it.
            summary = "OVERRIDE - " + summary
        description = [*overrides, f"{report.regimen.name}", f"{cycle_text(lines)}:"]
        description += [f"- {drug_text(line)}" for line in lines]
        for line in lines:
            description += [
                f"  {line.administration.drug}: {note}" for note in line.administration.notes
            ]
        description += [f"- {item.entry.purpose}: {item.text}" for item in supportive.get(day, [])]
        description += [f"- {item.text}" for item in monitoring.get(day, [])]
        if report.patient is None:
            description.append("Doses per unit (mg/m², mg/kg): no patient measurements were given.")
        description.append("Planned by dosecalc; check against the signed prescription.")
        description += provenance
        event = Event()
        event.add("uid", event_uid(report, first.course_cycle, first.administration.day))
        event.add("dtstamp", dtstamp)
        event.add("dtstart", day)
        event.add("dtend", day + dt.timedelta(days=1))
        event.add("summary", summary)
        event.add("description", "\n".join(description))
        event.add("transp", "TRANSPARENT")
        event.add("categories", ["Chemotherapy"])
        cal.add_component(event)
    # Days with supportive care or monitoring but no treatment (dexamethasone
    # the day before docetaxel; an LVEF due between doses): their own events.
    for day in sorted((set(supportive) | set(monitoring)) - treatment_dates):
        items = supportive.get(day, [])
        tests = monitoring.get(day, [])
        what = [i.entry.drug or "observation" for i in items] + [t.test for t in tests]
        event = Event()
        key = items[0] if items else None
        uid = (
            f"{report.regimen.id}-{report.start:%Y%m%d}-c{key.course_cycle}s{key.day:+d}-{key.entry.for_drug}@dosecalc"
            if key
            else f"{report.regimen.id}-{report.start:%Y%m%d}-{tests[0].test.lower()}{due_number[id(tests[0])]}@dosecalc"
        )
        event.add("uid", uid)
        event.add("dtstamp", dtstamp)
        event.add("dtstart", day)
        event.add("dtend", day + dt.timedelta(days=1))
        label = "Supportive care" if items else "Monitoring"
        mark = "OVERRIDE - " if overrides else ""
        event.add("summary", f"{mark}{label}: {', '.join(dict.fromkeys(what))}")
        description = [*overrides, report.regimen.name]
        description += [f"- {i.entry.purpose}: {i.text} ({i.phase} cycle {i.cycle})" for i in items]
        description += [f"- {t.text}" for t in tests]
        description.append("Planned by dosecalc; check against the signed prescription.")
        description += provenance
        event.add("description", "\n".join(description))
        event.add("transp", "TRANSPARENT")
        event.add("categories", ["Chemotherapy"])
        cal.add_component(event)
    return cal.to_ical().decode("utf-8")
