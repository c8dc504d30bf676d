"""Patient metrics: body surface area, body-weight descriptors, renal function.

Plain functions of floats in fixed units (height in cm, weight in kg, serum
creatinine in mg/dL), each citing its source. Units are checked and
converted before these are called (``dosecalc.patient``), so the formulas
read as they are printed in the papers.
"""

from __future__ import annotations

import math

# -- Body surface area (m²), height in cm, weight in kg ------------------------


def bsa_mosteller(height_cm: float, weight_kg: float) -> float:
    """Mosteller RD. N Engl J Med 1987;317:1098."""
    return math.sqrt(height_cm * weight_kg / 3600)


def bsa_dubois(height_cm: float, weight_kg: float) -> float:
    """Du Bois D, Du Bois EF. Arch Intern Med 1916;17:863-71."""
    return 0.007184 * weight_kg**0.425 * height_cm**0.725


def bsa_haycock(height_cm: float, weight_kg: float) -> float:
    """Haycock GB et al. J Pediatr 1978;93:62-6."""
    return 0.024265 * weight_kg**0.5378 * height_cm**0.3964


def bsa_gehan_george(height_cm: float, weight_kg: float) -> float:
    """Gehan EA, George SL. Cancer Chemother Rep 1970;54:225-35."""
    return 0.0235 * weight_kg**0.51456 * height_cm**0.42246


def bsa_boyd(height_cm: float, weight_kg: float) -> float:
    """Boyd E. The Growth of the Surface Area of the Human Body, 1935.

    Boyd's formula takes weight in grams and a base-10 logarithm; kg in the
    grams slot (0.026 m²) or a natural log (0.47 m²) are known public bugs.
    """
    grams = weight_kg * 1000
    return 0.0003207 * height_cm**0.3 * grams ** (0.7285 - 0.0188 * math.log10(grams))


def bsa_fujimoto(height_cm: float, weight_kg: float) -> float:
    """Fujimoto S et al. Nippon Eiseigaku Zasshi 1968;5:443-50."""
    return 0.008883 * weight_kg**0.444 * height_cm**0.663


def bsa_takahira(height_cm: float, weight_kg: float) -> float:
    """Takahira 1925, coefficients as tabulated by Redlarski et al., Sci Rep 2016."""
    return 0.007241 * weight_kg**0.425 * height_cm**0.725


def bsa_schlich(height_cm: float, weight_kg: float, sex: str) -> float:
    """Schlich E et al. Ernährungs Umschau 2010;57:178-83 (sex-specific power forms)."""
    if sex == "female":
        return 0.000975482 * weight_kg**0.46 * height_cm**1.08
    return 0.000579479 * weight_kg**0.38 * height_cm**1.24


#: BSA formulas by their policy name, and the expression printed with a result.
BSA_FORMULAS = {
    "mosteller": (bsa_mosteller, "√(height cm × weight kg / 3600)"),
    "dubois": (bsa_dubois, "0.007184 × weight kg^0.425 × height cm^0.725"),
    "haycock": (bsa_haycock, "0.024265 × weight kg^0.5378 × height cm^0.3964"),
    "gehan-george": (bsa_gehan_george, "0.0235 × weight kg^0.51456 × height cm^0.42246"),
    "boyd": (bsa_boyd, "0.0003207 × height cm^0.3 × weight g^(0.7285 − 0.0188 × log10 weight g)"),
    "fujimoto": (bsa_fujimoto, "0.008883 × weight kg^0.444 × height cm^0.663"),
    "takahira": (bsa_takahira, "0.007241 × weight kg^0.425 × height cm^0.725"),
    "schlich": (
        bsa_schlich,
        "female 0.000975482 × W^0.46 × H^1.08; male 0.000579479 × W^0.38 × H^1.24",
    ),
}


def bmi(height_cm: float, weight_kg: float) -> float:
    """Body mass index, kg/m²."""
    return weight_kg / (height_cm / 100) ** 2


def ideal_body_weight(height_cm: float, sex: str) -> float:
    """Devine BJ. Drug Intell Clin Pharm 1974;8:650-5: 50 kg (male) or 45.5 kg
    (female) + 2.3 kg per inch over 60 inches.

    Below 60 in the formula is extrapolated (it gives less than the base
    weight); callers note this when it happens.
    """
    base = 50.0 if sex == "male" else 45.5
    return base + 2.3 * (height_cm / 2.54 - 60)


def adjusted_body_weight(ideal_kg: float, actual_kg: float, factor: float = 0.4) -> float:
    """IBW + factor × (TBW − IBW); factor 0.4 as in the NCCN carboplatin
    template (Appendix B), after Traynor AM et al. 1995."""
    return ideal_kg + factor * (actual_kg - ideal_kg)


def cockcroft_gault(age_years: float, weight_kg: float, scr_mg_dl: float, sex: str) -> float:
    """Creatinine clearance, mL/min: (140 − age) × weight / (72 × SCr), × 0.85
    if female (Cockcroft DW, Gault MH. Nephron 1976;16:31-41)."""
    clearance = (140 - age_years) * weight_kg / (72 * scr_mg_dl)
    return clearance * 0.85 if sex == "female" else clearance


def ckd_epi_2021(age_years: float, scr_mg_dl: float, sex: str) -> float:
    """Race-free CKD-EPI 2021 creatinine eGFR, mL/min/1.73 m² (indexed):
    142 × min(SCr/κ, 1)^α × max(SCr/κ, 1)^−1.200 × 0.9938^age × 1.012 if female;
    κ 0.7 (female) or 0.9 (male), α −0.241 (female) or −0.302 (male); SCr
    IDMS-standardised, mg/dL (Inker LA et al. N Engl J Med 2021;385:1737-49,
    as given by the National Kidney Foundation)."""
    female = sex == "female"
    kappa = 0.7 if female else 0.9
    alpha = -0.241 if female else -0.302
    ratio = scr_mg_dl / kappa
    egfr = 142 * min(ratio, 1) ** alpha * max(ratio, 1) ** -1.200 * 0.9938**age_years
    return egfr * 1.012 if female else egfr


def deindex_gfr(indexed_ml_min_173: float, bsa_m2: float) -> float:
    """An indexed GFR (mL/min/1.73 m²) for this body: × BSA / 1.73, mL/min,
    as the Calvert formula expects (ADDIKD: BSA-adjusted eGFR)."""
    return indexed_ml_min_173 * bsa_m2 / 1.73


def calvert(auc_mg_ml_min: float, gfr_ml_min: float) -> float:
    """Carboplatin total dose, mg: AUC × (GFR + 25) (Calvert AH et al. J Clin
    Oncol 1989;7:1748-56). The dose is in mg, not mg/m²."""
    return auc_mg_ml_min * (gfr_ml_min + 25)


#: Serum creatinine: 1 mg/dL = 88.4 micromol/L (National Kidney Foundation).
CREATININE_UMOL_PER_MG_DL = 88.4
