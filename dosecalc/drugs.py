"""The drug reference: names in English and French, vials, usual doses.

``load_drug_reference()`` reads ``drugs/drugs.yaml`` (format:
``docs/drug-reference-format.md``), validates it strictly and returns a
:class:`DrugReference`. The regimen checker uses it to recognise drug names
in notes (``match``, ``find_names``), including misspelled ones, and to
judge whether a written dose and frequency are plausible (``DrugInfo.usual``).

Name matching is exact first (case- and accent-insensitive, hyphen or space
alike), then tolerant of small misspellings ("Doxurrobicine"). The tolerance
is deliberately narrow: look-alike drugs differ by three or more edits
(daunorubicin / doxorubicin), a misspelled match must keep the first letter,
and names listed under ``unlisted_drugs`` (prednisolone, nab-paclitaxel...)
are never read as the listed drug they resemble.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import datacache
from .errors import NotFoundError
from .limits import ANTHRACYCLINE_FACTOR, DOSE_BY_BASIS
from .model import Source
from .paths import drug_reference_file
from .textfold import fold
from .validation import (
    SOURCES,
    Checker,
    Field,
    FieldPath,
    Reader,
    Section,
    cited,
    list_of,
    load_data_file,
    one_of,
    schema_version,
    section,
    text,
)
from .vocabulary import frequency_from_id

if TYPE_CHECKING:  # PyYAML only on a parse, not on a warm cache
    import pint

    Quantity = pint.Quantity[Any]

__all__ = [
    "AnthracyclineFactor",
    "Combination",
    "DrugInfo",
    "DrugReference",
    "NameMatch",
    "UsualDose",
    "load_drug_reference",
    "normalize_name",
]

CATEGORIES = ("chemotherapy", "targeted", "supportive")
#: What a drug entry can require to be monitored (``monitoring``): the checker
#: reports the course's LVEF values against the label for drugs with ``lvef``.
MONITORING = ("lvef",)
ROUTES = ("IV", "PO", "SC", "IM")
# What a usual schedule can be published only with (``support`` of a usual dose).
SUPPORTS = ("growth_factor",)
#: The growth factors whose documentation makes a ``support: growth_factor``
#: schedule (dose-dense) a published one.
GROWTH_FACTORS = ("pegfilgrastim", "filgrastim", "lipegfilgrastim", "lenograstim")
LANGUAGES = ("en", "fr")
_ID = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")


# --- data types ------------------------------------------------------------------


@dataclass(frozen=True)
class UsualDose:
    """One usual adult schedule of a drug, for plausibility checks.

    ``basis`` is ``bsa``, ``weight``, ``flat`` or ``auc``; ``minimum`` and
    ``maximum`` are Pint quantities in that basis. ``frequencies`` holds
    canonical frequency ids; empty when the source sets no fixed interval.
    """

    route: str
    basis: str
    minimum: Quantity
    maximum: Quantity
    frequencies: tuple[str, ...]
    sources: tuple[str, ...]
    note: str | None = None
    line: int | None = None
    # What the schedule is published only with: "growth_factor" for a
    # dose-dense schedule given with G-CSF support (pegfilgrastim, filgrastim).
    support: str | None = None

    def range_factor(self, amount: Quantity, basis: str) -> float | None:
        """How far ``amount`` lies outside the range: 1.0 inside it, below 1
        when under the minimum (0.001 is 1000 times too low), above 1 when over
        the maximum. None when the basis differs (mg/kg against mg/m²)."""
        if basis != self.basis:
            return None
        try:
            value = float(amount.to(self.minimum.units).magnitude)
        except Exception:  # a unit Pint cannot convert: not comparable
            return None
        low, high = (
            float(self.minimum.magnitude),
            float(self.maximum.to(self.minimum.units).magnitude),
        )
        if value < low:
            return value / low
        if value > high:
            return value / high
        return 1.0

    def allows_frequency(self, frequency_id: str) -> bool | None:
        """True or False, or None when this schedule lists no frequency."""
        if not self.frequencies:
            return None
        return frequency_id in self.frequencies


@dataclass(frozen=True)
class AnthracyclineFactor:
    """Doxorubicin-equivalent ratio, with the table it comes from.

    ``value`` None marks an anthracycline the table gives no ratio for: the
    ledger reports it as not counted, never as zero. ``caveat`` says what the
    ratio rests on (or why there is none), printed with every total.
    """

    value: float | None
    table: str
    source: str
    caveat: str | None = None
    # The drug's own cumulative limit in mg/m² of itself, when its label or
    # the literature gives one (epirubicin 900 mg/m²), with its source: a
    # total of this drug alone is judged against it, not through the ratio.
    own_limit_mg_m2: float | None = None
    own_limit_source: str | None = None


@dataclass(frozen=True)
class Combination:
    """A fixed combination product (piperacillin-tazobactam 8:1).

    ``dose_basis`` says how the usual doses are stated: ``total`` (sum of
    components, 4.5 g) or ``first_component`` (4 g piperacillin).
    """

    components: tuple[str, ...]
    ratios: tuple[tuple[float, ...], ...]
    dose_basis: str
    note: str | None = None

    def matches_ratio(self, amounts: tuple[Any, ...], tolerance: float = 0.02) -> bool:
        """True when component amounts (same dimension) are in a listed ratio."""
        if len(amounts) != len(self.components):
            return False
        try:
            values = [float(a.to(amounts[0].units).magnitude) for a in amounts]
        except Exception:
            return False
        if values[0] <= 0:
            return False
        for ratio in self.ratios:
            expected = [r / ratio[0] for r in ratio]
            if all(
                abs(v / values[0] - e) <= tolerance * max(e, 1e-9)
                for v, e in zip(values, expected, strict=False)
            ):
                return True
        return False


@dataclass(frozen=True)
class DrugInfo:
    """One drug of the reference."""

    id: str
    names: dict[str, tuple[str, ...]]
    category: str
    usual: tuple[UsualDose, ...]
    vials: tuple[Any, ...]  # Pint mass quantities
    sources: tuple[str, ...]
    anthracycline: AnthracyclineFactor | None = None
    combination: Combination | None = None
    note: str | None = None
    line: int | None = None
    tablets: tuple[Any, ...] = ()  # Pint mass quantities: the tablet strengths of an oral drug
    # What the label requires to be monitored during treatment ("lvef":
    # left-ventricular ejection fraction at baseline and during treatment).
    monitoring: tuple[str, ...] = ()

    @property
    def vials_mg(self) -> tuple[float, ...]:
        """Vial contents in mg, smallest first."""
        return tuple(sorted(float(v.to("mg").magnitude) for v in self.vials))

    @property
    def tablets_mg(self) -> tuple[float, ...]:
        """Tablet strengths in mg, smallest first."""
        return tuple(sorted(float(v.to("mg").magnitude) for v in self.tablets))

    @property
    def anthracycline_factor(self) -> float | None:
        return self.anthracycline.value if self.anthracycline else None

    def name(self, language: str = "en") -> str:
        """The first (preferred) name in ``language``, else the id."""
        names = self.names.get(language) or ()
        return names[0] if names else self.id

    def usual_for(
        self, route: str | None = None, basis: str | None = None
    ) -> tuple[UsualDose, ...]:
        """The usual schedules, optionally only for one route and/or basis."""
        return tuple(
            u
            for u in self.usual
            if (route is None or u.route == route) and (basis is None or u.basis == basis)
        )


@dataclass(frozen=True)
class NameMatch:
    """A drug name recognised in text.

    ``written`` is the name as written, ``matched_name`` the reference name it
    matched, ``languages`` the language(s) that name belongs to. A
    ``misspelled`` match always needs confirmation; ``alternatives`` lists
    other drugs that were nearly as close.
    """

    drug_id: str
    written: str
    matched_name: str
    languages: tuple[str, ...]
    misspelled: bool
    score: float  # 1.0 for an exact match, else the similarity ratio (difflib) of the two names
    alternatives: tuple[str, ...] = ()

    @property
    def language(self) -> str:
        """``en``, ``fr``, or ``en+fr`` for a name shared by both."""
        return "+".join(self.languages)


def normalize_name(text: str) -> str:
    """Case, accents and punctuation folded: "Pipéracilline-Tazobactam" -> "piperacilline tazobactam"."""
    return " ".join(t for t in re.split(r"[\W_]+", fold(text)) if t)


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (a swap of two neighbours is one
    edit), or ``limit + 1`` as soon as it must exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def _allowed_edits(length: int) -> int:
    # Short names (brands such as "Taxol", "Lasix") only match exactly: one
    # edit turns them into ordinary words. INNs of 8-10 letters tolerate one
    # edit, longer ones two (doubled letters not counted). Look-alike pairs in
    # the reference differ by three or more (daunorubicin/doxorubicin), so
    # a misspelling of one is never read as the other.
    if length < 8:
        return 0
    return 1 if length <= 10 else 2


_TOKEN = re.compile(r"[^\W_]+")
_JOINER = re.compile(r"^(?:\s{1,2}|\s?[-/–]\s?)$")
_MAX_TOKENS = 4


# --- the reference -------------------------------------------------------------------


@dataclass
class DrugReference:
    """The validated drug reference: look up by id, or recognise names."""

    drugs: dict[str, DrugInfo]
    sources: dict[str, Source]
    unlisted: tuple[str, ...] = ()
    path: str | None = None
    _index: dict[str, tuple[str, str, tuple[str, ...]]] = field(default_factory=dict, repr=False)
    _unlisted_index: frozenset[str] = field(default_factory=frozenset, repr=False)

    def __post_init__(self) -> None:
        index: dict[str, tuple[str, str, tuple[str, ...]]] = {}
        for drug in self.drugs.values():
            for language in LANGUAGES:
                for name in drug.names.get(language, ()):
                    key = normalize_name(name)
                    if key in index:
                        drug_id, shown, languages = index[key]
                        if language not in languages:
                            index[key] = (drug_id, shown, (*languages, language))
                    else:
                        index[key] = (drug.id, name, (language,))
        self._index = index
        self._unlisted_index = frozenset(normalize_name(n) for n in self.unlisted)
        # Candidates for misspelling-tolerant matching, by first letter and
        # word count: a misspelling keeps both, and short names match exactly only.
        self._buckets: dict[tuple[str, int], list[tuple[str, str, str, str, tuple[str, ...]]]] = {}
        for key, (drug_id, shown, languages) in index.items():
            if len(key) >= 8:
                bucket = self._buckets.setdefault((key[0], len(key.split())), [])
                bucket.append((key, _squeeze(key), drug_id, shown, languages))
        self._unlisted_buckets: dict[tuple[str, int], list[str]] = {}
        for key in self._unlisted_index:
            self._unlisted_buckets.setdefault((key[0], len(key.split())), []).append(_squeeze(key))
        self._lookup = lru_cache(maxsize=8192)(self._lookup_uncached)

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled (datacache) as its validated contents; the indexes are rebuilt.
        return DrugReference, (self.drugs, self.sources, self.unlisted, self.path)

    def __iter__(self) -> Iterator[DrugInfo]:
        return iter(self.drugs.values())

    def __len__(self) -> int:
        return len(self.drugs)

    def __contains__(self, drug_id: object) -> bool:
        return drug_id in self.drugs

    def get(self, drug_id: str) -> DrugInfo:
        """The drug with this id; raises NotFoundError (with a suggestion) if none."""
        try:
            return self.drugs[drug_id]
        except KeyError:
            hint = self.match(drug_id)
            suggestion = f" (did you mean '{hint.drug_id}'?)" if hint else ""
            raise NotFoundError(f"no drug '{drug_id}' in the drug reference{suggestion}") from None

    def is_unlisted_drug(self, name: str) -> bool:
        """True for a known drug that the reference deliberately does not describe."""
        return normalize_name(name) in self._unlisted_index

    def match(self, name: str) -> NameMatch | None:
        """Recognise one drug name, in English or French, possibly misspelled.

        Returns None for anything that is not (close to) a reference name, and
        for known drugs the reference does not describe (``unlisted_drugs``).
        """
        if not isinstance(name, str) or len(name) > 200:
            return None
        key = normalize_name(name)
        if not key:
            return None
        found = self._lookup(key, len(key.split()))
        if found is None:
            return None
        drug_id, matched, languages, score, alternatives = found
        if not drug_id:
            return None
        misspelled = key != normalize_name(matched)
        return NameMatch(drug_id, name.strip(), matched, languages, misspelled, score, alternatives)

    def find_names(self, text: str) -> list[tuple[NameMatch, tuple[int, int]]]:
        """Every drug name in ``text`` with its (start, end) span, in order.

        Multi-word names ("amoxicilline-acide clavulanique") win over their
        parts; "doxorubicine-cyclophosphamide" gives two drugs.
        """
        if not isinstance(text, str) or not text:
            return []
        folded = fold(text)
        tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(folded)]
        found: list[tuple[NameMatch, tuple[int, int]]] = []
        i = 0
        while i < len(tokens):
            step = 1
            for count in range(min(_MAX_TOKENS, len(tokens) - i), 0, -1):
                run = tokens[i : i + count]
                if any(
                    not _JOINER.match(folded[a[1] : b[0]])
                    for a, b in zip(run, run[1:], strict=False)
                ):
                    continue
                key = " ".join(t[2] for t in run)
                hit = self._lookup(key, count)
                if hit is None:
                    continue
                step = count
                drug_id, matched, languages, score, alternatives = hit
                if drug_id:  # "" marks an unlisted drug: consumed, not reported
                    start, end = run[0][0], run[-1][1]
                    misspelled = key != normalize_name(matched)
                    found.append(
                        (
                            NameMatch(
                                drug_id,
                                text[start:end],
                                matched,
                                languages,
                                misspelled,
                                score,
                                alternatives,
                            ),
                            (start, end),
                        )
                    )
                break
            i += step
        return found

    def _lookup_uncached(
        self, key: str, token_count: int
    ) -> tuple[str, str, tuple[str, ...], float, tuple[str, ...]] | None:
        """(drug id, reference name, languages, similarity, alternatives) for a
        normalised name; drug id "" for an unlisted drug; None for no match."""
        if key in self._unlisted_index:
            return ("", key, (), 1.0, ())
        exact = self._index.get(key)
        if exact:
            return (exact[0], exact[1], exact[2], 1.0, ())
        squeezed = _squeeze(key)
        limit = _allowed_edits(len(squeezed))
        if limit == 0 or not all(t.isalpha() for t in key.split()):
            return None
        bucket_key = (key[0], token_count)
        for unlisted in self._unlisted_buckets.get(bucket_key, ()):
            # A known drug outside the reference is never read as its look-alike.
            if _edit_distance(squeezed, unlisted, limit) <= limit:
                return None
        best: dict[str, tuple[int, float, str, tuple[str, ...]]] = {}
        for name_key, name_squeezed, drug_id, shown, languages in self._buckets.get(bucket_key, ()):
            distance = _edit_distance(squeezed, name_squeezed, limit)
            if distance > limit:
                continue
            similarity = SequenceMatcher(None, key, name_key).ratio()
            current = best.get(drug_id)
            if current is None or (distance, -similarity) < (current[0], -current[1]):
                best[drug_id] = (distance, similarity, shown, languages)
        if not best:
            return None
        ranked = sorted(best.items(), key=lambda item: (item[1][0], -item[1][1]))
        drug_id, (distance, similarity, shown, languages) = ranked[0]
        if (
            len(ranked) > 1
            and ranked[1][1][0] == distance
            and abs(ranked[1][1][1] - similarity) < 1e-9
        ):
            return None  # two drugs exactly as close: refuse to choose
        alternatives = tuple(other for other, _ in ranked[1:])
        return (drug_id, shown, languages, round(similarity, 3), alternatives)


def _squeeze(text: str) -> str:
    # Doubled letters are the commonest misspelling in both languages
    # ("Doxurrobicine", "pipéraciline"); they are not counted as edits.
    return re.sub(r"(.)\1+", r"\1", text)


# --- loading ---------------------------------------------------------------------------


def default_path() -> Path:
    """The shipped drug reference file."""
    return drug_reference_file()


@cache
def _default_reference() -> DrugReference:
    return _load(default_path())


def load_drug_reference(path: str | Path | None = None) -> DrugReference:
    """Load and validate the drug reference (the shipped one when ``path`` is None,
    cached). Raises DataFileError listing every problem, with file, line and
    field path (``drugs[3].usual[0].dose.min``)."""
    if path is None:
        return _default_reference()
    return _load(Path(path))


@dataclass(frozen=True)
class RegimenName:
    """A regimen name or acronym as written ("FEC") and its drugs' ids."""

    name: str
    drugs: tuple[str, ...]
    source: str
    route: str | None = None  # a name that means a route ("Phesgo": SC)


@cache
def load_regimen_names(path: Path | None = None) -> tuple[RegimenName, ...]:
    """The regimen names of ``drugs/regimen-names.yaml``; every drug must be
    in the drug reference. Raises DataFileError listing every problem."""
    path = path or default_path().with_name("regimen-names.yaml")
    reference = load_drug_reference()

    def read(c: Checker, data: Any) -> tuple[RegimenName, ...] | None:
        top = c.mapping(data, (), required={"schema_version", "sources", "names"}, optional=set())
        if top is None:
            return None
        sources = {
            s.get("id"): s.get("citation")
            for s in c.sequence(top.get("sources"), ("sources",))
            if isinstance(s, dict)
        }
        found = []
        for i, item in enumerate(c.sequence(top.get("names"), ("names",))):
            entry = c.mapping(
                item, ("names", i), required={"name", "drugs", "source"}, optional={"route"}
            )
            if entry is None:
                continue
            drugs = tuple(str(d) for d in c.sequence(entry.get("drugs"), ("names", i, "drugs")))
            for j, drug in enumerate(drugs):
                if drug not in reference:
                    c.problem(("names", i, "drugs", j), f"'{drug}' is not in the drug reference")
            if entry.get("source") not in sources:
                c.problem(("names", i, "source"), f"unknown source '{entry.get('source')}'")
            route = entry.get("route")
            if route is not None:
                c.choice(route, ("names", i, "route"), ROUTES)
            found.append(
                RegimenName(
                    str(entry.get("name")), drugs, str(sources.get(entry.get("source"))), route
                )
            )
        return tuple(found)

    return load_data_file(path, read)


def _load(path: Path) -> DrugReference:
    return datacache.load("drugs", path, _read, DrugReference)  # cached once valid


def _read(path: Path) -> DrugReference:
    from .yamlio import load_yaml_file  # PyYAML only on a parse, not on a warm cache

    data, lines = load_yaml_file(path)
    return _read_data(Checker(str(path), lines), data)


_QUANTITY = re.compile(r"^(?P<num>\d+(?:\.\d+)?) (?P<mass>mg|g|mcg|kg)(?:/(?P<per>m2|kg))?$")
_AUC_TEXT = re.compile(r"^AUC (?P<num>\d+(?:\.\d+)?)$")
_BASIS_OF_PER = {None: "flat", "m2": "bsa", "kg": "weight"}


# Normalised drug name -> the drug id that owns it and where it was written.
_Owners = dict[str, tuple[str, tuple[Any, ...]]]

#: Where an unknown source id should have been declared, for the message.
_IN_SOURCES = "not in the top-level sources list"
_CITED = cited(_IN_SOURCES)


def _read_data(c: Checker, data: Any) -> DrugReference:
    """The drug reference from the file's data; raises DataFileError listing every problem."""
    owners: _Owners = {}
    root = _REFERENCE.read(c, data, (), {"owners": owners})
    if root is None:
        c.raise_if_any()
    assert root is not None  # read() returns None only with a problem recorded
    for name in root["unlisted_drugs"]:
        owner = owners.get(normalize_name(name))
        if owner:
            c.problem(("unlisted_drugs",), f"'{name}' is also a name of {owner[0]}")
    c.raise_if_any()
    return DrugReference(
        drugs=root["drugs"],
        sources=root["sources"],
        unlisted=root["unlisted_drugs"],
        path=c.filename,
    )


def _drugs(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> dict[str, DrugInfo]:
    drugs: dict[str, DrugInfo] = {}
    for i, item in enumerate(c.sequence(value, path)):
        drug = _drug(c, item, (*path, i), got)
        if drug is None:
            continue
        if drug.id in drugs:
            c.problem((*path, i, "id"), f"duplicate drug id '{drug.id}'")
            continue
        drugs[drug.id] = drug
    return drugs


def _strengths(what: str) -> Reader:
    """A list of vial contents or tablet strengths: masses, no repeats."""

    def read(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> list[Quantity]:
        found: list[Quantity] = []
        for i, item in enumerate(c.sequence(value, path, non_empty=False)):
            parsed = _quantity(c, item, (*path, i))
            if parsed and parsed[1] != "flat":
                c.problem((*path, i), f"a {what} holds a mass (mg or g), not '{item}'")
            elif parsed:
                if any(
                    abs(parsed[0].to("mg").magnitude - v.to("mg").magnitude) < 1e-9 for v in found
                ):
                    c.problem((*path, i), f"duplicate {what} size '{item}'")
                found.append(parsed[0])
        return found

    return read


def _quantity(c: Checker, value: Any, path: FieldPath) -> tuple[Any, str] | None:
    """A dose or vial quantity written as text: "75 mg/m2", "4.5 g", "5 mcg/kg", "AUC 6"."""
    from .units import Q

    if not isinstance(value, str):
        c.problem(path, f'expected a quantity in quotes such as "75 mg/m2", got {value!r}')
        return None
    text = value.strip()
    auc = _AUC_TEXT.match(text)
    if auc:
        quantity, basis = Q(float(auc.group("num")), "mg*min/mL"), "auc"
    else:
        match = _QUANTITY.match(text)
        if not match or match.group("mass") == "kg":
            c.problem(
                path,
                f"'{text}' is not a dose quantity: write a number, a space and mg, g or mcg, "
                'optionally per m2 or kg ("75 mg/m2", "4.5 g", "5 mcg/kg"), or "AUC 6"',
            )
            return None
        per = match.group("per")
        unit = match.group("mass") + (f"/{'m**2' if per == 'm2' else 'kg'}" if per else "")
        quantity, basis = Q(float(match.group("num")), unit), _BASIS_OF_PER[per]
    if quantity.magnitude <= 0:
        c.problem(path, f"'{text}' must be more than zero")
        return None
    canonical = {"bsa": "mg/m**2", "weight": "mg/kg", "flat": "mg", "auc": "mg*min/mL"}[basis]
    number = float(quantity.to(canonical).magnitude)
    if c.within(number, path, DOSE_BY_BASIS[basis], text) is None:
        return None
    return quantity, basis


def _dose_quantity(
    c: Checker, value: Any, path: FieldPath, got: dict[str, Any]
) -> tuple[Any, str] | None:
    return _quantity(c, value, path)


def _drug(c: Checker, item: Any, path: FieldPath, got: dict[str, Any]) -> DrugInfo | None:
    entry = _DRUG.read(c, item, path, got)
    if entry is None:
        return None
    drug_id, names, category = entry["id"], entry["names"], entry["category"]
    if drug_id is None or names is None or category is None:
        return None
    return DrugInfo(
        id=drug_id,
        names=names,
        category=category,
        usual=entry["usual"],
        vials=tuple(entry["vials"]),
        tablets=tuple(entry["tablets"]),
        sources=entry["sources"],
        anthracycline=entry["anthracycline_factor"],
        combination=entry["combination"],
        note=entry["note"],
        line=c.line(path),
        monitoring=entry["monitoring"],
    )


def _drug_id(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> str | None:
    drug_id = c.text(value, path)
    if drug_id and not _ID.match(drug_id):
        c.problem(
            path,
            f"'{drug_id}' is not a valid id (lower-case English INN, words joined by hyphens)",
        )
    return drug_id


def _names(
    c: Checker, value: Any, path: FieldPath, got: dict[str, Any]
) -> dict[str, tuple[str, ...]] | None:
    entry = _NAMES.read(c, value, path, got)
    if entry is None:
        return None
    return {language: names for language, names in entry.items() if names is not None}


def _names_in(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> tuple[str, ...]:
    """A drug's names in one language: each with letters, listed once, and
    not already a name of another drug."""
    drug_id: str = got["id"] or "?"
    owners: _Owners = got["owners"]
    seen: set[str] = set()
    items = []
    for i, item in enumerate(c.sequence(value, path)):
        name = c.text(item, (*path, i))
        if name is None:
            continue
        key = normalize_name(name)
        if not key:
            c.problem((*path, i), f"'{name}' has no letters or digits")
            continue
        if key in seen:
            c.problem(
                (*path, i),
                f"'{name}' is listed twice (names are compared without case, accents or punctuation)",
            )
            continue
        owner = owners.get(key)
        if owner and owner[0] != drug_id:
            c.problem((*path, i), f"'{name}' is already a name of {owner[0]}")
            continue
        owners.setdefault(key, (drug_id, (*path, i)))
        seen.add(key)
        items.append(name)
    return tuple(items)


_NAMES = Section(Field("en", _names_in, required=True), Field("fr", _names_in))


def _factor(
    c: Checker, value: Any, path: FieldPath, got: dict[str, Any]
) -> AnthracyclineFactor | None:
    entry = _FACTOR.read(c, value, path, got)
    if entry is None:
        return None
    number, caveat = entry["value"], entry["caveat"]
    not_counted = number is None
    if not_counted and not caveat:
        c.problem(
            (*path, "caveat"),
            "a factor of null (not counted) needs a caveat saying why there is no ratio",
        )
    elif number is not None and (
        isinstance(number, bool) or not isinstance(number, (int, float)) or number <= 0
    ):
        c.problem((*path, "value"), f"expected a positive number or null, got {number!r}")
        return None
    elif (
        number is not None
        and c.within(float(number), (*path, "value"), ANTHRACYCLINE_FACTOR) is None
    ):
        return None
    table = c.text(entry["table"], (*path, "table"))
    source = _CITED(c, entry["source"], (*path, "source"), got)
    if table is None or source is None or (not_counted and not caveat):
        return None
    own = (
        _OWN_LIMIT.read(c, value["own_limit"], (*path, "own_limit"), got) or {}
        if "own_limit" in value
        else {}
    )
    return AnthracyclineFactor(
        None if number is None else float(number),
        table,
        source,
        caveat,
        own.get("dose"),
        own.get("source"),
    )


def _own_limit(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> float | None:
    """A cumulative limit written in mg/m2 ("900 mg/m2")."""
    written = c.text(value, path)
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*mg/m2\s*", written or "")
    if match is None or float(match.group(1)) <= 0:
        c.problem(path, f"expected a cumulative dose in mg/m2 such as '900 mg/m2', got {value!r}")
        return None
    return float(match.group(1))


#: ``own_limit``: the drug's own cumulative limit, when its label or the
#: literature gives one (epirubicin 900 mg/m2), with its source.
_OWN_LIMIT = Section(
    Field("dose", _own_limit, required=True, default=None),
    Field("source", _CITED, required=True, default=None),
)


#: ``anthracycline_factor``: the caveat is read first, the value, table and
#: source after it (a refused value stops the entry).
_FACTOR = Section(
    Field("caveat", text),
    Field("value", required=True),
    Field("table", required=True),
    Field("source", required=True),
    Field("own_limit"),
)


def _usual(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> UsualDose | None:
    entry = _USUAL.read(c, value, path, got)
    if entry is None:
        return None
    route, refs, dose = entry["route"], entry["sources"], entry["dose"]
    low = high = None
    if dose is not None:
        low, high = dose["min"], dose["max"]
    if dose is not None and low and high:
        written = value["dose"]
        if low[1] != high[1]:
            c.problem(
                (*path, "dose"), f"min and max are in different bases ({low[1]} and {high[1]})"
            )
            low = None
        elif high[0].to(low[0].units).magnitude < low[0].magnitude:
            c.problem(
                (*path, "dose"), f"min ({written['min']}) is more than max ({written['max']})"
            )
            low = None
    frequencies, note = entry["frequencies"], entry["note"]
    if route is None or not low or not high or not refs:
        return None
    return UsualDose(
        route,
        low[1],
        low[0],
        high[0],
        frequencies or (),
        refs,
        note,
        c.line(path),
        entry.get("support"),
    )


def _frequencies(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> tuple[str, ...]:
    frequencies = []
    for i, item in enumerate(c.sequence(value, path)):
        if not isinstance(item, str) or frequency_from_id(item) is None:
            c.problem(
                (*path, i),
                f"{item!r} is not a canonical frequency id (e.g. weekly, every_3_weeks, every_6_hours, twice_daily)",
            )
            continue
        frequencies.append(item)
    return tuple(frequencies)


_SOURCE_REFS = list_of(_CITED)

#: One usual adult schedule (``usual``): route, dose range, sources, frequencies.
_USUAL = Section(
    Field("route", one_of(*ROUTES), required=True, default=None),
    Field("sources", _SOURCE_REFS, required=True, default=None),
    Field(
        "dose",
        section(
            Section(
                Field("min", _dose_quantity, required=True, default=None),
                Field("max", _dose_quantity, required=True, default=None),
            )
        ),
        required=True,
        default=None,
    ),
    Field("frequencies", _frequencies),
    Field("note", text),
    Field("support", one_of(*SUPPORTS)),
)


def _combination(
    c: Checker, value: Any, path: FieldPath, got: dict[str, Any]
) -> Combination | None:
    entry = _COMBINATION.read(c, value, path, got)
    if entry is None:
        return None
    components, ratios, basis = entry["components"], entry["ratios"], entry["dose_basis"]
    named = [x for x in components if x is not None]
    if len(named) < len(components) or len(components) < 2 or not ratios or basis is None:
        return None
    return Combination(tuple(named), tuple(ratios), basis, entry["note"])


def _components(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> list[str | None]:
    """The components as written (None for one that is not text), at least two."""
    components = [c.text(x, (*path, i)) for i, x in enumerate(c.sequence(value, path))]
    if len(components) < 2:
        c.problem(path, "a combination has at least two components")
    return components


def _ratios(
    c: Checker, value: Any, path: FieldPath, got: dict[str, Any]
) -> list[tuple[float, ...]]:
    """Each ratio: one positive number per component."""
    count = len(got["components"])
    ratios = []
    for i, ratio in enumerate(c.sequence(value, path)):
        numbers = ratio if isinstance(ratio, list) else None
        if (
            numbers is None
            or len(numbers) != count
            or any(
                isinstance(n, bool) or not isinstance(n, (int, float)) or n <= 0 for n in numbers
            )
        ):
            c.problem(
                (*path, i),
                f"expected {count} positive numbers, one per component, got {ratio!r}",
            )
            continue
        ratios.append(tuple(float(n) for n in numbers))
    return ratios


_COMBINATION = Section(
    Field("components", _components, required=True, default=None),
    Field("ratios", _ratios, required=True, default=None),
    Field("dose_basis", one_of("total", "first_component"), required=True, default=None),
    Field("note", text),
)

#: One drug of the reference (``drugs`` list), in the order its fields are read.
_DRUG = Section(
    Field("id", _drug_id, required=True, default=None),
    Field("names", _names, required=True, default=None),
    Field("category", one_of(*CATEGORIES), required=True, default=None),
    Field("sources", _SOURCE_REFS, required=True, default=None),
    Field("anthracycline_factor", _factor),
    Field("vials", _strengths("vial"), default=[]),
    Field("tablets", _strengths("tablet"), default=[]),
    Field("usual", list_of(_usual, non_empty=False), default=[]),
    Field("combination", _combination),
    Field("note", text),
    Field("monitoring", list_of(one_of(*MONITORING), non_empty=False), default=[]),
)

#: The drug reference file (docs/drug-reference-format.md).
_REFERENCE = Section(
    Field("schema_version", schema_version(1), required=True, default=None),
    Field("sources", SOURCES, required=True, default=None),
    Field("unlisted_drugs", list_of(text, non_empty=False), default=[]),
    Field("drugs", _drugs, required=True, default=None),
)
