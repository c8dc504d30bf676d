"""Reading a clinical text the way a pharmacist does: treatments, not words.

``read_treatments(text, reference, regimen_names)`` finds every drug name,
regimen acronym, dose, frequency, count, duration and date in the text once,
then builds treatments clause by clause:

* A sentence is cut into clauses where "then", "puis", "followed by", ";" or
  an arrow lead to another drug (not where they lead to a maintenance dose:
  "8 mg/kg loading then 6 mg/kg" is one clause).
* The drugs of a clause are one treatment. A dose belongs to the drug written
  just before it, across intervening words ("l'Herceptin est ensuite
  maintenu, seul, à la dose de 6 mg/kg"), or to the drug after it when it is
  written "75 mg/m2 de docétaxel"; a dose after "then"/"puis" goes to the
  drug whose first dose has the same basis (840 mg then 420 mg for
  pertuzumab, 8 then 6 mg/kg for trastuzumab). A dose marked "loading" /
  "dose de charge" is the loading dose, the other the maintenance dose.
* A frequency, count, duration or date written once for the clause is every
  drug's; a frequency written before another drug of the clause is the
  preceding drug's own.
* A clause without a drug continues the paragraph's last treatment (a
  pronoun or an ellipsis: "il a été poursuivi à 6 mg/kg", "C1 le 15/02/2021",
  "then continued alone at"). A clause naming only drugs already read,
  without a dose, completes them ("Début de l'AC le 21/11/2022") or dates a
  further administration ("poursuite du trastuzumab le 23/08/2021").
* Regimen names and acronyms (drug data: ``drugs/regimen-names.yaml``, and
  the library's aliases and phase ids) stand for their drugs unless the
  drugs are written out in the same sentence.
* Background is not treatment: table rows, and a regimen named only as
  history ("after progression on THP") with nothing of its own.

Every step is a single pass over the items found (no nested quantifier over
text), so reading stays linear in the length of the text.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import TYPE_CHECKING, Protocol, TypeVar

from ..drugs import NameMatch
from ..textfold import NUMBER_PATTERN, fold, number_value
from ..vocabulary import Frequency, find_frequencies, parse_frequency
from .extract import (
    DURATION_UNITS,
    CycleCount,
    DateMention,
    Duration,
    _find_cycles,
    _find_durations,
    _sentences,
    find_dates,
)
from .written import WrittenDose, find_doses

if TYPE_CHECKING:
    from ..drugs import DrugReference

Span = tuple[int, int]

__all__ = ["ReadDrug", "ReadTreatment", "read_treatments"]


@dataclass
class ReadDrug:
    """One drug of a treatment as read: its loading or first dose, its
    maintenance dose, its own frequency and route."""

    name: NameMatch
    span: Span
    written_as: str  # the words written ("AC" for doxorubicin read from AC)
    dose: WrittenDose | None = None
    maintenance: WrittenDose | None = None
    frequency: Frequency | None = None
    route: str | None = None
    loading_marked: bool = False
    cumulative: WrittenDose | None = None  # "dose cumulée de doxorubicine de 400 mg/m2"
    reduction: float | None = None  # "75% of 1250 mg/m2", "reduced by 20%": 0.75, 0.8
    reduced: bool = False  # "first dose reduction 4.4 mg/kg": a reduction level
    unit_assumed: bool = False  # "AC 60/600": mg/m2 read from the regimen name's numbers
    loaded_before: WrittenDose | None = None  # "after an 8 mg/kg loading dose": given earlier

    @property
    def drug_id(self) -> str:
        return self.name.drug_id

    @property
    def written(self) -> str:
        return self.written_as


@dataclass
class ReadTreatment:
    """A treatment built from the text, with where it was read."""

    span: Span
    text: str  # the clause it was read from
    sentence: str
    drugs: list[ReadDrug] = field(default_factory=list)
    frequency: Frequency | None = None
    cycles: CycleCount | None = None
    duration: Duration | None = None
    start: DateMention | None = None
    end: DateMention | None = None
    given: list[DateMention] = field(default_factory=list)  # further dated doses
    continued: bool = False  # the text says it continues a line started earlier
    paragraph: int = 0


# -- words ------------------------------------------------------------------------

_N = NUMBER_PATTERN
# Where a clause ends and the next treatment begins (if a drug follows).
_CLAUSE_BREAK = re.compile(
    r";|-->|→|(?<![a-z])(?:puis|then|followed by|suivie?s? (?:de|du|par)|ensuite|relais par|relaye\w* par|"
    r"switched to|or|ou|"
    r"and (?:then )?(?:started|began|commenced)|et (?:a )?(?:debute|commence)|"
    r"(?:apres|after) (?=\d|six|quatre|trois|huit|four|six|three|eight))(?![a-z])"
)
_LOADING_BEFORE = re.compile(
    r"(?:dose de charge|de charge|d'attaque|loading(?: dose)?|initial dose|dose initiale|first dose|premiere dose)"
    r"(?: de| of| a| at| is| est)?\s*[:(]?\s*$"
)
_LOADING_AFTER = re.compile(
    r"^\s*\(?\s*(?:en\s+)?(?:dose de charge|de charge|d'attaque|loading(?: dose)?)(?![a-z])"
)
_THEN_BEFORE = re.compile(
    r"(?:puis|then|followed by|suivie? de|ensuite|maintenance|entretien|d'entretien|subsequent|"
    r"suivantes|ulterieures|thereafter)\b[^.;]{0,45}$"
)
_DOSE_OF = re.compile(r"^\s*(?:de|d'|du|des|of|de la)\s*$")
_BLANK_OR_COMMA = re.compile(r"[ \t]{1,3}")
# A dose written right after a drug, with nothing but blanks, a colon or a
# bracket between ("pertuzumab 840 mg", "docetaxel: 75 mg/m2").
_TIGHT = re.compile(r"[ \t:(]{0,3}")
_CONTINUED = re.compile(
    r"(?<![a-z])(?:poursuivie?s?|poursuite|a poursuivre|maintenue?s?|continued?|continuing|kept on|entretien|"
    r"maintenance (?:par|with|on)|reprise|toujours en cours|ongoing|still on|thereafter|subsequent|"
    r"following the last|after the last|apres la derniere|doses? suivantes?)(?![a-z])"
)
_START_WORDS = re.compile(
    r"(?<![a-z])(?:c1|cycle 1|j1|d1|debut|debute|started|start|starting|commence|initiated|from|depuis|a partir)(?![a-z])"
)
_HISTORY_BEFORE = re.compile(
    r"(?:after|apres|sous|post|following|progression on|progression sous|on prior|prior(?: to)?|previous(?:ly)?|before|avant)\s+(?:\w+\s+){0,2}$"
)
# "trastuzumab-naive", "trastuzumab-resistant": a description, not a treatment.
_DESCRIBED_AFTER = re.compile(
    r"^[- ](?:naive|naif|resistant|refractory|refractaire|pretreated|based|containing)"
)
_MEETING_BEFORE = re.compile(
    r"(?:rcp|tumou?r board|letter|clinic|consultation|reunion|staff|review|note|query|summary)\s*(?:du|of|on|,)?\s*$"
)
_UNTIL_BETWEEN = re.compile(r"^\s*(?:au|to|-|–|a|à|until|jusqu'au|jusqu'en|through)\s*$")
_ROUTE_WORDS = [
    (
        "SC",
        re.compile(r"(?<![a-z])(?:sc|s\.c\.|s/c|sous[- ]cutanee?|subcutaneous|subcut)(?![a-z])"),
    ),
    ("PO", re.compile(r"(?<![a-z])(?:po|per os|oral|orally|by mouth)(?![a-z])")),
    ("IV", re.compile(r"(?<![a-z])(?:iv|i\.v\.|intraveineuse?|intravenous)(?![a-z])")),
]
# A dose right after a word that looks like a drug name the reference does not
# know ("vinblastine 6 mg/m2", "pembrolizumab 200 mg") is that drug's.
_UNKNOWN_DRUG_BEFORE = re.compile(
    r"(?<![a-z])(?P<word>(?!(?:semaines?|routine|medecine|medicine|poitrine|dose|doses)\b)[a-z][a-z-]{3,}"
    r"(?:mab|nib|lib|cin|ine|ide|platin|taxel|rubicin|abine|ase|tide|parin|mus|trexate|trexed|tecan))"
    r"\s*(?:\(\w+\)\s*)?[:(]?\s*$"
)
_ADJACENT = re.compile(
    r"[\s:(),]*(?:(?:at|a|à|de|of|dose|la|le|en|iv|sc|po|is|est|was|were|given|recue?)\s*){0,4}[\s:(]*"
)
# A cap or a limit written beside a dose is not a dose: "(capped at 2 mg)",
# "do not exceed 3.6 mg/kg", "doses greater than 3.6 mg/kg".
_CAP_BEFORE = re.compile(
    r"(?:max(?:imum)?|capped at|cap|plafonnee? a|sans depasser|greater than|higher than|more than|"
    r"above|exceed\w*|superieure?s? a|plus de)[ .:]{0,3}$"
)
# "ENHERTU in combination with pertuzumab: 5.4 mg/kg", "docétaxel en
# association avec Perjeta et le trastuzumab est de 75 mg/m2": the drugs after
# the phrase accompany the drug named before it.
_COMPANION_BETWEEN = re.compile(
    r"^\s*(?:in combination with|en association avec|en association a|associee? a|combined with|"
    r"(?:given )?with|avec)\s+(?:(?:le|la|les|l'|du|de la|des)\s*)?$"
)
_COMPANION_WORDS = re.compile(
    r"(?<![a-z])(?:in combination with|en association (?:avec|a)|associee? a|combined with)(?![a-z])"
)
# "A/B 1200 mg/600 mg", "A et B 840 mg / 600 mg": one amount for each drug, in order.
_PAIR_BETWEEN = re.compile(r"^\s*(?:/|\+|,|and|et)\s*(?:(?:le|la|l')\s*)?$")
_COMPANION_LIST = re.compile(r"^[\s,/]*(?:(?:or|ou|and|et)\s*)?(?:(?:le|la|les|l'|du|des)\s*)?$")
_PAIR_TO_DOSE = re.compile(r"^[\s:(]*(?:(?:iv|sc|s/c|s\.c\.|po)[\s:]*)?$")
# "reduced dose of 3.0mg administered": a dose written without its drug.
_DOSE_WORD_BEFORE = re.compile(r"(?:dose|posologie)\s+(?:of|de|d')\s*$")
_CUMULATIVE_BEFORE = re.compile(r"(?:cumul\w*|dose totale|total dose|lifetime)(?![a-z])")
# "Interruption du pertuzumab et du trastuzumab du ... au ...": not given then.
_PAUSED_BEFORE = re.compile(
    r"(?:interruption|arret|pause|suspension|held|holding|withheld)\s+(?:(?:du|de la|des|de l'|of|et|and|du|,)\s*|\w+\s+){0,6}$"
)
# "cyclophosphamide unchanged": the earlier dose goes on, not a new one.
_UNCHANGED_AFTER = re.compile(
    r"^\s*(?:unchanged|inchangee?s?|idem|a la meme dose|at the same dose)(?![a-z])"
)
# "(75% of 1250 mg/m2)", "instead of 80 mg/m2": a dose named, not given.
_NOT_GIVEN_BEFORE = re.compile(
    r"(?:%\s*(?:of|de|du)|instead of|au lieu de|reduced from|reduite? de|from)\s*(?:the\s+|la\s+)?$"
)
_END_BEFORE = re.compile(
    r"(?:completed?|complete|termine\w*|acheve\w*|ended|last (?:\w+ )?(?:dose|infusion|injection|administration)|derniere \w+|(?:planned )?end|fin(?: prevue)?(?: en| le)?|until|jusqu'(?:au|en|a)|to|au)\s*(?:on|le|en|in)?\s*\(?\s*$"
)
_COMPLETED = re.compile(r"(?<![a-z])(?:completed|a termine|a acheve|terminee?)(?![a-z])[^;]*$")
# "DOB 14/07/1979", "née le 14/07/1979": a birth date, not the note's.
_BIRTH_BEFORE = re.compile(r"(?:dob|d\.o\.b\.|born|birth|nee? le|naissance|ddn)\W*(?:on|le)?\s*$")
_NUMBERED_ITEM = re.compile(r"\s*\d{1,2}[.)]\s")
_RESTART = re.compile(r"(?<![a-z])(?:reprise|restart\w*|resumed?|reprend\w*)(?![a-z])")
# "En cas d'association avec l'irinotécan, la dose ... est de 800 mg/m2": a
# sentence opened by the condition of a combination; the drug named there
# accompanies the one dosed, it is not given that dose.
_CONDITION_COMPANION = re.compile(
    r"\s*(?:en cas d'association (?:avec|a)|lors d'une association (?:avec|a)|"
    r"(?:when|if) (?:given |used |administered )?(?:in combination with|combined with))"
    r"\s+(?:(?:l'|le|la|les|the)\s*)?"
)
# "prochaine injection le 18/10/2024", "next infusion on 18/10/2024".
_NEXT_DOSE = re.compile(
    r"(?<![a-z])(?:prochaine?s? (?:injection|perfusion|cure|dose|administration|seance)|"
    r"next (?:dose|infusion|injection|cycle|administration))(?![a-z])"
)
_TODAY = re.compile(r"(?<![a-z])(?:today|aujourd'hui|ce jour)(?![a-z])")
# "après la dernière dose de 240 mg", "after the last dose of 240 mg": the
# dose already given, named to date the next one.
_PAST = r"(?<![a-z])(?:derniere|last|previous|precedente?|final)\s+"
_GIVEN = r"(?:dose|injection|perfusion|infusion|administration)"
_LAST_DOSE_OF = re.compile(rf"{_PAST}{_GIVEN}\s+(?:de|of|a|at)\s*$")
# "last weekly dose", "la dernière dose hebdomadaire": the schedule of doses
# already given, not of the statement's.
_PAST_DOSE_BEFORE = re.compile(rf"{_PAST}(?:{_GIVEN}\s+)?$")
# "(paclitaxel or docetaxel)": alternatives named without a dose, not given together.
_OR_BETWEEN = re.compile(r"^[\s,]*(?:or|ou)\s*(?:(?:le|la|l'|du|de la)\s*)?$")
_LIST_BETWEEN = re.compile(
    r"^[\s,/]*(?:(?:or|ou|and|et)\s*)?(?:(?:le|la|les|l'|du|de la|des|au|aux)\s*)?$"
)
# "avec le paclitaxel, le docétaxel ou un inhibiteur de l'aromatase": the
# list ends on "or" and something else, so its drugs are options.
_OR_AFTER = re.compile(r"[\s,]*(?:or|ou)\s++(?:an?|une?|another|un autre|une autre)(?![a-z])")
_LIST_ITEM = re.compile(r"\s*(?:(?:day|jour|j|d)\s?\d{1,2}\s?:|[-•*]\s)")
# "AC 60/600": numbers without a unit right after a regimen name.
_UNITLESS_DOSES = re.compile(
    r"[ \t]*+(?P<values>\d{1,4}(?:[ \t]*+/[ \t]*+\d{1,4})++)(?![\d.,/])(?![ \t]*+(?:%|(?:mg|g|mcg|ug|ml|l|units?|ui|iu|mmol|kg|m2)(?![a-z])))"
)
_BULLET = re.compile(r"[ \t]*+[-•*][ \t]*+")
_BULLET_AT = re.compile(r"[ \t]*+[-•*][ \t]++")
# "soit une dose quotidienne totale de", "i.e. a total daily dose of": the
# dose that follows restates the one before.
_RESTATED_BEFORE = re.compile(
    r"(?<![a-z])(?:soit|i\.e\.|ie|that is|c'est-a-dire|equivalent to|equivalant a)(?![a-z])[^;]{0,40}$"
)
_REST_AFTER = re.compile(
    r"[^.;]{0,25}?(?<![a-z])(?:followed by|suivie?s? d[e']|then)\s*+(?:a|an|une?)?\s*+"
    r"(?:\d{1,2}[- ]day\s++)?(?:rest|periode sans traitement|pause|fenetre|arret)"
)
# "La dose de charge initiale recommandée de Herceptin est de 8 mg/kg", "The
# initial loading dose of Herceptin is 4 mg/kg": a sentence whose subject is
# the loading dose (not "after the loading dose").
_LOADING_SUBJECT = re.compile(
    r"[^.;]{0,160}?(?<![a-z])(?<!after )(?<!after the )(?<!apres )(?<!apres la )"
    r"(?<!following )(?<!following the )"
    r"(?:dose de charge|loading dose|dose initiale|initial (?:loading )?dose)(?![a-z])[^.;\d]{0,60}$"
)
# "La dose d'entretien recommandée de Herceptin est de 6 mg/kg": a sentence
# whose subject is the maintenance (subsequent) dose.
_MAINTENANCE_SUBJECT = re.compile(
    r"[^.;]{0,40}?(?<![a-z])(?:la |the )?(?:dose d['’]entretien|doses? suivantes?|doses? ulterieures?|"
    r"maintenance dose|subsequent doses?)(?![a-z])"
)
# "... et débute une semaine après l'administration de la dose de charge":
# the dose of this sentence follows the loading dose.
_AFTER_LOADING = re.compile(
    r"(?<![a-z])(?:apres|after|following)\s++(?:l['’]administration de\s++|the administration of\s++)?"
    r"(?:la|the)\s++(?:dose de charge|loading dose|dose initiale|initial dose)(?![a-z])"
)
# ", avec trastuzumab", "with concurrent", "in combination with the": the
# drugs after it go with the ones before.
_WITH_COMPANION = re.compile(
    r"^[\s,;]*(?:avec|with|plus|\+|en association (?:avec|a)|associee?s? (?:a|au|aux)|"
    r"in combination with|combined with|in conjunction with)"
    r"(?:\s++(?:concurrent|concomitant|le|la|les|l'|du|des|the))*+\s*+$"
)
# "J1 et J15", "days 1 and 15", "D1, D8": days of a cycle right after a dose.
_CYCLE_DAYS = re.compile(
    r"[\s,]*+(?:(?:iv|sc|po)\s++)?(?:j|d|days?|jours?)\s?\d{1,2}"
    r"(?:\s*+(?:,|et|and|&|-|a|to)?\s*+(?:j|d)?\s?\d{1,2})*+(?![\d/])"
)
# "after an 8 mg/kg loading dose", "après une dose de charge de 8 mg/kg".
_GIVEN_BEFORE = re.compile(
    r"(?<![a-z])(?:after|apres|following)\s++(?:an?|the|une|la|sa)?\s*+"
    r"(?:(?:dose de charge|loading dose|initial dose|dose initiale)\s++(?:de|d'|of)\s*+)?$"
)
# "over 2 days", "sur 46 heures": an infusion that runs for a set time.
_INFUSED_OVER = re.compile(
    rf"[^.;]{{0,60}}?(?<![a-z])(?:over|sur|en)\s++(?:{_N})(?:\s*+-\s*+\d+)?\s*+(?:days?|jours?|h|hours?|heures?)(?![a-z])"
)
_REDUCTION = re.compile(
    r"(?<![\d.,])(?:(?P<pct>\d{2})\s?%\s*(?:of|de|du|of the|de la|of full)(?![a-z])"
    r"|(?:reduced|reduite?s?|reduction|diminuee?s?|decreased)\s*(?:by|de|of)\s*(?P<by>\d{1,2})\s?%)"
)
_POPULATION = re.compile(
    r"(?<![a-z])(?:patients|trial|essai|etude|study|randomi[sz]ed|randomises?|arm|bras)(?![a-z])"
)
# A text that reports a trial ("60 patients were enrolled", "dose-escalation",
# "recommended phase 2 dose"): every regimen in it is a trial arm, not a
# patient's course whose line start could be judged.
_TRIAL_REPORT = re.compile(
    r"(?<![a-z])(?:patients? (?:were|was) (?:enrolled|randomi[sz]ed|included|assigned|treated)|"
    r"dose[- ]escalation|phase (?:1b?|2|3|i|ib|ii|iii) (?:dose|trial|study)|randomly assigned|"
    r"patients? (?:ont ete|a ete) (?:inclus|randomise)e?s?)(?![a-z])"
)
_ONE_PATIENT = re.compile(
    r"(?<![a-z])(?:mme|mr|mrs|ms|madame|monsieur|la patiente|le patient|the patient|she|her|he|his|"
    r"elle|il a|ans|years? old|year-old)(?![a-z])"
)
_NEGATION = re.compile(r"\s*(?:ne pas|n'|do not|don't|never|jamais|not to)(?![a-z])")
# "first dose reduction 4.4 mg/kg", "réduction à 60 mg/m2": a reduction level.
_REDUCTION_LEVEL_BEFORE = re.compile(
    r"(?:reduction|reduced to|reduit\w* a|diminu\w* a|niveau|level\s*-?\d)\s*(?:de dose|dose)?\s*[:,]?\s*$"
)
_AFTER_COUNT = re.compile(rf"\s*(?:apres|after)\s+{_N}\s")
_YEAR_MONTH = re.compile(r"(?<![\d/.-])((?:19|20)\d{2})-(0[1-9]|1[0-2])(?![\d-])")
_NAME_CYCLE = re.compile(r"-(14|21|28)(?![\d])")
_STOPPED_AFTER = re.compile(
    r"^\s*(?:(?:was|has been|had been|a ete|est|etait)\s+)?(?:stopped|arretee?s?|discontinued|interrompue?s?|held|suspendue?s?|withdrawn)(?![a-z])"
)
_ONWARDS = re.compile(r"(?:onwards|and after|suivants?|ulterieurs?)")
_CYCLE_NUMBER = re.compile(
    r"(?<![a-z0-9])(?:c|cycle|cure|course)\s?(?P<n>\d{1,2})(?:d\d{1,2})?(?![a-z0-9])"
)
_COUNT_BEFORE_NAME = re.compile(
    rf"(?<![\w.,/])(?P<n>{_N})\s+(?:(?:cycles?|cures?|courses?)\s+(?:de|d'|of)\s*)?$"
)
_MORE_COUNTS = re.compile(
    rf"(?<![\w.,])(?P<n>{_N})\s+(?P<what>administrations?|semaines|weeks)(?![\w])"
)
_COMPLETE = re.compile(
    rf"(?:(?<![a-z])(?:to complete|pour completer|jusqu'a completer|planned for|pour un total de|for a total of|for|pendant|until|x)\s+"
    rf"|(?<![a-z])(?:pour une duree (?:totale )?d'|pour une duree (?:totale )?de\s|for a total duration of\s)\s*|\(\s*)"
    rf"(?:un total de\s+|a total of\s+)?(?P<n>{_N}|one|un|une|a)\s+(?P<unit>ans?|annees?|years?|mois|months?|semaines?|weeks?)(?![a-z])"
)


@dataclass
class _Items:
    """Everything found in the text, by kind, each with its span."""

    names: list[tuple[NameMatch, Span, str]]
    doses: list[tuple[WrittenDose, Span]]
    frequencies: list[tuple[Frequency, Span]]
    dates: list[DateMention]
    cycles: list[CycleCount]
    durations: list[Duration]
    bases: dict[str, set[str]] = field(default_factory=dict)  # drug -> bases the reference uses
    category: dict[str, str] = field(default_factory=dict)
    name_routes: dict[str, str] = field(default_factory=dict)
    all_dates: list[DateMention] = field(default_factory=list)  # the whole text's
    starts: dict[str, list[int]] = field(default_factory=dict)  # sorted starts, per kind
    sole: bool = False  # the whole text names one drug only
    trial: bool = False  # the text reports a trial (arms, not one patient's course)
    note_date: DateMention | None = (
        None  # the date a note is headed with ("Switch note, 05/03/2025")
    )
    # The drug's usual doses: does this dose fall near them (None: no range)?
    near_usual: Callable[[str, WrittenDose], bool | None] = lambda _drug, _dose: None

    def within(self, region: Span) -> _Items:
        """The items inside ``region`` (each list is sorted by start: a
        binary search, so reading stays linear in the number of sentences)."""

        def part(name: str, items: list[_Item]) -> list[_Item]:
            starts = self.starts.get(name)
            if starts is None:
                starts = self.starts[name] = [_span_of(item)[0] for item in items]
            low, high = bisect_left(starts, region[0]), bisect_right(starts, region[1])
            return [item for item in items[low:high] if _within(_span_of(item), region)]

        return _Items(
            part("names", self.names),
            part("doses", self.doses),
            part("frequencies", self.frequencies),
            part("dates", self.dates),
            part("cycles", self.cycles),
            part("durations", self.durations),
            self.bases,
            self.category,
            self.name_routes,
            self.all_dates,
            sole=self.sole,
            trial=self.trial,
            note_date=self.note_date,
            near_usual=self.near_usual,
        )


def _covered(spans: list[Span], position: int) -> bool:
    """Whether ``position`` falls inside one of ``spans`` (sorted, not
    overlapping): a binary search."""
    index = bisect_right(spans, (position, float("inf"))) - 1
    return index >= 0 and spans[index][0] <= position < spans[index][1]


class _HasSpan(Protocol):
    @property
    def span(self) -> Span: ...


# An item found in the text: a (thing, span) pair, a (name, span, as written)
# triple, or a mention that carries its own span.
_Item = TypeVar("_Item", bound=_HasSpan | tuple[object, Span] | tuple[object, Span, str])


def _span_of(item: _HasSpan | tuple[object, Span] | tuple[object, Span, str]) -> Span:
    return item[1] if isinstance(item, tuple) else item.span


def read_treatments(
    text: str,
    reference: DrugReference,
    regimen_names: dict[str, tuple[str, ...]],
    name_routes: dict[str, str] | None = None,
) -> list[ReadTreatment]:
    """The treatments a text states, in the order written. ``name_routes``
    gives the route a regimen name means ("Phesgo": SC)."""
    folded = fold(text)
    items = _find_items(text, folded, reference, regimen_names)
    items.name_routes = name_routes or {}
    items.sole = len({m.drug_id for m, _, _ in items.names}) == 1
    # A letter about one patient who is in a trial still describes her course.
    items.trial = bool(_TRIAL_REPORT.search(folded)) and not _ONE_PATIENT.search(folded)
    items.note_date = _note_date(text, items.all_dates)
    treatments: list[ReadTreatment] = []
    paragraph = 0
    last_break = 0
    heading: tuple[int, DateMention] | None = None  # "Reprise ce jour :" and its paragraph
    for start, end in _sentences(text):
        if (
            "\n\n" in text[last_break:start] or re.search(r"\n\s*\n", text[last_break:start])
        ) and not _items_of_heading(text, start, treatments, paragraph):
            paragraph += 1
        last_break = end
        line = text[start:end]
        if line.count("|") >= 2:
            continue  # a table row or header: background, not a statement
        before = len(treatments)
        here = items.within((start, end))
        for c_start, c_end in _clauses(folded, start, end, here):
            _read_clause(text, folded, (c_start, c_end), (start, end), here, treatments, paragraph)
        _range_for_sequence(treatments[before:])
        heading = _started_today(
            folded, (start, end), here, paragraph, heading, treatments[before:]
        )
    return _merge_list_items(
        _without_bare_repeats(_without_titles([t for t in treatments if t.drugs]))
    )


# -- finding the items --------------------------------------------------------------


def _find_items(
    text: str, folded: str, reference: DrugReference, regimen_names: dict[str, tuple[str, ...]]
) -> _Items:
    names = [(m, span, m.written) for m, span in reference.find_names(text)]
    taken = [span for _, span, _ in names]
    if regimen_names:
        # Acronyms ("AC", "EC") as written, in capitals; brand-like names
        # ("Phesgo", "PHESGO") in any case.
        by_key = {n if n.upper() == n else n.lower(): n for n in regimen_names}
        pattern = re.compile(
            r"(?<![A-Za-z0-9])("
            + "|".join(
                re.escape(n) if n.upper() == n else "(?i:" + re.escape(n) + ")"
                for n in sorted(regimen_names, key=len, reverse=True)
            )
            + r")(?![A-Za-z])"
        )
        for match in pattern.finditer(text):
            span = match.span()
            if any(a < span[1] and span[0] < b for a, b in taken):
                continue
            written = match.group(1)
            key = by_key.get(written) or by_key.get(written.lower(), written)
            for drug in regimen_names[key]:
                name = reference.match(drug)
                if name is not None:
                    names.append((name, span, key))
    doses = _without_restatements(folded, find_doses(text))
    # A drug-like word the reference does not know, written right before a
    # dose ("vinblastine 6 mg/m2"): read as a drug, so its dose and schedule
    # are its own (the check says it is not in the reference).
    known_spans = sorted(span for _, span, _ in names)
    for _, (start, _) in doses:
        before = folded[max(0, start - 40) : start]
        unknown = _UNKNOWN_DRUG_BEFORE.search(before)
        if unknown is None:
            continue
        span = (
            start - len(before) + unknown.start("word"),
            start - len(before) + unknown.end("word"),
        )
        if _covered(known_spans, span[0]) or _covered(known_spans, span[1] - 1):
            continue
        word = text[span[0] : span[1]]
        names.append((NameMatch(fold(word), word, word, (), False, 0.0, ()), span, word))
    names.sort(key=lambda item: item[1][0])
    inside = sorted(span for _, span in doses)
    frequencies = [(f, span) for f, span in find_frequencies(text) if not _covered(inside, span[0])]
    dates = find_dates(text)
    date_spans = sorted(d.span for d in dates)
    for match in _YEAR_MONTH.finditer(folded):
        if not _covered(date_spans, match.start()):
            dates.append(
                DateMention(
                    match.group(0), match.span(), int(match.group(1)), int(match.group(2)), None
                )
            )
    dates.sort(key=lambda d: d.span[0])
    # "R-CHOP-21": a regimen name with its cycle length.
    written_at = {span: m.written for m, span, _ in names}
    for _, span, written in names:
        if written != written_at.get(span, ""):
            tail = _NAME_CYCLE.match(folded, span[1])
            if tail and (every := parse_frequency(f"every {tail.group(1)} days")) is not None:
                frequencies.append((every, tail.span()))
    frequencies.sort(key=lambda item: item[1][0])
    cycles = _find_cycles(text, folded)
    cycle_spans = sorted(c.span for c in cycles)
    for match in _MORE_COUNTS.finditer(folded):
        count = number_value(match.group("n"))
        if count and not _covered(cycle_spans, match.start()):
            unit = "doses" if match.group("what").startswith("admin") else "weeks"
            cycles.append(CycleCount(count, unit, text[match.start() : match.end()], match.span()))
    durations = _find_durations(text, folded, dates)
    duration_spans = sorted(d.span for d in durations)
    for match in _COMPLETE.finditer(folded):
        word = match.group("n")
        amount = 1 if word in ("one", "un", "une", "a") else number_value(word)
        if amount and not _covered(duration_spans, match.start()):
            durations.append(
                Duration(
                    text[match.start() : match.end()].lstrip("( "),
                    match.span(),
                    float(amount),
                    DURATION_UNITS[match.group("unit")],
                )
            )
    known = [m for m, _, _ in names if m.drug_id in reference]
    bases = {m.drug_id: {u.basis for u in reference.get(m.drug_id).usual} for m in known}
    category = {m.drug_id: reference.get(m.drug_id).category for m in known}
    cycles.sort(key=lambda c: c.span[0])
    # "for 14 days, followed by a 7-day rest period": days of each cycle, not
    # how long the course lasts.
    durations = [d for d in durations if not _REST_AFTER.match(folded, d.span[1])]
    durations.sort(key=lambda d: d.span[0])
    items = _Items(names, doses, frequencies, dates, cycles, durations, bases, category, {}, dates)
    items.near_usual = lambda drug, dose: _near_usual(reference, drug, dose)
    return items


def _near_usual(reference: DrugReference, drug: str, dose: WrittenDose) -> bool | None:
    """Whether ``dose`` is within twice or half the reference's usual range
    for ``drug`` (None when the reference has no range on its basis)."""
    reading = dose.reading
    if reading is None or drug not in reference:
        return None
    factors = [
        factor
        for usual in reference.get(drug).usual
        if (factor := usual.range_factor(reading.amounts[0], reading.basis)) is not None
    ]
    return any(0.5 <= factor <= 2 for factor in factors) if factors else None


def _without_restatements(
    folded: str, doses: list[tuple[WrittenDose, Span]]
) -> list[tuple[WrittenDose, Span]]:
    """ "1250 mg/m² deux fois par jour (soit une dose quotidienne totale de
    2500 mg/m²)": a dose restated another way right after a dose ("soit",
    "i.e.", "that is") is the same dose, not a second one. A cumulative
    dose stated so ("soit une dose cumulée de 400 mg/m2") is kept: it is a
    total, which the checker reads as one."""
    kept: list[tuple[WrittenDose, Span]] = []
    for dose, span in doses:
        previous = kept[-1][1] if kept else None
        if (
            previous is not None
            and span[0] - previous[1] <= 80
            and "." not in folded[previous[1] : span[0]].replace("i.e.", "")
            and _RESTATED_BEFORE.search(folded, max(previous[1], span[0] - 50), span[0])
            # "soit une dose cumulée de 400 mg/m2" is a total: read as such.
            and not _CUMULATIVE_BEFORE.search(folded, max(previous[1], span[0] - 50), span[0])
        ):
            continue
        kept.append((dose, span))
    return kept


def _written_name(names: list[tuple[NameMatch, Span, str]], span: Span) -> str:
    """The drug name written at ``span`` (a regimen name stands for several)."""
    return next((m.written for m, s, _ in names if s == span), "")


def _within(span: Span, region: Span) -> bool:
    return region[0] <= span[0] and span[1] <= region[1]


def _clauses(folded: str, start: int, end: int, items: _Items) -> list[Span]:
    """Cut a sentence where a break word leads to another drug."""
    anchors = sorted(
        [(s[0], "name") for _, s, _ in items.names if _within(s, (start, end))]
        + [(s[0], "dose") for _, s in items.doses if _within(s, (start, end))]
    )
    cuts = [start]
    for match in _CLAUSE_BREAK.finditer(folded, start, end):
        following = next((kind for pos, kind in anchors if pos >= match.end()), None)
        if following == "name":
            cuts.append(match.start())
    # "Après 4 AC, paclitaxel ...": the history ends at its comma.
    for cut in list(cuts):
        if _AFTER_COUNT.match(folded, cut):
            comma = folded.find(",", cut, end)
            if comma != -1 and any(kind == "name" for pos, kind in anchors if pos > comma):
                cuts.append(comma)
    cuts = sorted(set(cuts))
    cuts.append(end)
    return [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if folded[a:b].strip()]


# -- building treatments -------------------------------------------------------------


def _read_clause(
    text: str,
    folded: str,
    clause: Span,
    sentence: Span,
    items: _Items,
    treatments: list[ReadTreatment],
    paragraph: int,
) -> None:
    names = [(m, s, w) for m, s, w in items.names if _within(s, clause)]
    doses = [(d, s) for d, s in items.doses if _within(s, clause)]
    frequencies = [(f, s) for f, s in items.frequencies if _within(s, clause)]
    dates = [d for d in items.dates if _within(d.span, clause) and not _meeting_date(folded, d)]
    cycles = [c for c in items.cycles if _within(c.span, clause)]
    durations = [d for d in items.durations if _within(d.span, clause)]

    def reference_bases(drug: str, span: Span) -> bool | None:
        """Whether the reference doses ``drug`` on the basis of the dose at ``span``."""
        dose = next((d for d, s in doses if s == span), None)
        basis = _basis(dose) if dose else None
        known = items.bases.get(drug)
        if basis is None or not known:
            return None
        return basis in known

    words = folded[clause[0] : clause[1]]
    # A trial or a population described ("patients received ..."), not one
    # patient's course: no line start can be judged on it.
    population = items.trial or bool(_POPULATION.search(folded[sentence[0] : sentence[1]]))
    continued = (
        population
        or bool(_CONTINUED.search(words))
        or any(
            int(m.group("n")) > 1 or _ONWARDS.match(words, m.end() + 1)
            for m in _CYCLE_NUMBER.finditer(words)
        )
    )

    all_names = list(names)
    # A regimen name that means a route (Phesgo) gives it to its drugs here.
    named_routes = {m.drug_id: items.name_routes[w] for m, s, w in names if w in items.name_routes}
    # Acronyms whose drugs are written out in the same sentence stand for nothing more.
    spelled = {m.drug_id for m, s, w in items.names if _within(s, sentence) and w == m.written}
    names = [(m, s, w) for m, s, w in names if w == m.written or m.drug_id not in spelled]
    # A regimen named only as history ("after progression on THP") is context.
    names = [
        (m, s, w)
        for m, s, w in names
        if not (
            _HISTORY_BEFORE.search(folded[max(clause[0], s[0] - 40) : s[0]])
            and not _COUNT_BEFORE_NAME.search(folded[max(clause[0], s[0] - 24) : s[0]])
            and (w != m.written or (not doses and not cycles and not frequencies))
        )
        and not _PAUSED_BEFORE.search(folded[max(clause[0], s[0] - 30) : s[0]])
        and not _CONDITION_COMPANION.fullmatch(folded, sentence[0], s[0])
    ]

    # "After docetaxel was stopped": a drug written as stopped is not given.
    names = [
        (m, s, w)
        for m, s, w in names
        if not _STOPPED_AFTER.match(folded[s[1] : min(clause[1], s[1] + 40)])
        and not _DESCRIBED_AFTER.match(folded[s[1] : min(clause[1], s[1] + 16)])
    ]

    if _NEGATION.match(words) and not doses:
        return  # "Ne pas substituer Kadcyla par le trastuzumab": nothing is given
    if not names:
        _continue_last(
            text,
            folded,
            clause,
            items.all_dates,
            items.bases,
            doses,
            frequencies,
            dates,
            cycles,
            durations,
            treatments,
            paragraph,
            continued,
            sole=items.sole,
        )
        return

    drugs: dict[str, ReadDrug] = {}
    for match, span, written in names:
        if match.drug_id not in drugs:
            drugs[match.drug_id] = ReadDrug(match, span, written)
    order = list(drugs.values())

    # Doses to drugs.
    drugs_of: dict[Span, ReadDrug] = {}
    skipped: list[Span] = []
    for dose, span in doses:
        if _UNKNOWN_DRUG_BEFORE.search(
            folded[max(clause[0], span[0] - 40) : span[0]]
        ) and not _known_just_before(names, span, folded):
            skipped.append(span)
            continue  # "vinblastine 6 mg/m2": a drug the reference does not know
        if _CAP_BEFORE.search(folded[max(clause[0], span[0] - 16) : span[0]]):
            continue  # "(capped at 2 mg)": a cap, not a dose
        if _NOT_GIVEN_BEFORE.search(folded[max(clause[0], span[0] - 20) : span[0]]):
            continue
        paired = _paired_doses(folded, dose, span, names)
        if paired is not None:
            pair_run = [n for n in names if n[1][1] <= span[0]][-len(paired) :]
            between = folded[pair_run[-1][1][1] : span[0]]
            route = next((r for r, pattern in _ROUTE_WORDS if pattern.search(between)), None)
            for (match, _, _), part in zip(pair_run, paired, strict=True):
                drugs[match.drug_id].route = drugs[match.drug_id].route or route
                _give_dose(drugs[match.drug_id], part, span, folded, clause, order)
                drugs_of[span] = drugs[match.drug_id]
            continue
        dose = _daily_rate_of_an_infusion(folded, dose, span, clause)
        if (total_of := _cumulative_owner(folded, span, names, drugs, doses, clause)) is not None:
            total_of.cumulative = dose  # "cumulative doxorubicin dose ... 240 mg/m2"
            continue
        owner = _dose_owner(folded, span, names, drugs, clause, reference_bases)
        if owner is None:
            continue
        if _CUMULATIVE_BEFORE.search(folded[max(clause[0], span[0] - 50) : span[0]]):
            owner.cumulative = dose  # a total already given, not a dose
            continue
        if _REDUCTION_LEVEL_BEFORE.search(folded[max(clause[0], span[0] - 40) : span[0]]):
            owner.reduced = True
        _give_dose(owner, dose, span, folded, clause, order)
        drugs_of[span] = owner

    # Frequencies: written before another drug, the preceding drug's own;
    # after the last drug, the clause's.
    shared: Frequency | None = None
    first_name = names[0][1][0]
    # "vinorelbine 25 mg/m2 J1 J8 tous les 21 jours et trastuzumab ...": the
    # schedule of a drug the reference does not know.
    frequencies = [
        (f, s)
        for f, s in frequencies
        if not (s[0] < first_name and any(k[1] <= s[0] for k in skipped))
    ]
    frequencies = [
        (f, s)
        for f, s in frequencies
        if not _PAST_DOSE_BEFORE.search(folded[max(clause[0], s[0] - 30) : s[0]])
    ]
    for freq, span in frequencies:
        earlier = [n for n in names if n[1][1] <= span[0]]
        seen = {n[0].drug_id for n in earlier}
        # Later mentions of drugs already named ("trastuzumab every 3 weeks
        # ..., trastuzumab at 8 mg/kg") do not make it the last drug's own.
        later = [
            n
            for n in names
            if n[1][0] > span[1]
            and n[0].drug_id not in seen
            and items.category.get(n[0].drug_id) != "supportive"
        ]
        if later and earlier and not _for_the_list(folded, span, later, drugs):
            own = drugs[earlier[-1][0].drug_id]
            if own.frequency is None:
                own.frequency = freq
        elif shared is None:
            shared = freq

    for match, span, _ in names:
        d = drugs.get(match.drug_id)
        if (
            d is not None
            and d.dose is None
            and any(other.dose for other in order)
            and _UNCHANGED_AFTER.match(folded[span[1] : span[1] + 24])
        ):
            del drugs[match.drug_id]  # "cyclophosphamide unchanged" beside a changed dose
    for match, span, _ in names:
        # "prior to docetaxel administration", beside the doses of another drug.
        d = drugs.get(match.drug_id)
        if (
            d is not None
            and d.dose is None
            and any(other.dose for other in drugs.values())
            and _HISTORY_BEFORE.search(folded[max(clause[0], span[0] - 40) : span[0]])
        ):
            del drugs[match.drug_id]
    _without_alternatives(folded, names, drugs)
    order = [d for d in order if d.drug_id in drugs]
    if not order:
        return
    _doses_after_regimen_name(folded, names, drugs, items)

    _mark_reductions(folded, clause, drugs_of, drugs)

    # "A, B and C 840 mg every 3 weeks": a frequency written only with the
    # last drug's dose is the group's, as a reader takes it.
    if shared is None:
        shared = _course_frequency(order, items, _bracketed_owners(folded, drugs_of, clause))
    if shared is None:
        _cycle_for_cycle_days(folded, order, drugs_of, clause)

    # Routes: a route word right after a drug's name or dose is that drug's
    # ("Herceptin SC 600 mg", "75 mg/m2 IV"); "SC 1,68 m2" is a body surface.
    ends = [(drugs[m.drug_id], s[1]) for m, s, _ in names if m.drug_id in drugs] + [
        (drugs_of[s], s[1]) for s in drugs_of if drugs_of[s].drug_id in drugs
    ]
    for route, pattern in _ROUTE_WORDS:
        for route_word in pattern.finditer(folded, clause[0], clause[1]):
            close = [d for d, end in ends if 0 <= route_word.start() - end <= 3]
            if close and close[0].route is None:
                close[0].route = route
    for d in order:
        if d.dose is not None and d.dose.route:
            d.route = d.dose.route
        d.route = d.route or named_routes.get(d.drug_id)

    start, end, given = _dates(folded, dates, clause[0])
    start = start or _given_today(folded, clause, items.note_date)
    count = _count_for(folded, clause, cycles, all_names)
    duration = next((d for d in durations if d.amount is not None), None)
    until = next((d.until for d in durations if d.until is not None), None)
    end = end or until

    # A clause that writes a loading dose, or loading then maintenance, starts
    # its line ("initial dose of 4 mg/kg followed by subsequent doses of 2 mg/kg").
    if not population and any(d.loading_marked or d.maintenance is not None for d in order):
        continued = any(int(m.group("n")) > 1 for m in _CYCLE_NUMBER.finditer(words)) and not any(
            d.loading_marked for d in order
        )
    # Doses for drugs read earlier without one ("Le trastuzumab a été
    # administré à la dose de 4 mg/kg"; a list under its regimen's name); not
    # a later phase of the line ("one week following the last weekly dose").
    if not continued and _fill_earlier(
        order, treatments, paragraph, shared, count, duration, start, end
    ):
        return
    # Drugs already read, no dose written: this completes or dates them.
    if not any(d.dose for d in order) and _complete_earlier(
        order, treatments, shared, count, duration, start, end, given, paragraph
    ):
        return

    if _maintenance_of_earlier_loading(folded, clause, order, treatments, paragraph, shared):
        return
    loads = _loading_given_before(order, text, clause, sentence, paragraph)
    treatments += loads
    treatments.append(
        ReadTreatment(
            span=clause,
            text=text[clause[0] : clause[1]].strip(),
            sentence=text[sentence[0] : sentence[1]].strip(),
            drugs=order,
            frequency=shared,
            cycles=count,
            duration=duration,
            start=start,
            end=end,
            given=given,
            continued=continued or bool(loads),
            paragraph=paragraph,
        )
    )


def _mark_reductions(
    folded: str, clause: Span, drugs_of: dict[Span, ReadDrug], drugs: dict[str, ReadDrug]
) -> None:
    """ "950 mg/m2 (75% of 1250 mg/m2)", "réduit de 20 %": a reduction written
    as such, given to the drug whose dose is nearest."""
    for reduction in _REDUCTION.finditer(folded, clause[0], clause[1]):
        with_dose = [
            (abs(s[0] - reduction.start()), d) for s, d in drugs_of.items() if d.drug_id in drugs
        ]
        if with_dose:
            share = (
                (100 - float(reduction.group("by"))) / 100
                if reduction.group("by")
                else float(reduction.group("pct")) / 100
            )
            if 0 < share < 1:
                min(with_dose, key=lambda item: item[0])[1].reduction = share


def _cumulative_owner(
    folded: str,
    span: Span,
    names: list[tuple[NameMatch, Span, str]],
    drugs: dict[str, ReadDrug],
    doses: list[tuple[WrittenDose, Span]],
    clause: Span,
) -> ReadDrug | None:
    """ "Her cumulative doxorubicin dose at the end of AC will be 240 mg/m2",
    "doxorubicine, dose cumulée 300 mg/m2": a stated total is the drug's named
    with the word "cumulative" (right after it, else right before it), not
    the nearest drug's. None when no drug is named so."""
    said = next(
        reversed(list(_CUMULATIVE_BEFORE.finditer(folded, max(clause[0], span[0] - 90), span[0]))),
        None,
    )
    if said is None or any(said.end() <= s[0] < span[0] for _, s in doses):
        return None
    after = [
        m
        for m, s, w in names
        if said.end() <= s[0] <= said.end() + 30 and s[1] <= span[0] and w == m.written
    ]
    before = [m for m, s, w in names if said.start() - 40 <= s[1] <= said.start()]
    named = after[0] if after else (before[-1] if before else None)
    return drugs.get(named.drug_id) if named is not None else None


def _without_alternatives(
    folded: str, names: list[tuple[NameMatch, Span, str]], drugs: dict[str, ReadDrug]
) -> None:
    """ "paclitaxel, docetaxel, or docetaxel/carboplatin": a list joined by "or"
    names alternatives; without a dose they are not given together."""
    run: list[NameMatch] = []
    alternatives = False
    for index, (match, span, _) in enumerate(names):
        run.append(match)
        following = names[index + 1] if index + 1 < len(names) else None
        gap = _gap(folded, span[1], following[1][0]) if following else "\x00"
        alternatives = alternatives or bool(_OR_BETWEEN.match(gap))
        if following is None or not _LIST_BETWEEN.match(gap):
            alternatives = alternatives or bool(_OR_AFTER.match(folded, span[1]))
            if alternatives:
                for name in run:
                    if name.drug_id in drugs and drugs[name.drug_id].dose is None:
                        del drugs[name.drug_id]
            run, alternatives = [], False


def _maintenance_of_earlier_loading(
    folded: str,
    clause: Span,
    order: list[ReadDrug],
    treatments: list[ReadTreatment],
    paragraph: int,
    frequency: Frequency | None,
) -> bool:
    """ "La dose de charge initiale de Herceptin est de 8 mg/kg. La dose
    d'entretien de Herceptin est de 6 mg/kg toutes les trois semaines": the
    maintenance dose, in its own sentence, follows the loading dose of the
    same drug read just before (same basis, no maintenance yet)."""
    subject = _MAINTENANCE_SUBJECT.match(folded, clause[0], clause[1])
    if len(order) != 1 or not (subject or _AFTER_LOADING.search(folded, clause[0], clause[1])):
        return False
    (d,) = order
    if d.dose is None or d.maintenance is not None or d.loading_marked:
        return False
    for t in _same_paragraph(treatments, paragraph):
        earlier = next((e for e in t.drugs if e.drug_id == d.drug_id), None)
        if earlier is None:
            continue
        if (
            not earlier.loading_marked
            or earlier.dose is None
            or earlier.maintenance is not None
            or _basis(earlier.dose) != _basis(d.dose)
        ):
            return False
        earlier.maintenance = d.dose
        # The course's schedule, when the loading sentence gave none.
        t.frequency = t.frequency or frequency
        return True
    return False


def _loading_given_before(
    order: list[ReadDrug], text: str, clause: Span, sentence: Span, paragraph: int
) -> list[ReadTreatment]:
    """ "6 mg/kg every 3 weeks since 10/05/2021, after an 8 mg/kg loading
    dose": the loading dose is a single earlier administration, its own
    treatment (no schedule, no date); the schedule and dates written are
    the maintenance course's, which continues the line it started."""
    return [
        ReadTreatment(
            span=clause,
            text=text[clause[0] : clause[1]].strip(),
            sentence=text[sentence[0] : sentence[1]].strip(),
            drugs=[
                ReadDrug(
                    d.name,
                    d.span,
                    d.written_as,
                    dose=d.loaded_before,
                    route=d.route,
                    loading_marked=True,
                )
            ],
            paragraph=paragraph,
        )
        for d in order
        if d.loaded_before is not None
    ]


def _daily_rate_of_an_infusion(
    folded: str, dose: WrittenDose, span: Span, clause: Span
) -> WrittenDose:
    """ "5-FU 1,200 mg/m²/day continuous infusion over 2 days": the "/day" is
    the infusion's rate on the days it runs, not how often the course is
    given (every 2 weeks in mFOLFOX6); the dose is the amount per day, and
    the schedule is the course's."""
    frequency = dose.frequency
    if frequency is None or frequency.id != "daily" or not frequency.text.startswith("/"):
        return dose
    if not _INFUSED_OVER.match(folded, span[1], min(clause[1], span[1] + 80)):
        return dose
    cut = dose.text.rfind(frequency.text)
    if cut <= 0:
        return dose
    return replace(dose, text=dose.text[:cut].rstrip(), frequency=None)


def _doses_after_regimen_name(
    folded: str,
    names: list[tuple[NameMatch, Span, str]],
    drugs: dict[str, ReadDrug],
    items: _Items,
) -> None:
    """ "4 AC 60/600": one number per drug of the regimen name, in its order,
    is each drug's dose in mg/m² when every one of them is dosed per m² and
    every number is near the drug's usual dose (the way AC, EC or TC doses
    are written in orders; "EC 21/11" is a date). A single number ("FEC
    100") only names the variant: it is no dose of each drug."""
    by_name: dict[Span, list[str]] = {}
    for match, span, written in names:
        if written != match.written:
            by_name.setdefault(span, []).append(match.drug_id)
    for span, members in by_name.items():
        numbers = _UNITLESS_DOSES.match(folded, span[1])
        if numbers is None:
            continue
        values = numbers.group("values").replace(" ", "").split("/")
        if len(values) != len(members) or not all(items.bases.get(m) == {"bsa"} for m in members):
            continue
        doses = [find_doses(f"{value} mg/m2")[0][0] for value in values]
        if not all(items.near_usual(m, dose) for m, dose in zip(members, doses, strict=True)):
            continue
        for drug_id, dose in zip(members, doses, strict=True):
            d = drugs.get(drug_id)
            if d is not None and d.dose is None:
                d.dose, d.unit_assumed = dose, True


def _cycle_for_cycle_days(
    folded: str, order: list[ReadDrug], drugs_of: dict[Span, ReadDrug], clause: Span
) -> None:
    """ "paclitaxel 80 mg/m2 J1 J8 J15 tous les 28 jours associé au
    bévacizumab 10 mg/kg J1 et J15": days of a cycle written for a drug
    without a schedule are days of the cycle written for its companion;
    it takes that cycle (only when the clause writes one cycle length)."""
    cycles = {
        f.id: f
        for d in order
        for f in (d.frequency, d.dose.frequency if d.dose else None)
        if f is not None and f.interval_days >= 7 and f.times_per_period == 1
    }
    if len(cycles) != 1:
        return
    (cycle,) = cycles.values()
    for span, d in drugs_of.items():
        if d.frequency is None and d.dose is not None and d.dose.frequency is None:
            if _CYCLE_DAYS.match(folded, span[1], clause[1]):
                d.frequency = cycle


def _for_the_list(
    folded: str, span: Span, later: list[tuple[NameMatch, Span, str]], drugs: dict[str, ReadDrug]
) -> bool:
    """ "3 FEC puis 3 docétaxel, toutes les 3 semaines, avec trastuzumab": a
    schedule followed by "with" and companions that have no schedule of
    their own is the whole list's ("Tucatinib twice a day with capecitabine
    1000 mg/m2 twice a day" keeps tucatinib's own: its companions have theirs)."""
    gap = _gap(folded, span[1], later[0][1][0])
    if not _WITH_COMPANION.match(gap):
        return False
    return not any(
        (d := drugs.get(n[0].drug_id)) is not None
        and (d.frequency is not None or (d.dose is not None and d.dose.frequency is not None))
        for n in later
    )


def _bracketed_owners(folded: str, drugs_of: dict[Span, ReadDrug], clause: Span) -> set[str]:
    """Drugs whose doses are written in a parenthesis after their name
    ("associés au trastuzumab (8 mg/kg puis 6 mg/kg toutes les 3 semaines)")."""
    owners = set()
    for span, d in drugs_of.items():
        # A dose's own parenthesis opens within a line's length before it.
        opened = folded.rfind("(", max(clause[0], span[0] - 120), span[0])
        if opened != -1 and ")" not in folded[opened : span[0]] and d.span[1] <= opened:
            if not folded[d.span[1] : opened].strip():
                owners.add(d.drug_id)
    return owners


def _course_frequency(
    order: list[ReadDrug], items: _Items, bracketed: frozenset[str] | set[str] = frozenset()
) -> Frequency | None:
    """One frequency written with a dose, for a list of drugs that has no
    other (and not inside one drug's parenthesis: ``bracketed``): on the
    last dose of the list ("A, B and C 840 mg every 3 weeks"),
    or on a maintenance dose ("puis 420 mg et 6 mg/kg toutes les 3
    semaines"), it is the course's."""
    treated = [d for d in order if items.category.get(d.drug_id) != "supportive"]
    attached = [
        (dose, d)
        for d in treated
        for dose in (d.dose, d.maintenance)
        if dose is not None and dose.frequency is not None
    ]
    own = {d.frequency.id for d in treated if d.frequency is not None}
    ids = {f.id for f in (dose.frequency for dose, _ in attached) if f is not None} | own
    if len(ids) != 1 or own:
        return None
    doses = [dose for d in treated for dose in (d.dose, d.maintenance) if dose is not None]
    dose, owner = attached[-1]
    if owner.drug_id in bracketed and len(treated) > 1:
        return None  # a schedule inside one drug's parenthesis is that drug's
    if any(dose is d.maintenance for d in treated):
        return dose.frequency
    # "paclitaxel 175 mg/m2 every 3 weeks with concurrent trastuzumab and
    # pertuzumab": drugs named after the dose are not the list it closes.
    named_after = any(d.dose is None and d.span[0] > owner.span[0] for d in treated)
    if dose is doses[-1] and not named_after:
        return dose.frequency
    return None


def _without_titles(treatments: list[ReadTreatment]) -> list[ReadTreatment]:
    """ "Components and Administration of mFOLFOX6", then a line per drug:
    a regimen name with nothing of its own (no dose, schedule, count or
    date) whose drugs are all written out in its paragraph or the next is
    the title of what follows, not a treatment of its own."""
    written_out: dict[int, set[str]] = {}
    for t in treatments:
        named = {d.drug_id for d in t.drugs if d.written_as == d.name.written}
        written_out.setdefault(t.paragraph, set()).update(named)
    return [
        t
        for t in treatments
        if not _title_only(
            t, written_out.get(t.paragraph, set()) | written_out.get(t.paragraph + 1, set())
        )
    ]


def _without_bare_repeats(treatments: list[ReadTreatment]) -> list[ReadTreatment]:
    """ "Do not administer KADCYLA at doses greater than 3.6 mg/kg": a drug
    named again with nothing of its own (no dose, schedule, count or date),
    when the text gives it a dose elsewhere, adds no treatment."""
    dosed = {d.drug_id for t in treatments for d in t.drugs if d.dose is not None}
    return [
        t
        for t in treatments
        if not (_nothing_of_its_own(t) and {d.drug_id for d in t.drugs} <= dosed)
    ]


def _nothing_of_its_own(t: ReadTreatment) -> bool:
    return not any(
        d.dose or d.maintenance or d.frequency or d.cumulative for d in t.drugs
    ) and not any((t.frequency, t.cycles, t.duration, t.start, t.end, t.given))


def _title_only(t: ReadTreatment, written_out: set[str]) -> bool:
    from_name = all(d.written_as != d.name.written for d in t.drugs)
    return from_name and _nothing_of_its_own(t) and {d.drug_id for d in t.drugs} <= written_out


def _merge_list_items(treatments: list[ReadTreatment]) -> list[ReadTreatment]:
    """Lines of one list ("Day 1: Trastuzumab 8 mg/kg", "Day 1: Pertuzumab
    840 mg", ...) are one treatment: the drugs given on the same day."""
    merged: list[ReadTreatment] = []
    for t in treatments:
        marker = _LIST_ITEM.match(fold(t.text))
        last = merged[-1] if merged else None
        if (
            last is not None
            and marker is not None
            and (last_marker := _LIST_ITEM.match(fold(last.text))) is not None
            and last_marker.group(0) == marker.group(0)
            and last.paragraph == t.paragraph
            and not ({d.drug_id for d in last.drugs} & {d.drug_id for d in t.drugs})
            and (
                t.frequency is None or last.frequency is None or t.frequency.id == last.frequency.id
            )
        ):
            last.drugs += t.drugs
            last.span = (last.span[0], t.span[1])
            last.frequency = last.frequency or t.frequency
            last.cycles = last.cycles or t.cycles
            last.duration = last.duration or t.duration
            last.start = last.start or t.start
            last.end = last.end or t.end
            continue
        merged.append(t)
    return merged


def _range_for_sequence(sequence: list[ReadTreatment]) -> None:
    """ "3 FEC puis 3 docétaxel, du 06/09/2021 au 20/12/2021": a range written
    after a sequence starts its first treatment and ends its last."""
    if len(sequence) < 2:
        return
    first, last = sequence[0], sequence[-1]
    if (
        first.start is None
        and last.start is not None
        and last.end is not None
        and last.duration is None  # "pendant 18 mois, du ... au ...": the last one's own
    ):
        first.start, last.start = last.start, None


def _meeting_date(folded: str, date: DateMention) -> bool:
    """The date of a meeting or letter, not of a treatment ("RCP du 04/02/2021")."""
    return bool(_MEETING_BEFORE.search(folded[max(0, date.span[0] - 24) : date.span[0]]))


def _dose_owner(
    folded: str,
    span: Span,
    names: list[tuple[NameMatch, Span, str]],
    drugs: dict[str, ReadDrug],
    clause: Span,
    bases: Callable[[str, Span], bool | None],
) -> ReadDrug | None:
    """The drug a dose is written for: the drug after it ("75 mg/m2 de
    docétaxel"); the drug right before it whatever the basis (so "T-DM1 3.6
    mg" is read as written, a basis error); else the nearest drug before it
    (then after it) that the reference doses on this basis."""
    after = next((n for n in names if n[1][0] >= span[1]), None)
    before = [n for n in names if n[1][1] <= span[0]]
    if after is not None:
        gap = _gap(folded, span[1], after[1][0])
        if _DOSE_OF.match(gap):
            return drugs[after[0].drug_id]  # "75 mg/m2 de docétaxel"
        if _BLANK_OR_COMMA.fullmatch(gap) and not (
            before and _TIGHT.fullmatch(_gap(folded, before[-1][1][1], span[0]))
        ):
            return drugs[after[0].drug_id]  # "1,200 mg pertuzumab, 600 mg trastuzumab"
    if before and _ADJACENT.fullmatch(_gap(folded, before[-1][1][1], span[0])):
        head = _companion_head(folded, before)
        if (
            head is not None
            and bases(before[-1][0].drug_id, span) is False
            and bases(head[0].drug_id, span) is True
        ):
            return drugs[head[0].drug_id]  # "X in combination with Y: 5.4 mg/kg" (X's basis)
        return drugs[before[-1][0].drug_id]
    for name in reversed(before):
        if bases(name[0].drug_id, span) is not False:
            return drugs[name[0].drug_id]
    # "300 mg twice daily in combination with trastuzumab": the drugs after
    # the phrase accompany the one the dose is for, they do not own it.
    later = [
        n
        for n in names
        if n[1][0] >= span[1] and not _COMPANION_WORDS.search(folded[span[1] : n[1][0]])
    ]
    for name in later:
        if bases(name[0].drug_id, span) is not False:
            return drugs[name[0].drug_id]
    return None


def _companion_head(
    folded: str, before: list[tuple[NameMatch, Span, str]]
) -> tuple[NameMatch, Span, str] | None:
    """The drug a list of companions is written for: in "X in combination
    with Y and Z", X for Z (None when the drug before the dose is no companion)."""
    index = len(before) - 1
    while index > 0:
        gap = _gap(folded, before[index - 1][1][1], before[index][1][0])
        if _COMPANION_BETWEEN.match(gap):
            return before[index - 1]
        if not _COMPANION_LIST.match(gap):
            return None
        index -= 1
    return None


def _paired_doses(
    folded: str, dose: WrittenDose, span: Span, names: list[tuple[NameMatch, Span, str]]
) -> list[WrittenDose] | None:
    """The parts of "1200mg/600mg" written right after "Pertuzumab/Trastuzumab",
    one per drug in order; None when the dose is not such a pair."""
    reading = dose.readings[0] if dose.readings else None
    if reading is None or not reading.is_combination:
        return None
    before = [n for n in names if n[1][1] <= span[0]]
    count = len(reading.amounts)
    if len(before) < count or not _PAIR_TO_DOSE.match(_gap(folded, before[-1][1][1], span[0])):
        return None
    run = before[-count:]
    if len({n[0].drug_id for n in run}) != count or not all(
        _PAIR_BETWEEN.match(_gap(folded, a[1][1], b[1][0])) for a, b in pairwise(run)
    ):
        return None
    parts = [find_doses(p) for p in dose.text.split("/")]
    if len(parts) != count or not all(len(p) == 1 for p in parts):
        return None
    return [p[0][0] for p in parts]


def _known_just_before(names: list[tuple[NameMatch, Span, str]], span: Span, folded: str) -> bool:
    before = [n for n in names if n[1][1] <= span[0]]
    return bool(before) and bool(_ADJACENT.fullmatch(_gap(folded, before[-1][1][1], span[0])))


def _gap(folded: str, start: int, end: int) -> str:
    """The text between two items, when they are close enough to belong
    together (a long gap is never "adjacent": this also keeps the patterns
    over it linear)."""
    return folded[start:end] if end - start <= 60 else "\x00"


def _give_dose(
    owner: ReadDrug, dose: WrittenDose, span: Span, folded: str, clause: Span, order: list[ReadDrug]
) -> None:
    before = folded[max(clause[0], span[0] - 30) : span[0]]
    after = folded[span[1] : min(clause[1], span[1] + 24)]
    loading = bool(
        _LOADING_BEFORE.search(before)
        or _LOADING_AFTER.match(after)
        or _LOADING_SUBJECT.match(folded, clause[0], span[0])
    )
    then = bool(_THEN_BEFORE.search(before))
    basis = _basis(dose)
    reading = dose.readings[0] if dose.readings else None
    waiting = [d for d in order if d.dose is not None and d.maintenance is None]
    if (
        then
        and reading is not None
        and reading.is_combination
        and len(waiting) == len(reading.amounts) > 1
    ):
        # "puis 600 mg / 600 mg": one maintenance dose for each drug, in order.
        parts = [find_doses(p) for p in dose.text.split("/")]
        if all(len(p) == 1 for p in parts):
            for d, found in zip(waiting, parts, strict=True):
                d.maintenance = found[0][0]
            return
    if (
        then
        and owner.dose is not None
        and owner.maintenance is None
        and (owner.loading_marked or _basis(owner.dose) == basis)
    ):
        owner.maintenance = dose  # "840 mg/kg en dose de charge puis 420 mg": as written
        return
    if then and owner.dose is not None:
        # "puis 420 mg et 6 mg/kg": the drug whose first dose has this basis.
        candidates = [d for d in waiting if d.dose is not None and _basis(d.dose) == basis]
        if candidates:
            _nearest_before(candidates, span).maintenance = dose
            return
    if owner.dose is None:
        owner.dose, owner.loading_marked = dose, loading
        return
    if owner.maintenance is not None or _basis(owner.dose) != basis:
        return  # a third dose, or a dose in mg beside a dose per m²: not another step
    if loading and not owner.loading_marked and _GIVEN_BEFORE.search(before):
        owner.loaded_before = dose  # "after an 8 mg/kg loading dose": an earlier dose
    elif loading and not owner.loading_marked:
        owner.maintenance, owner.dose, owner.loading_marked = owner.dose, dose, True
    elif owner.loading_marked or then:
        owner.maintenance = dose
    # Otherwise a second dose of the same drug with no word that makes it
    # the next step ("60 mg/m2 to 100 mg/m2", another indication's dose) is
    # not read as its maintenance dose.


def _nearest_before(candidates: list[ReadDrug], span: Span) -> ReadDrug:
    before = [d for d in candidates if d.span[0] < span[0]]
    return max(before, key=lambda d: d.span[0]) if before else candidates[0]


def _basis(dose: WrittenDose) -> str | None:
    return dose.readings[0].basis if dose.readings else None


def _dates(
    folded: str, dates: list[DateMention], clause_start: int
) -> tuple[DateMention | None, DateMention | None, list[DateMention]]:
    """Start and end of a clause's dates: "du X au Y", "from X to Y"."""
    if not dates:
        return None, None, []
    # A year alone ("in 2023") only when no day or month is written.
    dated = [d for d in dates if d.month is not None] or dates
    ends = [
        d
        for d in dated
        if _END_BEFORE.search(folded[max(0, d.span[0] - 30) : d.span[0]])
        or _COMPLETED.search(folded[max(clause_start, d.span[0] - 160) : d.span[0]])
    ]
    starts = [d for d in dated if d not in ends]
    start = starts[0] if starts else None
    end = ends[0] if ends else None
    if start is not None and end is None:
        later = [d for d in starts if d.span[0] > start.span[0]]
        if later and _UNTIL_BETWEEN.match(folded[start.span[1] : later[0].span[0]]):
            end = later[0]
    return start, end, []


def _started_today(
    folded: str,
    sentence: Span,
    here: _Items,
    paragraph: int,
    heading: tuple[int, DateMention] | None,
    new: list[ReadTreatment],
) -> tuple[int, DateMention] | None:
    """ "Reprise ce jour :" then the doses, one per line: a heading without a
    drug that says the treatment (re)starts today dates the treatments
    written under it, in its paragraph. Returns the heading in force."""
    if heading is not None and heading[0] == paragraph:
        for t in new:
            t.start = t.start or heading[1]
    words = folded[sentence[0] : sentence[1]]
    if (
        not here.names
        and here.note_date is not None
        and _TODAY.search(words)
        and (_START_WORDS.search(words) or _RESTART.search(words))
    ):
        return paragraph, here.note_date
    return heading if heading is not None and heading[0] == paragraph else None


def _items_of_heading(
    text: str, start: int, treatments: list[ReadTreatment], paragraph: int
) -> bool:
    """An order set: "carboplatin / paclitaxel + pembrolizumab, q3w", a blank
    line, then "1. Pembrolizumab 200 mg ...": numbered items under a heading
    that names their drugs without doses belong to it (its schedule and
    dates), as a reader takes them."""
    if not _NUMBERED_ITEM.match(text, start):
        return False
    heading = next((t for t in reversed(treatments) if t.paragraph == paragraph), None)
    return (
        heading is not None
        and len(heading.drugs) > 1
        and not any(d.dose for d in heading.drugs)
        and heading is treatments[-1]
    )


def _note_date(text: str, dates: list[DateMention]) -> DateMention | None:
    """The date a note is headed with: a full date on its first line
    ("Switch note, 05/03/2025", "HDJ — transmissions du 03/03/2025")."""
    first_line = len(text) - len(text.lstrip())
    first_line_end = text.find("\n", first_line)
    first_line_end = len(text) if first_line_end == -1 else first_line_end
    return next(
        (
            d
            for d in dates
            if d.span[0] < first_line_end
            and d.day is not None
            and d.year
            and not _BIRTH_BEFORE.search(fold(text[max(0, d.span[0] - 24) : d.span[0]]))
        ),
        None,
    )


def _given_today(folded: str, clause: Span, note_date: DateMention | None) -> DateMention | None:
    """ "Phesgo ... given today", "Reprise ce jour": in a note headed with its
    date, today is that date."""
    if note_date is None or note_date.span[0] >= clause[0]:
        return None
    return note_date if _TODAY.search(folded, clause[0], clause[1]) else None


def _count_for(
    folded: str, clause: Span, cycles: list[CycleCount], names: list[tuple[NameMatch, Span, str]]
) -> CycleCount | None:
    counts = [
        c
        for c in cycles
        if c.unit in ("cycles", "doses", "unspecified") and not (c.unit == "doses" and c.count == 1)
    ]
    if counts:
        return counts[0]
    # "3 FEC 100", "4 AC", "6 cycles de docétaxel": a count written before the name.
    for _, span, _ in names:
        match = _COUNT_BEFORE_NAME.search(folded[max(clause[0], span[0] - 24) : span[0]])
        if match:
            count = number_value(match.group("n"))
            if count and count < 60:
                return CycleCount(count, "cycles", match.group(0).strip(), span)
    weeks = [c for c in cycles if c.unit == "weeks"]
    return None if not weeks else None


def _list_line(text: str, position: int) -> bool:
    """Whether ``position`` starts the text of a bulleted line ("- Epirubicin ...")."""
    line_start = text.rfind("\n", 0, position) + 1
    if _BULLET.fullmatch(text, line_start, position):
        return True
    # The first line of a text keeps its bullet: no line break came before it.
    return not text[line_start:position].strip() and bool(_BULLET_AT.match(text, position))


def _schedule_for_list(
    text: str,
    clause: Span,
    treatments: list[ReadTreatment],
    paragraph: int,
    frequency: Frequency | None,
    count: CycleCount | None,
) -> None:
    """ "- Schedule: every 21 days for 6 cycles" after bulleted drug lines
    (one drug and its dose a line, as protocols list a regimen's
    components): the schedule and count are every line's, not the last's
    only. Lines with a schedule of their own keep it."""
    if not _list_line(text, clause[0]):
        return
    for t in _same_paragraph(treatments, paragraph):
        if not t.drugs or not _list_line(text, t.span[0]):
            return
        own = any(d.frequency or (d.dose is not None and d.dose.frequency) for d in t.drugs)
        if frequency is not None and t.frequency is None and not own:
            t.frequency = frequency
        if count is not None and t.cycles is None:
            t.cycles = count


def _same_paragraph(treatments: list[ReadTreatment], paragraph: int) -> Iterator[ReadTreatment]:
    """The latest treatments of ``paragraph``, latest first (they come last;
    a list item completes one of the last few, never one far back)."""
    for t in reversed(treatments[-_RECENT:]):
        if t.paragraph != paragraph:
            return
        yield t


#: How far back a clause may complete an earlier statement.
_RECENT = 20


def _fill_earlier(
    order: list[ReadDrug],
    treatments: list[ReadTreatment],
    paragraph: int,
    frequency: Frequency | None,
    count: CycleCount | None,
    duration: Duration | None,
    start: DateMention | None,
    end: DateMention | None,
) -> bool:
    if not order or not all(d.dose for d in order):
        return False
    targets = []
    for d in order:
        earlier = next(
            (
                (t, e)
                for t in _same_paragraph(treatments, paragraph)
                for e in t.drugs
                if e.drug_id == d.drug_id
                and e.dose is None
                and not (start is not None and t.start is not None)
            ),
            None,
        )
        if earlier is None:
            return False
        targets.append((earlier, d))
    for (t, e), _ in targets:
        written = t.frequency or e.frequency
        if frequency is not None and written is not None and frequency.id != written.id:
            return False  # another schedule: a treatment of its own
    for (t, e), d in targets:
        e.dose, e.maintenance, e.loading_marked = d.dose, d.maintenance, d.loading_marked
        e.frequency = e.frequency or d.frequency
        e.route = e.route or d.route
        filled = {d.drug_id for d in order}
        if frequency is not None:
            if t.frequency is None and {x.drug_id for x in t.drugs} <= filled:
                t.frequency = frequency
            elif t.frequency is None:
                # "tucatinib 300 mg twice a day", later, for one drug of a
                # list: that drug's schedule, not its companions'.
                e.frequency = e.frequency or frequency
            elif e.frequency is None and frequency.id != t.frequency.id:
                e.frequency = frequency
        t.cycles = t.cycles or count
        t.duration = t.duration or duration
        t.start = t.start or start
        t.end = t.end or end
    return True


def _complete_earlier(
    order: list[ReadDrug],
    treatments: list[ReadTreatment],
    frequency: Frequency | None,
    count: CycleCount | None,
    duration: Duration | None,
    start: DateMention | None,
    end: DateMention | None,
    given: list[DateMention],
    paragraph: int,
) -> bool:
    ids = {d.drug_id for d in order}
    earlier = next(
        (t for t in reversed(treatments[-_RECENT:]) if ids <= {d.drug_id for d in t.drugs}), None
    )
    if earlier is None:
        return False
    if earlier.paragraph != paragraph and not any((frequency, count, duration, start, end)):
        # "ENHERTU dose reduction schedule" heading a new block: the lines
        # under it are about this drug, not additions to the earlier course.
        return False
    written = earlier.frequency or next((d.frequency for d in earlier.drugs if d.frequency), None)
    if (
        (frequency is not None and written is not None and frequency.id != written.id)
        or (duration is not None and earlier.duration is not None)
        or (end is not None and earlier.end is not None)
    ):
        return False  # another schedule or course: a treatment of its own
    if frequency is not None and earlier.frequency is None:
        earlier.frequency = frequency
    if count is not None and earlier.cycles is None:
        earlier.cycles = count
    if duration is not None and earlier.duration is None:
        earlier.duration = duration
    if end is not None and earlier.end is None:
        earlier.end = end
    if start is not None:
        if earlier.start is None:
            earlier.start = start
        else:
            earlier.given.append(start)
    return True


def _continue_last(
    text: str,
    folded: str,
    clause: Span,
    all_dates: list[DateMention],
    bases: dict[str, set[str]],
    doses: list[tuple[WrittenDose, Span]],
    frequencies: list[tuple[Frequency, Span]],
    dates: list[DateMention],
    cycles: list[CycleCount],
    durations: list[Duration],
    treatments: list[ReadTreatment],
    paragraph: int,
    continued: bool,
    sole: bool = False,
) -> None:
    """A clause without a drug: an ellipsis or a pronoun for the last treatment.
    In a text that names one drug only, "a reduced dose of 3 mg" in another
    paragraph is that drug's too (``sole``)."""
    words = folded[clause[0] : clause[1]]
    count = next((c for c in cycles if c.unit in ("cycles", "doses", "unspecified")), None)
    last = next((t for t in _same_paragraph(treatments, paragraph) if t.drugs), None)
    if last is None and count is not None and not doses:
        # "Au 14/06/2016 la patiente a reçu 8 cycles": the last treatment without a count.
        last = next(
            (t for t in reversed(treatments[-_RECENT:]) if t.drugs and t.cycles is None), None
        )
    loose = False
    if last is None and sole:
        doses = [
            (d, s) for d, s in doses if _DOSE_WORD_BEFORE.search(folded[max(0, s[0] - 24) : s[0]])
        ]
        last = next((t for t in reversed(treatments) if t.drugs), None) if doses else None
        loose = True
    if last is None:
        return
    if doses and not loose:
        last = _owner_by_basis(last, treatments, paragraph, _basis(doses[0][0]), bases)
    frequency = frequencies[0][0] if frequencies else None
    duration = next((d for d in durations if d.amount is not None), None)
    until = next((d.until for d in durations if d.until is not None), None)
    start, end, _ = _dates(folded, dates, clause[0])
    end = end or until
    items_dates = all_dates
    if not doses:
        # "C1 le 15/02/2021", "Start: 2022-06-01", "pendant 12 semaines": the
        # start of the plan, the paragraph's first treatment without one.
        first = next(
            (
                t
                for t in reversed(list(_same_paragraph(treatments, paragraph)))
                if t.drugs and t.start is None
            ),
            None,
        )
        if start is None and _TODAY.search(words) and _START_WORDS.search(words):
            start = next((d for d in reversed(items_dates) if d.span[0] < clause[0]), None)
        if start is not None and first is not None and _START_WORDS.search(words):
            first.start = start
        if _next_dose_dated(folded, clause, dates, last):
            return
        _schedule_for_list(text, clause, treatments, paragraph, frequency, count)
        if count is not None and last.cycles is None:
            last.cycles = count
            if (
                start is not None
                and last.end is None
                and last.start is not None
                and not _START_WORDS.search(words)
            ):
                last.end = start
        if duration is not None and last.duration is None:
            last.duration = duration
        if end is not None and last.end is None:
            last.end = end
        if frequency is not None and last.frequency is None:
            last.frequency = frequency
        return
    for dose, span in doses:
        basis = _basis(dose)
        same = [d for d in last.drugs if d.dose is not None and _basis(d.dose) == basis]
        target = same[-1] if same else (last.drugs[-1] if len(last.drugs) == 1 else None)
        if target is not None and not loose and basis not in bases.get(target.drug_id, {basis}):
            continue  # "8 mg/kg" is no dose of carboplatin: not its ellipsis
        if target is None:
            continue
        before = folded[max(clause[0], span[0] - 30) : span[0]]
        if _LAST_DOSE_OF.search(before):
            continue  # "deux semaines après la dernière dose de 240 mg": one already read
        if target.dose is None and len(last.drugs) == 1:
            # "ENHERTU dose reduction schedule / Recommended starting dose
            # 5.4 mg/kg": the first dose under a drug's heading is its dose.
            target.dose = dose
            target.reduced = bool(_REDUCTION_LEVEL_BEFORE.search(before))
            last.frequency = last.frequency or frequency
            last.start = last.start or start
            continue
        if (
            target.maintenance is None
            and target.dose is not None
            and not continued
            and (
                _THEN_BEFORE.search(before)
                or re.search(r"(?<![a-z])(?:maintenance|entretien)", words)
                or _MAINTENANCE_SUBJECT.match(folded, clause[0], span[0])
            )
        ):
            target.maintenance = dose
            if frequency is not None and last.frequency is None:
                last.frequency = frequency
            continue
        treatments.append(
            ReadTreatment(
                span=clause,
                text=text[clause[0] : clause[1]].strip(),
                sentence=text[clause[0] : clause[1]].strip(),
                drugs=[
                    ReadDrug(
                        target.name,
                        target.span,
                        target.written_as,
                        dose=dose,
                        route=target.route,
                        reduced=bool(_REDUCTION_LEVEL_BEFORE.search(before)),
                    )
                ],
                frequency=frequency,
                cycles=count,
                duration=duration,
                start=start,
                end=end,
                continued=True,
                paragraph=paragraph,
            )
        )


def _owner_by_basis(
    last: ReadTreatment,
    treatments: list[ReadTreatment],
    paragraph: int,
    basis: str | None,
    bases: dict[str, set[str]],
) -> ReadTreatment:
    """ "Ontruzant ..., after 4 cycles of EC. Loading 8 mg/kg IV, then 6 mg/kg":
    a dose written without its drug is a dose of the drug the paragraph is
    about. When the last treatment's drugs are never dosed on the dose's
    basis (8 mg/kg is no dose of epirubicin), it belongs to the latest drug
    of the paragraph that is dosed so and has no dose yet."""
    if basis is None or any(basis in bases.get(d.drug_id, {basis}) for d in last.drugs):
        return last
    return next(
        (
            t
            for t in _same_paragraph(treatments, paragraph)
            if len(t.drugs) == 1
            and t.drugs[0].dose is None
            and basis in bases.get(t.drugs[0].drug_id, set())
        ),
        last,
    )


def _next_dose_dated(
    folded: str, clause: Span, dates: list[DateMention], last: ReadTreatment
) -> bool:
    """ "Il a été poursuivi sans interruption ; prochaine injection le
    18/10/2024": the next dose of the treatment being described, a date it is
    given on (after an LVEF fall, it says the drug was not held)."""
    after = _NEXT_DOSE.search(folded, clause[0], clause[1])
    if after is None:
        return False
    dated = [d for d in dates if d.span[0] >= after.end() and d.month is not None]
    if not dated:
        return False
    last.given.append(dated[0])
    return True
