"""The drug reference: shipped data, strict loading, and drug-name matching."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from dosecalc.drugs import DrugReference, load_drug_reference, normalize_name
from dosecalc.errors import DataFileError, NotFoundError
from dosecalc.units import Q


@pytest.fixture(scope="module")
def ref() -> DrugReference:
    return load_drug_reference()


# --- the shipped file ------------------------------------------------------------------

REQUIRED = [
    "doxorubicin",
    "epirubicin",
    "daunorubicin",
    "cyclophosphamide",
    "paclitaxel",
    "docetaxel",
    "carboplatin",
    "trastuzumab",
    "pertuzumab",
    "trastuzumab-emtansine",
    "piperacillin-tazobactam",
    "amoxicillin-clavulanic-acid",
    "furosemide",
    "methylprednisolone",
    "dexamethasone",
    "ondansetron",
    "granisetron",
    "aprepitant",
    "filgrastim",
    "pegfilgrastim",
]


@pytest.mark.parametrize("drug_id", REQUIRED)
def test_required_drugs_are_present(ref, drug_id):
    assert ref.get(drug_id).id == drug_id


def test_default_reference_is_cached(ref):
    assert load_drug_reference() is ref


def test_every_drug_and_range_cites_a_known_source(ref):
    for drug in ref:
        assert drug.sources, drug.id
        assert set(drug.sources) <= set(ref.sources), drug.id
        for usual in drug.usual:
            assert usual.sources and set(usual.sources) <= set(ref.sources), drug.id
            assert usual.minimum.magnitude <= usual.maximum.to(usual.minimum.units).magnitude


def test_supportive_and_targeted_categories(ref):
    assert ref.get("piperacillin-tazobactam").category == "supportive"
    assert ref.get("trastuzumab").category == "targeted"
    assert ref.get("docetaxel").category == "chemotherapy"


def test_vials_in_mg(ref):
    assert ref.get("trastuzumab").vials_mg == (150.0, 420.0)
    assert ref.get("pertuzumab").vials_mg == (420.0,)
    # 1 g and 2 g must come back as 1000 and 2000 mg, not 1 and 2.
    assert ref.get("cyclophosphamide").vials_mg == (500.0, 1000.0, 2000.0)
    assert ref.get("piperacillin-tazobactam").vials_mg == (2250.0, 3375.0, 4500.0)
    assert ref.get("carboplatin").vials_mg == ()


def test_anthracycline_factors_follow_feijen_2019(ref):
    # Clinical reference 7.3: Feijen 2019 Table 3.
    assert ref.get("doxorubicin").anthracycline_factor == 1.0
    assert ref.get("epirubicin").anthracycline_factor == 0.8
    assert ref.get("daunorubicin").anthracycline_factor == 0.6
    assert ref.get("mitoxantrone").anthracycline_factor == 10.5
    assert "Feijen 2019" in ref.get("daunorubicin").anthracycline.table
    assert ref.get("paclitaxel").anthracycline_factor is None
    # Anthracyclines with no ratio in Feijen 2019 are listed as such (not counted, with why),
    # never as a silent zero.
    for drug in ("doxorubicin-liposomal", "idarubicin"):
        detail = ref.get(drug).anthracycline
        assert detail is not None and detail.value is None and "not counted" in detail.caveat
    # The epirubicin and mitoxantrone ratios come from childhood-cancer survivors: said so.
    for drug in ("epirubicin", "mitoxantrone"):
        assert "childhood-cancer survivors" in ref.get(drug).anthracycline.caveat


def test_idarubicin_is_its_own_drug(ref):
    for written in ("idarubicin", "idarubicine", "Zavedos"):
        assert ref.match(written).drug_id == "idarubicin", written


def test_trastuzumab_is_never_three_times_weekly(ref):
    trastuzumab = ref.get("trastuzumab")
    assert all(u.allows_frequency("three_times_weekly") is False for u in trastuzumab.usual)
    assert any(u.allows_frequency("every_3_weeks") for u in trastuzumab.usual_for(route="IV"))
    assert any(
        u.allows_frequency("weekly") for u in trastuzumab.usual_for(route="IV", basis="weight")
    )


def test_range_factor_finds_the_thousandfold_unit_error(ref):
    piptazo = ref.get("piperacillin-tazobactam").usual_for(route="IV")[0]
    assert piptazo.basis == "flat"
    assert piptazo.range_factor(Q(4.5, "g"), "flat") == 1.0
    # "4/0.5mg" read literally: 4.5 mg against a 2.25 g minimum.
    assert piptazo.range_factor(Q(4.5, "mg"), "flat") == pytest.approx(4.5 / 2250)
    assert piptazo.range_factor(Q(4.5, "mg/kg"), "weight") is None


def test_range_factor_per_kg_and_above_range(ref):
    q3w = [
        u
        for u in ref.get("trastuzumab").usual
        if u.allows_frequency("every_3_weeks") and u.route == "IV"
    ][0]
    assert q3w.range_factor(Q(8, "mg/kg"), "weight") == 1.0
    assert q3w.range_factor(Q(16, "mg/kg"), "weight") == pytest.approx(2.0)
    # 8 mg flat is not comparable with a per-kg range (the basis differs).
    assert q3w.range_factor(Q(8, "mg"), "flat") is None


def test_carboplatin_auc_range(ref):
    q3w = [u for u in ref.get("carboplatin").usual if u.allows_frequency("every_3_weeks")][0]
    assert q3w.basis == "auc"
    assert q3w.range_factor(Q(6, "mg*min/mL"), "auc") == 1.0
    assert q3w.range_factor(Q(10, "mg*min/mL"), "auc") == pytest.approx(10 / 6)


def test_methylprednisolone_label_gives_no_fixed_interval(ref):
    usual = ref.get("methylprednisolone").usual_for(basis="flat")[0]
    assert usual.frequencies == ()
    assert usual.allows_frequency("every_8_hours") is None


def test_combination_ratio(ref):
    combination = ref.get("piperacillin-tazobactam").combination
    assert combination.dose_basis == "total"
    assert combination.matches_ratio((Q(4, "g"), Q(0.5, "g")))
    assert combination.matches_ratio(
        (Q(4, "mg"), Q(0.5, "mg"))
    )  # ratio right, unit wrong: another check's job
    assert not combination.matches_ratio((Q(4, "g"), Q(1, "g")))
    assert not combination.matches_ratio((Q(4, "g"),))


def test_get_unknown_drug_suggests(ref):
    with pytest.raises(NotFoundError, match="did you mean 'docetaxel'"):
        ref.get("docetaxol")
    with pytest.raises(NotFoundError):
        ref.get("aspirin")


# --- name matching -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "written, drug_id, misspelled",
    [
        ("Doxurrobicine", "doxorubicin", True),
        ("doxorubicine", "doxorubicin", False),
        ("DOXORUBICIN", "doxorubicin", False),
        ("pipéracilline-tazobactam", "piperacillin-tazobactam", False),
        ("piperacilline/tazobactam", "piperacillin-tazobactam", False),
        ("pipéraciline-tazobactam", "piperacillin-tazobactam", True),
        ("Methylprednisolone", "methylprednisolone", False),
        ("méthylprednisolone", "methylprednisolone", False),
        ("Amoxicilline-acide clavulanique", "amoxicillin-clavulanic-acid", False),
        ("co-amoxiclav", "amoxicillin-clavulanic-acid", False),
        ("furosémide", "furosemide", False),
        ("Herceptin", "trastuzumab", False),
        ("Docétaxel", "docetaxel", False),
        ("docetaxol", "docetaxel", True),
        ("T-DM1", "trastuzumab-emtansine", False),
        ("ado-trastuzumab emtansine", "trastuzumab-emtansine", False),
        ("Kadcyla", "trastuzumab-emtansine", False),
        ("carboplatine", "carboplatin", False),
        ("5-FU", "fluorouracil", False),
    ],
)
def test_match(ref, written, drug_id, misspelled):
    match = ref.match(written)
    assert match is not None, written
    assert match.drug_id == drug_id
    assert match.misspelled is misspelled
    assert match.written == written
    assert (match.score == 1.0) is (not misspelled)


def test_match_reports_language(ref):
    assert ref.match("doxorubicine").language == "fr"
    assert ref.match("doxorubicin").language == "en"
    assert ref.match("trastuzumab").languages == ("en", "fr")
    assert ref.match("Doxurrobicine").matched_name == "doxorubicine"


@pytest.mark.parametrize(
    "word",
    [
        "mastite",
        "scanner",
        "patiente",
        "cycles",
        "traitement",
        "lymphangite",
        "Taxal",
        "",
        "   ",
        "12345",
    ],
)
def test_ordinary_words_match_nothing(ref, word):
    assert ref.match(word) is None


def test_furosemide_matches_only_furosemide(ref):
    assert ref.match("furosémide").drug_id == "furosemide"
    assert ref.match("furosemid").drug_id == "furosemide"


def test_daunorubicin_and_doxorubicin_are_never_confused(ref):
    assert ref.match("daunorubicine").drug_id == "daunorubicin"
    assert ref.match("daunorubicin").drug_id == "daunorubicin"
    assert ref.match("doxorubicin").drug_id == "doxorubicin"
    # One edit from each: matched to the nearer, the other offered as an alternative.
    near_doxo = ref.match("daxorubicin")
    assert near_doxo.drug_id == "doxorubicin" and near_doxo.alternatives == ("daunorubicin",)
    near_dauno = ref.match("dauxorubicin")
    assert near_dauno.drug_id == "daunorubicin" and near_dauno.alternatives == ("doxorubicin",)


def test_unlisted_look_alikes_are_not_read_as_listed_drugs(ref):
    for name in [
        "prednisolone",
        "prednisolon",
        "betamethasone",
        "cisplatine",
        "nab-paclitaxel",
    ]:
        assert ref.match(name) is None, name
    assert ref.is_unlisted_drug("Prednisolone")
    assert not ref.is_unlisted_drug("prednisone")


def test_trastuzumab_identities_stay_apart(ref):
    assert ref.match("trastuzumab").drug_id == "trastuzumab"
    assert ref.match("trastuzumab emtansine").drug_id == "trastuzumab-emtansine"
    assert ref.match("trastuzumab déruxtécan").drug_id == "trastuzumab-deruxtecan"
    found = ref.find_names("Relais par trastuzumab emtansine (T-DM1), pas de trastuzumab.")
    assert [m.drug_id for m, _ in found] == [
        "trastuzumab-emtansine",
        "trastuzumab-emtansine",
        "trastuzumab",
    ]


def test_find_names_splits_hyphenated_regimens_but_keeps_hyphenated_drugs(ref):
    text = "Doxurrobicine-Cyclophosphamide puis pipéracilline-tazobactam et nab-paclitaxel"
    found = ref.find_names(text)
    assert [m.drug_id for m, _ in found] == [
        "doxorubicin",
        "cyclophosphamide",
        "piperacillin-tazobactam",
    ]
    (first, span), *_ = found
    assert text[span[0] : span[1]] == "Doxurrobicine" and first.misspelled
    assert text[found[2][1][0] : found[2][1][1]] == "pipéracilline-tazobactam"


def test_normalize_name():
    assert normalize_name("Pipéracilline-Tazobactam®") == "piperacilline tazobactam"
    assert normalize_name("  T-DM1 ") == "t dm1"


def test_matching_is_fast_enough_on_a_long_text(ref):
    import random
    import time

    rng = random.Random(7)
    words = [
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 14)))
        for _ in range(20000)
    ]
    started = time.perf_counter()
    ref.find_names(" ".join(words))
    assert time.perf_counter() - started < 20


# --- strict loading ------------------------------------------------------------------------

GOOD = """\
schema_version: 1
sources:
  - id: label
    citation: "A label"
drugs:
  - id: alphamab
    names:
      en: [alphamab]
      fr: [alphamab]
    category: targeted
    vials: ["100 mg"]
    usual:
      - route: IV
        dose: {min: "6 mg/kg", max: "8 mg/kg"}
        frequencies: [every_3_weeks]
        sources: [label]
    sources: [label]
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "drugs.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(DataFileError) as caught:
        load_drug_reference(_write(tmp_path, text))
    return [str(p) for p in caught.value.problems]


def test_minimal_file_loads(tmp_path):
    ref = load_drug_reference(_write(tmp_path, GOOD))
    assert ref.get("alphamab").usual[0].minimum == Q(6, "mg/kg")
    assert ref.get("alphamab").vials_mg == (100.0,)


def test_bad_quantity_reports_file_line_and_path(tmp_path):
    path = _write(tmp_path, GOOD.replace('min: "6 mg/kg"', 'min: "6 mg/kg/day"'))
    with pytest.raises(DataFileError) as caught:
        load_drug_reference(path)
    (problem,) = caught.value.problems
    assert problem.file == str(path)
    assert problem.line == 14
    assert problem.path == "drugs[0].usual[0].dose.min"
    assert str(problem).startswith(
        f"{path}:14: drugs[0].usual[0].dose.min: '6 mg/kg/day' is not a dose quantity"
    )


def test_every_problem_is_collected(tmp_path):
    text = (
        GOOD.replace("category: targeted", "category: antibody\n    colour: blue")
        .replace("sources: [label]\n    sources", "sources: [lable]\n    sources")
        .replace("[every_3_weeks]", "[every_21_days]")
        .replace('max: "8 mg/kg"', 'max: "4 mg/kg"')
    )
    problems = _problems(tmp_path, text)
    joined = "\n".join(problems)
    assert "drugs[0].colour: unknown field" in joined
    assert "drugs[0].category: 'antibody' is not one of" in joined
    assert "drugs[0].usual[0].sources[0]: unknown source 'lable'" in joined
    assert (
        "drugs[0].usual[0].frequencies[0]: 'every_21_days' is not a canonical frequency id"
        in joined
    )
    assert "drugs[0].usual[0].dose: min (6 mg/kg) is more than max (4 mg/kg)" in joined
    assert all(p.count(":") >= 2 for p in problems)  # file:line: path: message


def test_duplicate_ids_and_names(tmp_path):
    more = """\
  - id: gammamab
    names:
      en: [ALPHAMAB, betamab, betamab]
    category: targeted
    sources: [label]
  - id: alphamab
    names:
      en: [deltamab]
    category: targeted
    sources: [label]
"""
    problems = "\n".join(_problems(tmp_path, GOOD + more))
    assert "drugs[1].names.en[0]: 'ALPHAMAB' is already a name of alphamab" in problems
    assert "drugs[1].names.en[2]: 'betamab' is listed twice" in problems
    assert "drugs[2].id: duplicate drug id 'alphamab'" in problems


def test_wrong_types_are_refused(tmp_path):
    text = GOOD.replace('vials: ["100 mg"]', "vials: [100]").replace(
        "category: targeted\n",
        "category: targeted\n    anthracycline_factor: {value: true, table: T, source: label}\n",
    )
    problems = "\n".join(_problems(tmp_path, text))
    assert "drugs[0].vials[0]: expected a quantity in quotes" in problems
    assert (
        "drugs[0].anthracycline_factor.value: expected a positive number or null, got True"
        in problems
    )


def test_schema_version_and_missing_sections(tmp_path):
    problems = "\n".join(_problems(tmp_path, "schema_version: 2\nsources: []\n"))
    assert "missing required field 'drugs'" in problems
    assert "schema_version: unsupported schema version 2" in problems


def test_vial_must_be_a_mass_and_bases_must_agree(tmp_path):
    text = GOOD.replace('vials: ["100 mg"]', 'vials: ["100 mg/m2", "100 mg", "0.1 g"]').replace(
        'max: "8 mg/kg"', 'max: "800 mg"'
    )
    problems = "\n".join(_problems(tmp_path, text))
    assert "drugs[0].vials[0]: a vial holds a mass" in problems
    assert "drugs[0].vials[2]: duplicate vial size '0.1 g'" in problems
    assert (
        "drugs[0].usual[0].dose: min and max are in different bases (weight and flat)" in problems
    )


def test_unlisted_name_may_not_be_a_listed_name(tmp_path):
    problems = "\n".join(_problems(tmp_path, GOOD + "unlisted_drugs: [Alphamab]\n"))
    assert "'Alphamab' is also a name of alphamab" in problems


def test_invalid_yaml_gives_a_line(tmp_path):
    path = _write(tmp_path, GOOD.replace("category: targeted", "category: [targeted"))
    with pytest.raises(DataFileError) as caught:
        load_drug_reference(path)
    assert caught.value.problems[0].line is not None
    assert "not valid YAML" in str(caught.value)


def test_combination_is_validated(tmp_path):
    text = GOOD.replace(
        "    vials:",
        "    combination: {components: [a, b], ratios: [[8]], dose_basis: sum}\n    vials:",
    )
    problems = "\n".join(_problems(tmp_path, text))
    assert "drugs[0].combination.ratios[0]: expected 2 positive numbers" in problems
    assert (
        "drugs[0].combination.dose_basis: 'sum' is not one of: total, first_component" in problems
    )


def test_cli_import_does_not_load_the_checker():
    code = "import sys, dosecalc.cli; print(sorted(m for m in sys.modules if m.startswith(('dosecalc.drugs', 'dosecalc.checker'))))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_frequency_parser_does_not_import_pint():
    code = "import sys, dosecalc.vocabulary; print('pint' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"
