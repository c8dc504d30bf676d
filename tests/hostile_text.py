"""Adversarial clinical texts whose size grows with ``n``, for the linearity
test (tests/safety/test_bounded_work.py) and benchmark (benchmarks/text_linearity.py).

Each builder returns about ``n`` characters. They aim at the free-text
checker's patterns: long runs of one kind of character where a pattern
allows a repeat (spaces, tabs, digits, slashes, 'mg/'), and ordinary
sentences padded with whitespace (95 such sentences took 11 s before the
patterns were made linear).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from dosecalc import api

SENTENCE = "Docetaxel 75 mg/m2 toutes les 3 semaines x 6 cycles."

HOSTILE_TEXTS: dict[str, Callable[[int], str]] = {
    "spaces inside a dose": lambda n: "docetaxel 75" + " " * n + "mg",
    "tabs inside a dose": lambda n: "docetaxel 75" + "\t" * n + "mg",
    "no-break spaces inside a dose": lambda n: "docetaxel 75" + "\u00a0" * n + "mg",
    "spaces and tabs, then a word": lambda n: "docetaxel 3" + " \t" * (n // 2) + "x",
    "spaces around 'x' and 'par'": lambda n: "3" + " " * (n // 2) + "x" + " " * (n // 2) + "par",
    "digits": lambda n: "docetaxel " + "7" * n + " mg",
    "digits and spaces": lambda n: "docetaxel " + "7 " * (n // 2) + "mg",
    "slashes": lambda n: "docetaxel 75 mg" + "/" * n,
    "'mg/' repeated": lambda n: "docetaxel 75 " + "mg/" * (n // 3),
    "'75 mg' repeated": lambda n: "docetaxel " + "75 mg " * (n // 6),
    "padded sentences": lambda n: (SENTENCE + " " * 200 + "\n") * max(1, n // 254),
    "dots": lambda n: "docetaxel 75" + "." * n,
    "commas and digits": lambda n: "docetaxel " + "1," * (n // 2),
    "'every' repeated": lambda n: "every " * (n // 6),
    "'q ' repeated": lambda n: "q " * (n // 2),
    "drug names repeated": lambda n: "docetaxel " * (n // 10),
    "dates repeated": lambda n: "12/01/2020 " * (n // 11),
    "open brackets": lambda n: "docetaxel 75 mg" + "(" * n,
    "'x 3' repeated": lambda n: "docetaxel 75 mg/m2 " + "x 3 " * (n // 4),
    "'FE 65%' repeated": lambda n: "Le 12/01/2020 " + "FE 65% " * (n // 7),
    "'1 250 mg' repeated": lambda n: "capecitabine " + "1 250 mg " * (n // 9),
    "bracketed doses in one sentence": lambda n: (
        "docetaxel with trastuzumab " + "(8 mg/kg every 3 weeks " * (n // 24)
    ),
    "restated doses": lambda n: "capecitabine " + "1250 mg soit 2500 mg, " * (n // 22),
    "loading dose subject": lambda n: (
        "la dose de charge de herceptin est de " + "8 mg/kg et " * (n // 11)
    ),
}


def best_check_seconds(path: Path, text: str, runs: int) -> float:
    """The shortest of ``runs`` timings of ``api.check_course`` on ``text``
    (written to ``path``): the best run is the least disturbed by a busy
    machine."""
    path.write_text(text, encoding="utf-8")
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        api.check_course(text_file=str(path))
        best = min(best, time.perf_counter() - start)
    return best
