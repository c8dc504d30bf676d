"""Score ``dosecalc check`` on the corpus of texts and case files it was not
written for (``tests/data/corpus/``; layout and expected-results schema in
``tests/data/corpus/README.md``).

For each subset (texts, cases, published, and heldout: published passages
collected after the checker was written, never used to tune it; heldout2,
heldout3 and heldout4: free texts written after the checker, without running it)
it prints:

* extraction precision, recall and F1 per field (drug, dose, frequency;
  duration and dates where the expectation gives them, since they are
  optional there) and for whole linked entries (drug + dose + frequency,
  plus kind, duration and dates where the expectation gives them);
* error detection: planted errors reported as errors (matched by drug and
  kind), per kind;
* false errors: errors raised on inputs whose expectation has no error, and
  errors on planted inputs that match no planted error;
* refusals: inputs the checker would not read (exit 2), against those the
  expectation says cannot be read.

Run: ``python benchmarks/checker_corpus.py [CORPUS_DIR] [--details]``.
The expectations are ground truth: a difference is the checker's to fix.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dosecalc import api
from dosecalc.case import Case
from dosecalc.checker.check import CheckReport
from dosecalc.checker.written import parse_written_dose
from dosecalc.drugs import load_drug_reference
from dosecalc.errors import DosecalcError
from dosecalc.formatting import format_number
from dosecalc.vocabulary import parse_frequency

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "corpus"
SUBSETS = ("texts", "cases", "published", "heldout", "heldout2", "heldout3", "heldout4")
FIELDS = ("drug", "dose", "frequency", "duration", "date")

# Which finding codes report each kind of planted error.
KIND_CODES = {
    "frequency": {"FREQUENCY_IMPLAUSIBLE"},
    "dose": {"DOSE_IMPLAUSIBLE", "UNIT_IMPLAUSIBLE", "WRONG_BASIS"},
    "unit": {"UNIT_IMPLAUSIBLE", "WRONG_BASIS", "DOSE_IMPLAUSIBLE"},
    "basis": {"WRONG_BASIS"},
    "loading": {"LOADING_MISSING"},
    "lvef": {"LVEF_DECLINE"},
    "cumulative": {"ANTHRACYCLINE_CUMULATIVE"},
    "duration": {"DURATION_EXCEEDED", "CYCLES_BELOW_MINIMUM"},
}

_DAYS_PER = {"day": 1.0, "week": 7.0, "month": 365.25 / 12, "year": 365.25}


@dataclass(frozen=True)
class Entry:
    """One treatment statement, normalised for comparison."""

    drug: str
    dose: str | None = None
    kind: str | None = None
    frequency: tuple[str, float] | None = None
    duration: float | None = None  # days
    start: str | None = None
    end: str | None = None


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, predicted: Any, expected: Any) -> None:
        """One field of a matched pair (or of an unmatched side: the other is None)."""
        if predicted is None and expected is None:
            return
        if predicted is not None and expected is not None and predicted == expected:
            self.tp += 1
            return
        if predicted is not None:
            self.fp += 1
        if expected is not None:
            self.fn += 1

    def prf(self) -> tuple[float, float, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return p, r, f


@dataclass
class Score:
    files: int = 0
    fields: dict[str, Tally] = field(default_factory=lambda: {f: Tally() for f in FIELDS})
    entries: Tally = field(default_factory=Tally)
    planted: Counter[str] = field(default_factory=Counter)
    caught: Counter[str] = field(default_factory=Counter)
    false_errors: int = 0  # errors on inputs expected to have none
    correct_inputs: int = 0
    unplanted_errors: int = 0  # errors on planted inputs that match no planted error
    refused: int = 0
    refused_expected: int = 0
    refused_wrongly: int = 0
    details: list[str] = field(default_factory=list)


# -- normalising what was expected and what was read ------------------------------


def dose_key(text: Any) -> str | None:
    """'8 mg/kg', '8mg/kg' and '8 mg / kg' alike; 'AUC 5'. None when unread."""
    if text is None:
        return None
    dose = parse_written_dose(str(text))
    reading = dose.reading or (dose.readings[0] if dose.readings else None)
    if reading is None:
        return f"?{text}"
    number = format_number(float(reading.amounts[0].magnitude), 4)
    if reading.unit == "AUC":
        return f"AUC {number}"
    return f"{number} {reading.unit}"


def frequency_key(value: Any) -> tuple[str, float] | None:
    """An expectation's frequency mapping, or a written frequency, as
    ('every_days', 21), ('per_week', 3), ('per_day', 2) or ('once', 1)."""
    if value is None:
        return None
    if isinstance(value, dict):
        if value.get("per_day") == 1:  # once a day is every day
            return "every_days", 1.0
        if value.get("per_week") == 1:
            return "every_days", 7.0
        for key in ("every_days", "per_week", "per_day"):
            if key in value:
                return key, float(value[key])
        return ("once", 1.0) if value.get("once") else None
    freq = value if hasattr(value, "interval_days") else parse_frequency(str(value))
    if freq is None:
        return ("unread", 0.0)
    if freq.times_per_period > 1 and abs(freq.period_days - 7) < 0.01:
        return "per_week", float(freq.times_per_period)
    if freq.times_per_period > 1 and abs(freq.period_days - 1) < 0.01:
        return "per_day", float(freq.times_per_period)
    return "every_days", float(round(freq.interval_days, 2))


def duration_days(text: Any) -> float | None:
    """'52 weeks', '18 mois', 'pendant un an' as days (rounded to a week)."""
    if text is None:
        return None
    from dosecalc.textfold import fold, number_value

    words = fold(str(text)).replace("-", " ").split()
    units = {
        "day": "day",
        "days": "day",
        "jours": "day",
        "jour": "day",
        "week": "week",
        "weeks": "week",
        "semaine": "week",
        "semaines": "week",
        "month": "month",
        "months": "month",
        "mois": "month",
        "year": "year",
        "years": "year",
        "an": "year",
        "ans": "year",
        "annee": "year",
        "annees": "year",
    }
    for i, word in enumerate(words):
        unit = units.get(word.strip(".,;)"))
        if unit is None or i == 0:
            continue
        number = number_value(words[i - 1]) or (
            1 if words[i - 1] in ("a", "one", "un", "une", "1") else None
        )
        if number:
            return round(number * _DAYS_PER[unit] / 7) * 7.0
    return None


def drug_key(name: str, reference: Any) -> str:
    """The reference id, or for a drug outside the reference its folded name
    without a French final 'e' ('bléomycine' and 'bleomycin' alike)."""
    match = reference.match(name)
    if match is not None:
        return str(match.drug_id)
    from dosecalc.textfold import fold

    return fold(name).strip().removesuffix("e")


def expected_entries(data: dict[str, Any], reference: Any) -> list[Entry]:
    entries = []
    for item in data.get("entries") or []:
        entries.append(
            Entry(
                drug=drug_key(str(item.get("drug", "")), reference),
                dose=dose_key(item.get("dose")),
                kind=item.get("kind"),
                frequency=frequency_key(item.get("frequency")),
                duration=duration_days(item.get("duration")),
                start=str(item["start"]) if item.get("start") else None,
                end=str(item["end"]) if item.get("end") else None,
            )
        )
    return entries


def read_entries(report: CheckReport, reference: Any, from_text: bool = True) -> list[Entry]:
    """What the checker read: one entry per drug and per dose of each treatment."""
    entries = []
    case: Case = report.case
    identified = {i.treatment.id: i for i in report.identified}
    for t in case.treatments:
        found = identified.get(t.id)
        for written in t.drugs:
            drug = drug_key(written.drug, reference)
            entry = (
                next((e for e in found.phase.drugs if e.drug == drug), None)
                if found and found.phase
                else None
            )
            doses = [(written.dose, "loading" if written.maintenance else None)]
            if written.maintenance:
                doses.append((written.maintenance, "maintenance"))
            then = parse_written_dose(written.maintenance) if written.maintenance else None
            for text, kind in doses:
                dose = parse_written_dose(text) if text else None
                # A loading dose follows the course's schedule: the
                # maintenance dose's when it is written with it.
                # In a text, a supportive drug keeps its own schedule (G-CSF
                # on day 2); a case file's frequency is every drug's.
                course = (
                    t.frequency
                    if not (from_text and _supportive(reference, drug, t.frequency))
                    else None
                )
                frequency = (
                    (dose.frequency if dose and dose.frequency else None)
                    or course
                    or (then.frequency if then and kind == "loading" else None)
                )
                entries.append(
                    Entry(
                        drug=drug,
                        dose=dose_key(text),
                        kind=kind or _kind(entry, dose),
                        frequency=frequency_key(frequency),
                        duration=duration_days(t.duration),
                        start=str(t.start) if t.start else None,
                        end=str(t.end) if t.end else None,
                    )
                )
    return entries


def _supportive(reference: Any, drug: str, frequency: Any = None) -> bool:
    """A supportive drug with a schedule of its own (G-CSF on day 2): not one
    whose usual schedules include the course's (leucovorin in FOLFOX)."""
    if drug not in reference or reference.get(drug).category != "supportive":
        return False
    written = parse_frequency(str(frequency)) if frequency else None
    usual = {fid for u in reference.get(drug).usual for fid in u.frequencies}
    return written is None or written.id not in usual


def _kind(entry: Any, dose: Any) -> str | None:
    """Loading or maintenance, when the regimen has both and the dose is one."""
    if entry is None or entry.loading is None or dose is None or dose.reading is None:
        return None
    value = float(dose.reading.amounts[0].magnitude)
    for kind, step in (("loading", entry.loading), ("maintenance", entry.maintenance)):
        if step is not None and abs(step.per_unit - value) <= step.per_unit * 0.05:
            return kind
    return None


# -- matching ------------------------------------------------------------------------


def pair(predicted: list[Entry], expected: list[Entry]) -> list[tuple[Entry | None, Entry | None]]:
    """Expected and read entries paired by drug, then dose, then kind, in order."""
    left = list(predicted)
    pairs: list[tuple[Entry | None, Entry | None]] = []
    for want in expected:
        same = [p for p in left if p.drug == want.drug]
        if not same:
            pairs.append((None, want))
            continue
        best = max(
            same,
            key=lambda p: (p.dose == want.dose, p.kind == want.kind, p.frequency == want.frequency),
        )
        left.remove(best)
        pairs.append((best, want))
    pairs += [(p, None) for p in left]
    return pairs


def whole(predicted: Entry, expected: Entry) -> bool:
    if (predicted.drug, predicted.dose, predicted.frequency) != (
        expected.drug,
        expected.dose,
        expected.frequency,
    ):
        return False
    return all(
        getattr(expected, name) is None or getattr(predicted, name) == getattr(expected, name)
        for name in ("kind", "duration", "start", "end")
    )


def planted_caught(report: CheckReport, error: dict[str, Any], reference: Any) -> bool:
    match = reference.match(str(error.get("drug", "")))
    drug = match.drug_id if match else error.get("drug")
    codes = KIND_CODES.get(str(error.get("kind")), set())
    identified = {i.treatment.id: set(i.drugs.values()) for i in report.identified}
    return any(
        f.severity == "error"
        and f.code in codes
        and (
            f.drug == drug
            or (f.drug is None and drug in identified.get(f.treatment or "", set()))
            or (f.drug is None and f.treatment is None)
        )
        for f in report.findings
    )


# -- running -------------------------------------------------------------------------


def inputs(subset: Path) -> list[tuple[Path, Path]]:
    found = []
    for path in sorted(subset.iterdir()):
        if path.name.endswith(".expected.yaml") or path.suffix not in (".txt", ".yaml"):
            continue
        expected = path.with_name(path.name[: -len(path.suffix)] + ".expected.yaml")
        if expected.exists():
            found.append((path, expected))
    return found


def score_subset(subset: Path, reference: Any) -> Score:
    score = Score()
    for path, expected_path in inputs(subset):
        score.files += 1
        expected = yaml.safe_load(expected_path.read_text(encoding="utf-8")) or {}
        want_refused = bool(expected.get("refused"))
        score.refused_expected += want_refused
        try:
            if path.suffix == ".txt":
                report = api.check_course(None, text_file=str(path))
            else:
                report = api.check_course(str(path))
        except DosecalcError as exc:
            score.refused += 1
            score.refused_wrongly += not want_refused
            score.details.append(f"{path.name}: refused ({str(exc).splitlines()[0][:120]})")
            for want in expected_entries(expected, reference):
                for name in ("drug", "dose", "frequency", "duration", "start", "end"):
                    field_name = "date" if name in ("start", "end") else name
                    score.fields[field_name].add(None, _field(want, name))
                score.entries.fn += 1
            score.planted.update(str(e.get("kind")) for e in expected.get("errors") or [])
            continue
        read = read_entries(report, reference, from_text=path.suffix == ".txt")
        wanted = expected_entries(expected, reference)
        for got, want in pair(read, wanted):
            for name in ("drug", "dose", "frequency"):
                score.fields[name].add(_field(got, name), _field(want, name))
            # Duration and dates are optional in an expectation (written for
            # the entries where the text states them): compared there only.
            if want is not None:
                if want.duration is not None:
                    score.fields["duration"].add(_field(got, "duration"), want.duration)
                for side in ("start", "end"):
                    if getattr(want, side) is not None:
                        score.fields["date"].add(_field(got, side), getattr(want, side))
            if got is not None and want is not None and whole(got, want):
                score.entries.tp += 1
            else:
                score.entries.fp += got is not None
                score.entries.fn += want is not None
                score.details.append(f"{path.name}: read {got} / expected {want}")
        errors = expected.get("errors") or []
        raised = [f for f in report.findings if f.severity == "error"]
        if not errors:
            score.correct_inputs += 1
            score.false_errors += len(raised)
            for f in raised:
                score.details.append(
                    f"{path.name}: FALSE ERROR {f.code} {f.drug}: {f.message[:100]}"
                )
        for error in errors:
            kind = str(error.get("kind"))
            score.planted[kind] += 1
            if planted_caught(report, error, reference):
                score.caught[kind] += 1
            else:
                score.details.append(f"{path.name}: MISSED {kind} error for {error.get('drug')}")
        if errors:
            explained = [
                f
                for f in raised
                if any(f.code in KIND_CODES.get(str(e.get("kind")), set()) for e in errors)
            ]
            score.unplanted_errors += len(raised) - len(explained)
            for f in raised:
                if f not in explained:
                    score.details.append(
                        f"{path.name}: OTHER ERROR {f.code} {f.drug}: {f.message[:100]}"
                    )
    return score


def _field(entry: Entry | None, name: str) -> Any:
    if entry is None:
        return None
    return getattr(entry, name)


def table(scores: dict[str, Score]) -> str:
    lines = []
    head = f"{'':34}" + "".join(f"{name:>22}" for name in scores)
    lines.append(head)

    def row(label: str, values: list[str]) -> None:
        lines.append(f"{label:34}" + "".join(f"{v:>22}" for v in values))

    def prf(tally: Tally) -> str:
        p, r, f = tally.prf()
        return f"{p:.2f}/{r:.2f}/{f:.2f}"

    row("files", [str(s.files) for s in scores.values()])
    for name in FIELDS:
        row(f"{name} P/R/F1", [prf(s.fields[name]) for s in scores.values()])
    row("whole entries P/R/F1", [prf(s.entries) for s in scores.values()])
    row(
        "whole entries tp/fp/fn",
        [f"{s.entries.tp}/{s.entries.fp}/{s.entries.fn}" for s in scores.values()],
    )
    row(
        "planted errors caught",
        [f"{sum(s.caught.values())}/{sum(s.planted.values())}" for s in scores.values()],
    )
    kinds = sorted({k for s in scores.values() for k in s.planted})
    for kind in kinds:
        row(f"  {kind}", [f"{s.caught[kind]}/{s.planted[kind]}" for s in scores.values()])
    row(
        "false errors (on correct inputs)",
        [f"{s.false_errors} on {s.correct_inputs}" for s in scores.values()],
    )
    row("other errors on planted inputs", [str(s.unplanted_errors) for s in scores.values()])
    row(
        "refused (expected) / wrongly",
        [f"{s.refused} ({s.refused_expected}) / {s.refused_wrongly}" for s in scores.values()],
    )
    return "\n".join(lines)


def score_corpus(corpus: Path = CORPUS) -> dict[str, Score]:
    reference = load_drug_reference()
    return {
        name: score_subset(corpus / name, reference) for name in SUBSETS if (corpus / name).is_dir()
    }


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    corpus = Path(args[0]) if args else CORPUS
    scores = score_corpus(corpus)
    print(table(scores))
    if "--details" in argv:
        for name, score in scores.items():
            print(f"\n== {name}")
            print("\n".join(score.details))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
