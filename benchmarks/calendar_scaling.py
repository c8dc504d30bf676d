"""How the cost of ``dosecalc calendar`` grows with the length of a course.

Run:  .venv/bin/python benchmarks/calendar_scaling.py [--runs 21] [--process]

Every figure is a median of ``--runs`` runs, reported as a ratio to the
``dose`` command measured in the same run (engineering.md §4: ratios, not
absolute times, because a shared machine is noisy). Courses, for the
example patient (165 cm, 62 kg):

- THP, 8 cycles (the case report's timeline);
- AC-TH, the 52-week course (AC x 4, weekly TH x 12, trastuzumab to 52 weeks);
- THP then HP maintenance for 5 years (87 cycles of 21 days) and 10 years
  (174 cycles), to show the slope.

In process it times ``api.calendar_course`` alone, then with the table, the
iCalendar and the HTML renderer. The cost per administration should stay
about flat as the course grows (linear growth); the last lines say so.
``--process`` adds whole-process timings (``dosecalc calendar`` vs
``dosecalc dose``, start-up included).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PATIENT = {"height": "165 cm", "weight": "62 kg"}
COURSES = [
    ("THP, 8 cycles (case report)", "thp", {"cycles": 8}),
    ("AC-TH, 52-week course", "ac-th", {}),
    ("THP/HP, 5 years (87 cycles)", "thp", {"cycles": 87}),
    ("THP/HP, 10 years (174 cycles)", "thp", {"cycles": 174}),
]


def median_seconds(function, runs: int) -> float:
    function()  # warm: regimen and policy caches, Pint registry, lazy imports
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def in_process(runs: int) -> None:
    from dosecalc import api
    from dosecalc.output.calendar import render

    dose = median_seconds(lambda: api.dose_course("thp", **PATIENT), runs)
    print(f"baseline: api.dose_course('thp') median {dose * 1e3:.2f} ms over {runs} runs\n")
    header = f"{'course':32} {'admin.':>6} {'api':>7} {'+table':>7} {'+ics':>7} {'+html':>7} {'api µs/admin':>13}"
    print("in process, ratio to the dose command (median of each)")
    print(header)
    print("-" * len(header))
    per_admin = []
    for label, regimen, options in COURSES:
        report = api.calendar_course(regimen, "2016-01-19", **options, **PATIENT)
        count = len(report.lines)
        calendar = median_seconds(
            lambda r=regimen, o=options: api.calendar_course(r, "2016-01-19", **o, **PATIENT), runs
        )
        rendered = {
            fmt: median_seconds(
                lambda r=regimen, o=options, f=fmt: render(
                    api.calendar_course(r, "2016-01-19", **o, **PATIENT), f
                ),
                runs,
            )
            for fmt in ("table", "ics", "html")
        }
        per_admin.append((label, count, calendar))
        print(
            f"{label:32} {count:6d} {calendar / dose:6.2f}x {rendered['table'] / dose:6.2f}x {rendered['ics'] / dose:6.2f}x "
            f"{rendered['html'] / dose:6.2f}x {calendar / count * 1e6:13.1f}"
        )
    (_, n5, t5), (_, n10, t10) = per_admin[-2], per_admin[-1]
    print(
        f"\nlinearity: 10 years / 5 years = {n10 / n5:.2f}x the administrations and {t10 / t5:.2f}x the time "
        f"(1.00 would be exactly linear per administration: {t10 / n10 / (t5 / n5):.2f})"
    )


def whole_process(runs: int) -> None:
    exe = str(ROOT / ".venv" / "bin" / "dosecalc")
    patient = ["--height", "165", "--weight", "62"]

    def timed(args: list[str]) -> float:
        return median_seconds(
            lambda: subprocess.run([exe, *args], check=True, capture_output=True), runs
        )

    dose = timed(["dose", "thp", *patient])
    print(f"\nwhole process: dosecalc dose thp median {dose * 1e3:.1f} ms")
    for label, args in [
        (
            "calendar THP 8 cycles",
            ["calendar", "thp", "--start", "2016-01-19", "--cycles", "8", *patient],
        ),
        ("calendar AC-TH 52 weeks", ["calendar", "ac-th", "--start", "2016-01-04", *patient]),
        (
            "calendar 5 years",
            ["calendar", "thp", "--start", "2016-01-19", "--cycles", "87", *patient],
        ),
        (
            "calendar 5 years --format ics",
            [
                "calendar",
                "thp",
                "--start",
                "2016-01-19",
                "--cycles",
                "87",
                "--format",
                "ics",
                *patient,
            ],
        ),
        (
            "calendar 5 years --format html",
            [
                "calendar",
                "thp",
                "--start",
                "2016-01-19",
                "--cycles",
                "87",
                "--format",
                "html",
                *patient,
            ],
        ),
    ]:
        print(f"  {label:34} {timed(args) / dose:5.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--runs", type=int, default=21, help="runs per measurement (median); default 21"
    )
    parser.add_argument("--process", action="store_true", help="also time whole processes")
    args = parser.parse_args()
    in_process(args.runs)
    if args.process:
        whole_process(max(5, args.runs // 2))


if __name__ == "__main__":
    main()
