"""Every bound on a data-file field and on the work one input may cost, in one place.

A regimen, policy or drug reference file is checked against these ranges
when it is loaded, so a mistyped library file (``75 g/m2`` docetaxel, a BSA
cap of -1 m2, a cycle of a million weeks) is refused with its file, line and
field before it can reach a patient. Each range is wide enough for every
regimen and policy in use that we know of, and narrow enough that a value
outside it is a typing or unit slip; ``why`` says which, and is printed with
the problem. ``docs/safety.md`` lists them; ``tests/library/test_data_limits.py``
tries each end, just inside and just outside.

This module has no imports: the command line reads it at start-up.
"""

from __future__ import annotations

from typing import NamedTuple


class Bound(NamedTuple):
    """An inclusive range ``low``..``high`` in ``unit`` (the unit the loader
    converts the field to), and why it is drawn there."""

    low: float
    high: float
    unit: str
    why: str

    def contains(self, value: float) -> bool:
        # Written so that NaN, which compares false with everything, is outside.
        return self.low <= value <= self.high

    def show(self, value: float) -> str:
        """``value`` with the unit ("1.5 m²", "25%"), without a thousands
        comma so the text can be copied back into a file."""
        if self.unit == "AUC":  # carboplatin targets are written "AUC 6" (mg/mL·min)
            return f"AUC {_number(value)}"
        if not self.unit or self.unit == "%":
            return f"{_number(value)}{self.unit}"
        return f"{_number(value)} {self.unit}"

    def describe(self) -> str:
        """For a message: "between 1.5 and 3 m²"."""
        return f"between {self.show(self.low)} and {self.show(self.high)}"


def _number(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e6 or value != value else f"{value:.6g}"


# --- work ------------------------------------------------------------------------

#: Bytes read from any input file before it is refused. The largest shipped
#: file (drugs/drugs.yaml) is about 35 kB and a long clinical letter is tens of
#: kB; 1 MB is far above both, and small enough to read and parse in well
#: under a second. The free-text checker also stops at 200,000 characters.
MAX_FILE_BYTES = 1_000_000

#: YAML files listed in one --regimens or --policies folder. A library holds
#: tens of regimens; thousands of files means the wrong folder (a home
#: folder, a mount point), which would take minutes to parse.
MAX_FOLDER_FILES = 500


# --- policies (policies/*.yaml) -----------------------------------------------------

POLICY = {
    "bsa.cap": Bound(
        1.5,
        3.0,
        "m²",
        "caps in use are 2 to 2.2 m²; below 1.5 m² most adults would be capped, above 3 m² none",
    ),
    "bsa.decimals": Bound(
        1, 4, "", "whole m² would change a dose by up to a third; 2 decimals is usual"
    ),
    "carboplatin.gfr_cap": Bound(
        60.0,
        200.0,
        "mL/min",
        "the FDA cap is 125 mL/min; below 60 it would cap normal kidneys, above 200 it is not a cap",
    ),
    "carboplatin.minimum_scr": Bound(
        0.2,
        1.5,
        "mg/dL",
        "floors in use are 0.6 to 1 mg/dL; above 1.5 mg/dL a normal creatinine would be raised",
    ),
    "rounding.increment": Bound(
        0.1,
        100.0,
        "mg",
        "increments in use are 1 to 50 mg; 0 cannot round, over 100 mg is not a dose step",
    ),
    "rounding.small_increment": Bound(
        0.01,
        10.0,
        "mg",
        "used below 10 mg, where 0.1 mg is usual; 0 cannot round",
    ),
    "rounding.tolerance": Bound(
        0.0,
        25.0,
        "%",
        "guidelines allow 5 to 10% (HOPA); more than 25% is a different dose, not rounding",
    ),
    "weight_change": Bound(
        1.0,
        50.0,
        "%",
        "guidelines recalculate at a 5 to 10% change; at 0% every weighing alerts, above 50% none",
    ),
    "lvef_lower_limit": Bound(
        40.0,
        60.0,
        "%",
        "echocardiography laboratories set the lower limit of normal LVEF between about 50 and 55%;"
        " outside 40-60% the LVEF rules of the trastuzumab label lose their meaning",
    ),
    "reload.threshold": Bound(
        1.0,
        90.0,
        "days",
        "label rules are 1 week (trastuzumab) and 6 weeks (pertuzumab); over 90 days never re-loads",
    ),
    "reload.every": Bound(
        1.0, 366.0, "days", "a dosing interval, from daily to once a year, like a cycle"
    ),
    "anthracycline_warning.dose": Bound(
        100.0,
        1000.0,
        "mg/m²",
        "the doxorubicin label's first warning is at 300 mg/m²; it must stay below the limit",
    ),
    "anthracycline_limit.dose": Bound(
        100.0,
        1000.0,
        "mg/m²",
        "doxorubicin labels warn at 400 to 550 mg/m², epirubicin 900 mg/m²; 0 would stop every course",
    ),
}


# --- regimens (regimens/*.yaml) -----------------------------------------------------

#: A per-unit dose, by basis. The units are the loader's canonical ones.
DOSE_BY_BASIS = {
    "bsa": Bound(
        0.01,
        15000.0,
        "mg/m²",
        "from micrograms per m² up to high-dose methotrexate, 12 g/m²",
    ),
    "weight": Bound(
        0.001,
        100.0,
        "mg/kg",
        "from 1 mcg/kg (growth factors) up to 60 mg/kg cyclophosphamide conditioning",
    ),
    "flat": Bound(
        0.01,
        10000.0,
        "mg",
        "from 10 mcg up to 4.5 g piperacillin-tazobactam, the largest flat dose known",
    ),
    "auc": Bound(
        1.0,
        10.0,
        "AUC",
        "carboplatin targets run from AUC 2 weekly to AUC 7",
    ),
}

REGIMEN = {
    "max_dose": Bound(0.01, 10000.0, "mg", "a dose cap is a dose: 10 mcg to 10 g"),
    "cycle_length": Bound(
        1.0, 366.0, "days", "cycles run from daily to every 12 weeks; a year at most"
    ),
    "infusion": Bound(
        1.0,
        10080.0,
        "min",
        "from a 1-minute push to 7 days of continuous cytarabine (7+3)",
    ),
    "course_limit": Bound(
        1.0, 3653.0, "days", "adjuvant courses last 1 to 10 years at most (endocrine therapy)"
    ),
}

#: Fixed cycle counts, and cycle numbers a drug is limited to.
MAX_CYCLES = 100  # the longest fixed course is weekly for a year (52 cycles)

#: A regimen dose more than this many times above the drug reference's usual
#: maximum, or below its usual minimum, is a unit or typing slip (75 g/m2 for
#: 75 mg/m2, 750 for 75): refused. Escalations and reductions in protocols stay
#: within a factor of 2. A slip that lands closer (7.5 mg/m2 docetaxel is 1/8 of
#: the usual 60 mg/m2 minimum) is left to the per-field range and to review.
USUAL_DOSE_FACTOR = 10.0


# --- drug reference (drugs/drugs.yaml) ----------------------------------------------

#: An anthracycline's doxorubicin-equivalence factor.
ANTHRACYCLINE_FACTOR = Bound(
    0.1, 20.0, "", "Feijen 2019 ratios run from 0.6 (daunorubicin) to 10.5 (mitoxantrone)"
)
