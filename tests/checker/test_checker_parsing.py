"""Reading clinical notes: frequencies, written doses, dates, and treatments in free text."""

from __future__ import annotations

import datetime as dt
import random

import locations
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dosecalc.checker.extract import MAX_TEXT_CHARS, find_dates
from dosecalc.checker.fromtext import case_from_text, regimen_names
from dosecalc.checker.reading import read_treatments
from dosecalc.checker.written import find_doses, parse_written_dose
from dosecalc.drugs import load_drug_reference
from dosecalc.errors import InputError
from dosecalc.units import Q
from dosecalc.vocabulary import find_frequencies, frequency_from_id, parse_frequency

SEED = locations.ROOT / "seeds" / "case-report.fr.txt"


@pytest.fixture(scope="module")
def ref():
    return load_drug_reference()


# --- frequencies ---------------------------------------------------------------------------

# (text, canonical id, interval in days, times per period)
FREQUENCIES = [
    ("every 3 weeks", "every_3_weeks", 21, 1),
    ("q3w", "every_3_weeks", 21, 1),
    ("q21d", "every_3_weeks", 21, 1),
    ("every 21 days", "every_3_weeks", 21, 1),
    ("toutes les 3 semaines", "every_3_weeks", 21, 1),
    ("tous les 21 jours", "every_3_weeks", 21, 1),
    ("weekly", "weekly", 7, 1),
    ("once weekly", "weekly", 7, 1),
    ("hebdomadaire", "weekly", 7, 1),
    ("chaque semaine", "weekly", 7, 1),
    ("une fois par semaine", "weekly", 7, 1),
    ("three times per week", "three_times_weekly", 7 / 3, 3),
    ("3 times a week", "three_times_weekly", 7 / 3, 3),
    ("trois fois par semaine", "three_times_weekly", 7 / 3, 3),
    ("tiw", "three_times_weekly", 7 / 3, 3),
    ("/6h", "every_6_hours", 0.25, 1),
    ("every 6 hours", "every_6_hours", 0.25, 1),
    ("q6h", "every_6_hours", 0.25, 1),
    ("Q 6 H", "every_6_hours", 0.25, 1),
    ("toutes les 6 heures", "every_6_hours", 0.25, 1),
    ("/8h", "every_8_hours", 1 / 3, 1),
    ("i.v/6 heures", "every_6_hours", 0.25, 1),
    ("every 24 hours", "daily", 1, 1),
    ("daily", "daily", 1, 1),
    ("quotidien", "daily", 1, 1),
    ("twice daily", "twice_daily", 0.5, 2),
    ("bid", "twice_daily", 0.5, 2),
    ("2 fois par jour", "twice_daily", 0.5, 2),
    ("3x/j", "three_times_daily", 1 / 3, 3),
    ("every other day", "every_2_days", 2, 1),
    ("un jour sur deux", "every_2_days", 2, 1),
    ("every 14 days", "every_2_weeks", 14, 1),
    ("tous les 3 mois", "every_3_months", 3 * 365.25 / 12, 1),
]


@pytest.mark.parametrize("text, frequency_id, interval, times", FREQUENCIES)
def test_parse_frequency(text, frequency_id, interval, times):
    freq = parse_frequency(text)
    assert freq is not None, text
    assert freq.id == frequency_id
    assert freq.interval_days == pytest.approx(interval)
    assert freq.times_per_period == times
    assert freq.text == text.strip()


def test_every_3_weeks_and_3_times_a_week_are_nine_fold_apart():
    # The case report's mistranslation: the parser must keep them apart.
    q3w = parse_frequency("toutes les 3 semaines")
    tiw = parse_frequency("3 fois par semaine")
    assert not q3w.same_schedule(tiw)
    assert tiw.doses_per_week / q3w.doses_per_week == pytest.approx(9)


@pytest.mark.parametrize(
    "text, spelled",
    [
        ("q21d", "every 3 weeks"),
        ("hebdomadaire", "once weekly"),
        ("trois fois par semaine", "3 times weekly"),
        ("biw", "2 times weekly"),
        ("q6h", "every 6 hours"),
        ("qod", "every other day"),
        ("bid", "twice daily"),
        ("qd", "daily"),
    ],
)
def test_spelled_out(text, spelled):
    assert parse_frequency(text).spelled_out() == spelled


@pytest.mark.parametrize(
    "text, abbreviation",
    [("tiw", "tiw"), ("T.I.W.", "tiw"), ("BIW", "biw"), ("qd", "qd"), ("q.o.d.", "qod")],
)
def test_ismp_error_prone_abbreviations_are_flagged(text, abbreviation):
    freq = parse_frequency(text)
    assert freq.error_prone == abbreviation
    assert "ISMP" in freq.ismp_warning


def test_plain_words_are_not_error_prone():
    assert parse_frequency("3 times weekly").error_prone is None
    assert parse_frequency("3 times weekly").ismp_warning is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "mastite",
        "every 4-6 hours",
        "weekly x 4 cycles then every 3 weeks",
        "every 3 weeks then weekly",
        "75 mg/m2",
        "17/01/2016",
        "mg/dL",
    ],
)
def test_parse_frequency_refuses_what_it_cannot_read_whole(text):
    assert parse_frequency(text) is None


def test_find_frequencies_in_a_sentence():
    text = "furosémide 20 mg i.v/6 heures, pipéracilline-tazobactam 4/0.5mg/6h et Methylprednisolone 40mg/8h"
    found = find_frequencies(text)
    assert [f.id for f, _ in found] == ["every_6_hours", "every_6_hours", "every_8_hours"]
    assert [text[a:b] for _, (a, b) in found] == ["/6 heures", "/6h", "/8h"]
    # Dates, concentrations and doses per m2 hold no frequency.
    assert find_frequencies("17/01/2016 CRP 62,8 mg/L, 75 mg/m2, 1.2 mg/dL") == []


@pytest.mark.parametrize(
    "frequency_id",
    [
        "daily",
        "weekly",
        "monthly",
        "hourly",
        "every_6_hours",
        "every_8_hours",
        "every_2_days",
        "every_3_weeks",
        "every_2_weeks",
        "every_3_months",
        "twice_daily",
        "three_times_daily",
        "four_times_daily",
        "twice_weekly",
        "three_times_weekly",
    ],
)
def test_canonical_ids_round_trip_through_their_spelling(frequency_id):
    freq = frequency_from_id(frequency_id)
    assert freq.id == frequency_id
    assert parse_frequency(freq.spelled_out()).id == frequency_id


@pytest.mark.parametrize(
    "frequency_id",
    [
        "every_21_days",
        "every_24_hours",
        "every_1_weeks",
        "thrice_weekly",
        "tiw",
        "every_0_days",
        "",
    ],
)
def test_non_canonical_ids_are_refused(frequency_id):
    assert frequency_from_id(frequency_id) is None


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_parse_frequency_never_raises(text):
    freq = parse_frequency(text)
    assert freq is None or freq.interval_days > 0


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("q/hjdw0123456789 xtiesmaonlrupbv.,éèà")), max_size=60)
)
def test_found_frequencies_are_ordered_and_disjoint(text):
    spans = [span for _, span in find_frequencies(text)]
    for (a1, b1), (a2, b2) in zip(spans, spans[1:], strict=False):
        assert 0 <= a1 < b1 <= a2 < b2 <= len(text)


@settings(max_examples=100, deadline=None)
@given(
    st.integers(min_value=2, max_value=60),
    st.sampled_from(["every {n} days", "tous les {n} jours", "q{n}d"]),
)
def test_every_n_days_has_an_interval_of_n_days(n, template):
    freq = parse_frequency(template.format(n=n))
    assert freq.interval_days == pytest.approx(n)
    assert freq.times_per_period == 1


# --- written doses --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, amount, basis, run_together",
    [
        ("75mg/m2", Q(75, "mg/m**2"), "bsa", True),
        ("75 mg/m²", Q(75, "mg/m**2"), "bsa", False),
        ("75 mg / m2", Q(75, "mg/m**2"), "bsa", False),
        ("8 mg/kg", Q(8, "mg/kg"), "weight", False),
        ("840mg", Q(840, "mg"), "flat", True),
        ("1,4 mg/m2", Q(1.4, "mg/m**2"), "bsa", False),
        ("4.5 g", Q(4.5, "g"), "flat", False),
        ("5 mcg/kg", Q(5, "mcg/kg"), "weight", False),
        ("AUC 6", Q(6, "mg*min/mL"), "auc", False),
        ("AUC=5", Q(5, "mg*min/mL"), "auc", False),
        ("8 (mg/kg)", Q(8, "mg/kg"), "weight", False),
        ("100 mg per m2", Q(100, "mg/m**2"), "bsa", False),
    ],
)
def test_parse_written_dose(text, amount, basis, run_together):
    dose = parse_written_dose(text)
    assert dose.understood and not dose.ambiguous
    assert dose.amount == amount
    assert dose.amount.units == amount.units
    assert dose.basis == basis
    assert dose.run_together is run_together
    assert ("run_together" in dose.ismp) is run_together
    assert dose.text == text


def test_two_units_are_ambiguous_with_both_readings():
    dose = parse_written_dose("8mg(mg/kg)")
    assert dose.understood and dose.ambiguous
    assert [(r.amounts[0], r.basis) for r in dose.readings] == [
        (Q(8, "mg"), "flat"),
        (Q(8, "mg/kg"), "weight"),
    ]
    # No single value may be taken from an ambiguous dose by accident.
    assert dose.amount is None and dose.basis is None and dose.amounts == ()
    assert "mg and mg/kg" in dose.problem
    assert dose.run_together


def test_same_unit_twice_is_not_ambiguous():
    dose = parse_written_dose("8 mg/kg (mg/kg)")
    assert not dose.ambiguous and dose.amount == Q(8, "mg/kg")


def test_comma_with_three_digits_is_ambiguous():
    dose = parse_written_dose("1,500 mg")
    assert dose.ambiguous
    assert sorted(r.amounts[0].m_as("mg") for r in dose.readings) == [1.5, 1500]


def test_combination_with_components_and_frequency():
    dose = parse_written_dose("4/0.5mg/6h")
    assert dose.understood and dose.is_combination and not dose.ambiguous
    assert dose.amounts == (Q(4, "mg"), Q(0.5, "mg"))
    assert dose.reading.total == Q(4.5, "mg")
    assert dose.amount is None  # a combination has no single amount
    assert dose.frequency.id == "every_6_hours"
    assert dose.run_together


def test_combination_with_units_on_both_parts():
    dose = parse_written_dose("4 g/0.5 g")
    assert dose.amounts == (Q(4, "g"), Q(0.5, "g"))
    assert dose.reading.total.m_as("mg") == pytest.approx(4500)
    assert not dose.run_together


@pytest.mark.parametrize(
    "text, amount, frequency_id, route",
    [
        ("20 mg i.v/6 heures", Q(20, "mg"), "every_6_hours", "IV"),
        ("40mg/8h", Q(40, "mg"), "every_8_hours", None),
        ("2 mg/kg weekly", Q(2, "mg/kg"), "weekly", None),
        ("75 mg/m2 toutes les 3 semaines", Q(75, "mg/m**2"), "every_3_weeks", None),
        ("5 mg/kg/j", Q(5, "mg/kg"), "daily", None),
        ("8 mg PO bid", Q(8, "mg"), "twice_daily", "PO"),
        ("6 mg SC", Q(6, "mg"), None, "SC"),
    ],
)
def test_attached_frequency_and_route(text, amount, frequency_id, route):
    dose = parse_written_dose(text)
    assert dose.amount == amount
    assert (dose.frequency.id if dose.frequency else None) == frequency_id
    assert dose.route == route


@pytest.mark.parametrize(
    "text, flag",
    [("1.0 mg", "trailing_zero"), (".5 mg", "naked_decimal"), ("250 µg", "microgram_symbol")],
)
def test_ismp_dose_designations(text, flag):
    assert flag in parse_written_dose(text).ismp


@pytest.mark.parametrize(
    "text", ["", "hello", "CRP 62,8 mg/L", "0,8 ng/ml", "20 x 16 mm", "mg/m2", "1.2 mg/dL"]
)
def test_not_a_dose(text):
    dose = parse_written_dose(text)
    assert not dose.understood
    assert dose.readings == () and dose.amount is None
    assert dose.problem


def test_two_doses_are_not_silently_merged():
    dose = parse_written_dose("4 mg/kg then 2 mg/kg")
    assert not dose.understood
    assert "more than one dose" in dose.problem


def test_unread_words_are_kept():
    dose = parse_written_dose("75 mg/m2 J1")
    assert dose.understood and dose.leftover == "J1"
    assert parse_written_dose("dose: 75 mg/m2").leftover == ""


def test_non_text_and_huge_input_do_not_raise():
    assert not parse_written_dose(None).understood
    assert not parse_written_dose("8" * 1_000_000).understood
    assert not parse_written_dose(bytes(range(256)).decode("latin-1")).understood


UNITS = [
    ("mg", "mg", "flat"),
    ("g", "g", "flat"),
    ("mcg", "mcg", "flat"),
    ("mg/m2", "mg/m**2", "bsa"),
    ("mg/kg", "mg/kg", "weight"),
]


@settings(max_examples=300, deadline=None)
@given(
    st.decimals(min_value="0.1", max_value="5000", places=2, allow_nan=False, allow_infinity=False),
    st.sampled_from(UNITS),
    st.sampled_from(["", " ", "  "]),
    st.sampled_from(["", " "]),
    st.booleans(),
)
def test_spacing_does_not_change_the_amount(number, unit, gap, slash_gap, comma):
    written_unit, pint_unit, basis = unit
    number_text = format(number.normalize(), "f")
    if "." not in number_text and comma:
        comma = False
    if comma:
        number_text = number_text.replace(".", ",")
    written_unit = written_unit.replace("/", f"{slash_gap}/{slash_gap}")
    dose = parse_written_dose(f"{number_text}{gap}{written_unit}")
    ambiguous_comma = comma and len(number_text.split(",")[1]) == 3
    assert dose.understood
    if not ambiguous_comma:
        assert dose.amount.m_as(pint_unit) == pytest.approx(float(number))
        assert dose.basis == basis
    assert dose.run_together is (gap == "")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_parse_written_dose_never_raises(text):
    dose = parse_written_dose(text)
    assert dose.understood in (True, False)


# --- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected, precision",
    [
        ("le 17/01/2016", dt.date(2016, 1, 17), "day"),
        ("Échocardiographie (19/01/16)", dt.date(2016, 1, 19), "day"),
        ("on 2016-03-01", dt.date(2016, 3, 1), "day"),
        ("le 1er février 2016", dt.date(2016, 2, 1), "day"),
        ("January 17, 2016", dt.date(2016, 1, 17), "day"),
        ("17 Jan 2016", dt.date(2016, 1, 17), "day"),
        ("01/17/2016", dt.date(2016, 1, 17), "day"),
    ],
)
def test_find_full_dates(text, expected, precision):
    (date,) = find_dates(text)
    assert date.date == expected
    assert date.precision == precision


def test_partial_and_ambiguous_dates():
    month, no_year, year = find_dates("En janvier 2016, puis le 17 janvier; traité en 2015.")
    assert (month.year, month.month, month.day, month.precision) == (2016, 1, None, "month")
    assert (no_year.year, no_year.month, no_year.day) == (None, 1, 17) and no_year.date is None
    assert (year.year, year.precision, year.text) == (2015, "year", "2015")
    (both,) = find_dates("until 05/06/2016")
    assert (
        both.date == dt.date(2016, 6, 5)
        and both.alternative == dt.date(2016, 5, 6)
        and both.ambiguous
    )
    (same,) = find_dates("07/07/2016")
    assert not same.ambiguous
    assert find_dates("31/02/2016, 135/75 mmHg, 20 x 16 mm") == []


# --- treatments read from free text (the reader the checker uses) -----------------------------------


def read(text: str, ref):
    return read_treatments(text, ref, regimen_names())


@pytest.fixture(scope="module")
def seed_treatments(ref):
    return read(SEED.read_text(encoding="utf-8"), ref)


def _drug(treatments, drug_id: str, nth: int = 0):
    """The ``nth`` reading of ``drug_id`` in the text, with its treatment."""
    found = [(t, d) for t in treatments for d in t.drugs if d.drug_id == drug_id]
    return found[nth]


def test_seed_misspelled_anthracycline_with_cycle_count(seed_treatments):
    ac, doxorubicin = _drug(seed_treatments, "doxorubicin")
    assert doxorubicin.written == "Doxurrobicine" and doxorubicin.name.misspelled
    assert [d.drug_id for d in ac.drugs] == ["doxorubicin", "cyclophosphamide"]
    assert (ac.cycles.count, ac.cycles.unit) == (4, "cycles")


def test_seed_weekly_trastuzumab_paclitaxel(seed_treatments):
    th, _ = _drug(seed_treatments, "paclitaxel")
    assert [d.drug_id for d in th.drugs] == ["trastuzumab", "paclitaxel"]
    assert th.frequency.id == "weekly" and th.cycles.count == 4


def test_seed_adjuvant_trastuzumab_three_times_weekly_for_a_year(seed_treatments):
    adjuvant, _ = _drug(seed_treatments, "trastuzumab", 1)
    assert [d.drug_id for d in adjuvant.drugs] == ["trastuzumab"]
    assert adjuvant.frequency.id == "three_times_weekly"
    assert adjuvant.duration.text == "pendant un an"
    assert adjuvant.duration.days == pytest.approx(365.25)
    assert (adjuvant.end.year, adjuvant.end.month) == (2015, 5)


def test_seed_supportive_drugs_keep_their_own_frequencies(seed_treatments, ref):
    _, furosemide = _drug(seed_treatments, "furosemide")
    assert furosemide.dose.amount == Q(20, "mg") and furosemide.route == "IV"
    assert furosemide.dose.frequency.id == "every_6_hours"
    _, piptazo = _drug(seed_treatments, "piperacillin-tazobactam")
    assert piptazo.dose.amounts == (Q(4, "mg"), Q(0.5, "mg"))
    assert piptazo.dose.frequency.id == "every_6_hours"
    _, methylpred = _drug(seed_treatments, "methylprednisolone")
    assert methylpred.dose.amount == Q(40, "mg")
    assert methylpred.dose.frequency.id == "every_8_hours"
    # The 1000-fold unit error is visible against the reference range:
    # 4.5 mg against the label's lowest 2.25 g (2250 mg): 4.5 / 2250 = 0.002.
    usual = ref.get("piperacillin-tazobactam").usual[0]
    assert usual.range_factor(piptazo.dose.reading.total, "flat") == pytest.approx(0.002)


def test_seed_thp_doses_and_their_shared_frequency(seed_treatments):
    thp, docetaxel = _drug(seed_treatments, "docetaxel")
    _, trastuzumab = _drug(seed_treatments, "trastuzumab", 2)
    _, pertuzumab = _drug(seed_treatments, "pertuzumab")
    assert docetaxel.dose.amount == Q(75, "mg/m**2")
    # "8mg(mg/kg)": 8 mg flat or 8 mg/kg, the text does not say which.
    assert trastuzumab.dose.ambiguous
    assert {r.basis for r in trastuzumab.dose.readings} == {"flat", "weight"}
    assert pertuzumab.dose.amount == Q(840, "mg")
    assert thp.frequency.id == "three_times_weekly"


def test_seed_drug_spans_point_into_the_text(seed_treatments):
    text = SEED.read_text(encoding="utf-8")
    for treatment in seed_treatments:
        assert text[treatment.span[0] : treatment.span[1]].strip() == treatment.text.strip()
        for drug in treatment.drugs:
            assert text[drug.span[0] : drug.span[1]] == drug.written


def test_english_note(ref):
    text = "Started paclitaxel 80 mg/m2 weekly x 12 with trastuzumab 4 mg/kg loading then 2 mg/kg weekly."
    (treatment,) = read(text, ref)
    paclitaxel, trastuzumab = treatment.drugs
    assert paclitaxel.dose.amount == Q(80, "mg/m**2") and paclitaxel.dose.frequency.id == "weekly"
    assert (treatment.cycles.count, treatment.cycles.unit) == (12, "unspecified")
    assert trastuzumab.dose.amount == Q(4, "mg/kg") and trastuzumab.loading_marked
    assert trastuzumab.dose.frequency is None
    assert trastuzumab.maintenance.amount == Q(2, "mg/kg")
    assert trastuzumab.maintenance.frequency.id == "weekly"


def test_french_note_with_decimal_comma_and_auc(ref):
    text = (
        "Le 3 mars 2015, début de carboplatine AUC 6 toutes les 3 semaines et paclitaxel 175 mg/m² (6 cycles prévus).\n"
        "Vincristine 1,4 mg/m2 J1, prednisone 100 mg/j J1-J5."
    )
    first, second = read(text, ref)
    carboplatin, paclitaxel = first.drugs
    assert carboplatin.dose.basis == "auc" and carboplatin.dose.amount == Q(6, "mg*min/mL")
    assert carboplatin.dose.frequency.id == "every_3_weeks"
    assert paclitaxel.dose.amount == Q(175, "mg/m**2")
    assert first.cycles.count == 6
    assert first.start.date == dt.date(2015, 3, 3)
    vincristine, prednisone = second.drugs
    assert vincristine.dose.amount == Q(1.4, "mg/m**2")
    assert prednisone.dose.amount == Q(100, "mg") and prednisone.dose.frequency.id == "daily"


def test_english_regimen_with_cycles_and_until(ref):
    text = "On 2016-03-01 she had carboplatin AUC 6 q3w plus docetaxel 75 mg/m2 every 3 weeks for 6 cycles. Herceptin 6 mg/kg q21d until 2016-06-05."
    regimen, maintenance = read(text, ref)
    assert [d.drug_id for d in regimen.drugs] == ["carboplatin", "docetaxel"]
    assert regimen.cycles.count == 6 and regimen.frequency.id == "every_3_weeks"
    assert regimen.start.date == dt.date(2016, 3, 1)
    (herceptin,) = maintenance.drugs
    assert herceptin.drug_id == "trastuzumab" and herceptin.written == "Herceptin"
    assert herceptin.dose.frequency.id == "every_3_weeks"
    assert maintenance.end.date == dt.date(2016, 6, 5)


def test_text_without_drugs_gives_nothing(ref):
    assert read("", ref) == []
    assert read("Scanner thoracique: pas de mastite. Le 6e cycle a été bien toléré.", ref) == []


def test_hostile_text(ref):
    with pytest.raises(InputError):
        case_from_text("a" * (MAX_TEXT_CHARS + 1), "note.txt")
    with pytest.raises(InputError):
        case_from_text(b"docetaxel 75 mg/m2", "note.txt")
    rng = random.Random(3)
    binary = "".join(chr(rng.randrange(0, 0x2FFF)) for _ in range(50_000))
    read(binary, ref)
    noisy = " ".join(
        rng.choice(
            ["docetaxel", "75mg/m2", "x", "4", "cycles", "/6h", "(", ")", "-", "17/01/2016", "et"]
        )
        for _ in range(20_000)
    )
    treatments = read(noisy, ref)
    assert treatments and all(d.drug_id == "docetaxel" for t in treatments for d in t.drugs)


def test_find_doses_skips_concentrations():
    doses = find_doses("CRP 62,8 mg/L; docétaxel 75 mg/m2; Ca 15,3 15 U/ml")
    assert [d.text for d, _ in doses] == ["75 mg/m2"]
