"""Numbers with a thousands separator in free text: "1,250 mg/m2" is 1250 in
English and 1.25 in French; "1 250 mg/m2" is 1250. A number the text does not
settle is reported as not understood, never read 1000 times off (docs/safety.md,
"How numbers are read")."""

from __future__ import annotations

from pathlib import Path

from dosecalc import api
from dosecalc.checker.extract import text_language
from dosecalc.checker.written import find_doses, parse_written_dose


def check(tmp_path: Path, text: str):
    path = tmp_path / "note.txt"
    path.write_text(text, encoding="utf-8")
    return api.check_course(None, text_file=str(path))


def written_doses(report, drug: str) -> list[str | None]:
    return [d.dose for t in report.case.treatments for d in t.drugs if d.drug.lower() == drug]


def codes(report, drug: str) -> list[tuple[str, str]]:
    return [(f.severity, f.code) for f in report.findings if f.drug == drug]


def test_the_language_of_a_text_is_read_from_its_short_words():
    assert text_language("The patient received capecitabine twice daily for 14 days.") == "en"
    assert (
        text_language("La patiente a reçu de la capécitabine pendant 14 jours puis une pause.")
        == "fr"
    )
    # An order line has no sentence to tell.
    assert text_language("Capecitabine 1,250 mg/m2 BID J1-J14") is None


def test_an_english_comma_before_three_digits_separates_thousands(tmp_path):
    # The Xeloda label's dose with docetaxel: 1250 mg/m2 twice daily, not 1.25.
    report = check(
        tmp_path,
        "In combination with docetaxel, the recommended dose of capecitabine is "
        "1,250 mg/m2 twice daily for 14 days, followed by a 7-day rest period.\n",
    )
    (dose,) = [d for d in written_doses(report, "capecitabine") if d]
    reading = parse_written_dose(dose).reading
    assert reading is not None and float(reading.amounts[0].magnitude) == 1250
    assert ("info", "UNIT_AMBIGUOUS") in codes(report, "capecitabine")


def test_a_french_comma_is_a_decimal_mark(tmp_path):
    # "8,000 mg/kg" in French is 8 mg/kg, the trastuzumab loading dose.
    report = check(
        tmp_path,
        "La patiente a reçu le trastuzumab à la dose de 8,000 mg/kg le 12/03/2024, puis "
        "6 mg/kg toutes les 3 semaines.\n",
    )
    (dose,) = [d for d in written_doses(report, "trastuzumab") if d]
    reading = parse_written_dose(dose).reading
    assert reading is not None and float(reading.amounts[0].magnitude) == 8


def test_a_french_comma_giving_no_plausible_dose_is_not_understood(tmp_path):
    # 1.25 mg/m2 of capecitabine is a thousandth of its dose; 1250 mg/m2 is the
    # dose. In a French text the comma should be decimal: the text contradicts
    # itself, so the dose is reported, not guessed.
    report = check(
        tmp_path,
        "La patiente a reçu de la capécitabine 1,250 mg/m2 deux fois par jour pendant "
        "14 jours, puis une pause de 7 jours, tous les 21 jours.\n",
    )
    assert written_doses(report, "capécitabine") == [None]
    assert ("warning", "NOT_UNDERSTOOD") in codes(report, "capecitabine")


def test_a_comma_in_a_text_of_no_clear_language_is_not_understood(tmp_path):
    report = check(tmp_path, "Capecitabine 1,250 mg/m2 BID J1-J14 q21d\n")
    assert written_doses(report, "capecitabine") == [None]
    (finding,) = [f for f in report.findings if f.code == "NOT_UNDERSTOOD"]
    assert "1250 mg/m2" in finding.message and "1.25 mg/m2" in finding.message


def test_thousands_written_with_a_space_are_one_number():
    for written in ("1 250 mg/m2", "1\u202f250 mg/m2", "1\u00a0250 mg/m2"):
        ((dose, _),) = find_doses(f"capécitabine {written} matin et soir")
        assert dose.reading is not None and float(dose.reading.amounts[0].magnitude) == 1250
    ((high_dose, _),) = find_doses("méthotrexate 12 000 mg/m2")
    assert high_dose.reading is not None and float(high_dose.reading.amounts[0].magnitude) == 12000
    # A day or cycle number, or a regimen's variant number, before a dose is
    # not its thousands.
    ((day_dose, _),) = find_doses("day 1 250 mg")
    assert day_dose.reading is not None and float(day_dose.reading.amounts[0].magnitude) == 250
    ((ec_dose, _),) = find_doses("EC 90 600 mg/m2")
    assert ec_dose.reading is not None and float(ec_dose.reading.amounts[0].magnitude) == 600


def test_a_dose_in_units_per_m2_is_read_but_not_understood():
    # Bleomycin is dosed in (USP) units: 10 units/m2 is a dose, never 10 mg/m2.
    ((dose, _),) = find_doses("bleomycin 10 units/m2")
    assert dose.text == "10 units/m2" and not dose.understood and dose.readings == ()
    # A product strength in units is no dose of its own.
    assert find_doses("30,000 units hyaluronidase") == []


def test_area_under_the_curve_written_out_is_an_auc_dose():
    # Carboplatin's target AUC, as protocols write it (mg/mL x min).
    for written in (
        "area under the curve (AUC) of 6 mg/mL/min",
        "area under the concentration-time curve of 6",
        "aire sous la courbe cible de 6",
    ):
        ((dose, _),) = find_doses(f"carboplatin dosed to an {written} every 3 weeks")
        assert dose.reading is not None and dose.reading.unit == "AUC"
        assert float(dose.reading.amounts[0].magnitude) == 6
