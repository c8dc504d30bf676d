"""Named dosing policies: the institution's choices, kept apart from regimens.

A policy file (format: ``docs/regimen-format.md``, section Policies) names
every choice the sources disagree on: BSA formula, rounding and cap, dosing
weight, carboplatin GFR method and cap, dose rounding, the weight-change
threshold, re-load rules and the anthracycline lifetime limit. Every output
names the policy it used.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from . import datacache
from .errors import NotFoundError, UnitError
from .limits import POLICY
from .model import Policy, ReloadRule, Rounding, Source
from .paths import modified_ns, search_dirs, shipped_dir, yaml_files
from .units import parse_quantity
from .validation import (
    DECLARED,
    SOURCES,
    WRITTEN,
    Checker,
    Field,
    FieldPath,
    Reader,
    Section,
    describe_value,
    list_of,
    load_data_file,
    one_of,
    schema_version,
    section,
    text,
    within,
)

SCHEMA_VERSION = 1
ENV_VAR = "DOSECALC_POLICIES"
DEFAULT_POLICY = "standard"

BSA_FORMULAS = (
    "mosteller",
    "dubois",
    "haycock",
    "gehan-george",
    "boyd",
    "fujimoto",
    "takahira",
    "schlich",
)


def _percent(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> float | None:
    text = (
        str(value).strip()
        if isinstance(value, (str, int, float)) and not isinstance(value, bool)
        else ""
    )
    if not text.endswith("%"):
        c.problem(path, f"expected a percentage such as '5%', got {value!r}")
        return None
    try:
        number = float(text[:-1])
    except ValueError:
        c.problem(path, f"'{text}' is not a percentage")
        return None
    return number


def _quantity(dimension: str, unit: str) -> Reader:
    """A quantity with its unit, converted to ``unit`` and checked against
    its range in ``limits.POLICY`` (keyed by the field path without the drug
    of a re-load rule); None when absent, or with a problem recorded when it
    is missing a unit or out of range."""

    def read(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> float | None:
        if value is None:
            return None
        try:
            if not isinstance(value, str):
                raise UnitError(f"{value!r} has no unit")
            quantity = parse_quantity(value, dimension=dimension, what=path[-1])
            number = float(quantity.to(unit).magnitude)
        except UnitError as exc:
            c.problem(path, str(exc))
            return None
        return c.within(number, path, POLICY[_bound_key(path)], value)

    return read


def _bound_key(path: FieldPath) -> str:
    """``("reload", "trastuzumab", "threshold")`` -> ``"reload.threshold"``."""
    if path[0] == "reload":
        return f"reload.{path[-1]}"
    return ".".join(str(part) for part in path)


def _citation(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> str:
    """The citation of a source id the policy cites (it must declare it)."""
    sources: dict[str, Source] = got[DECLARED]
    if isinstance(value, (list, dict)):
        c.problem(path, f"expected a source id, got {describe_value(value)}")
        return ""
    c.cited(value, path, sources, required=True)
    return sources[value].citation if value in sources else ""


def _adjusted_weight_factor(
    c: Checker, value: Any, path: FieldPath, got: dict[str, Any]
) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
        c.problem(path, f"expected a number between 0 and 1, got {value!r}")
        return None
    return float(value)


def _decimals(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> int | None:
    if value is None:
        return None
    return c.within(c.integer(value, path), path, POLICY["bsa.decimals"])


KIDNEY_FUNCTION_METHODS = ("measured", "ckd-epi-2021", "cockcroft-gault")


def _kidney_function(
    c: Checker, value: Any, path: FieldPath, got: dict[str, Any]
) -> tuple[str, ...]:
    """The carboplatin kidney-function methods, in order of preference.

    An uncapped Cockcroft-Gault is refused: ADDIKD drops the 125 mL/min cap
    only for a measured GFR or a BSA-de-indexed CKD-EPI eGFR; the FDA and
    NCCN cap the estimated GFR (Cockcroft-Gault) at 125 mL/min.
    """
    items = [value] if isinstance(value, str) else c.sequence(value, path)
    methods: list[str] = []
    for k, item in enumerate(items):
        method = c.choice(
            item, path if isinstance(value, str) else (*path, k), KIDNEY_FUNCTION_METHODS
        )
        if method in methods:
            c.problem(path, f"'{method}' is listed twice")
        elif method:
            methods.append(method)
    if "cockcroft-gault" in methods and got[WRITTEN].get("gfr_cap") is None:
        c.problem(
            (*path[:-1], "gfr_cap"),
            "an uncapped Cockcroft-Gault is refused: ADDIKD drops the 125 mL/min cap only for a "
            "measured GFR or a BSA-de-indexed CKD-EPI eGFR; cap it, or use measured / ckd-epi-2021",
        )
    return tuple(methods)


def _drug_names(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> tuple[str, ...]:
    if value is None:
        return ()
    result: tuple[str, ...] = list_of(text)(c, value, path, got)
    return result


_DAYS = _quantity("[time]", "day")


def _threshold(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> float | None:
    if value is None:
        c.problem(path, "expected a duration such as '7 days', got nothing")
    days: float | None = _DAYS(c, value, path, got)
    return days


#: A re-load rule (``reload`` list): the drug, late_by or interval, the
#: threshold, and the dosing interval and companion drugs it is limited to.
_RELOAD_RULE = Section(
    Field("drug", text, required=True, default=None),
    Field("rule", one_of("late_by", "interval"), required=True, default=None),
    Field("threshold", _threshold, required=True, default=None),
    Field("every", _DAYS),
    Field("with", _drug_names, default=None),
    Field("without", _drug_names, default=None),
    Field("source", required=True),
)


def _reload_rules(
    c: Checker, value: Any, path: FieldPath, got: dict[str, Any]
) -> tuple[ReloadRule, ...]:
    """The ``reload`` list: one rule per drug, dosing interval and companions.

    Two rules that could both match the same administration are refused on
    load (same drug, same or unset interval, companion conditions that do
    not exclude each other), so the engine never has to guess between them.
    """
    if isinstance(value, dict):
        c.problem(
            path,
            "expected a list of re-load rules, each with drug, rule, threshold and source "
            "(and optionally every, with, without): see docs/regimen-format.md",
        )
        return ()
    rules: list[ReloadRule] = []
    for i, item in enumerate(c.sequence(value, path)):
        rule = _reload_rule(c, item, (*path, i), got, rules)
        if rule is not None:
            rules.append(rule)
    return tuple(rules)


def _reload_rule(
    c: Checker, item: Any, path: FieldPath, got: dict[str, Any], earlier: list[ReloadRule]
) -> ReloadRule | None:
    entry = _RELOAD_RULE.read(c, item, path, got)
    if entry is None:
        return None
    days, every = entry["threshold"], entry["every"]
    written = item
    for field, number in (("threshold", days), ("every", every)):
        if number is not None and abs(number - round(number)) > 1e-9:
            c.problem((*path, field), f"'{written.get(field)}' is not a whole number of days")
            days = None
    if set(entry["with"]) & set(entry["without"]):
        c.problem(path, "a drug cannot be both in 'with' and in 'without'")
    citation = _citation(c, entry["source"], (*path, "source"), got)
    # A rule whose threshold or interval was refused is not built: read
    # without its interval it would clash with the drug's other rules.
    refused_every = written.get("every") is not None and every is None
    if not (entry["drug"] and entry["rule"] and days is not None and not refused_every):
        return None
    rule = ReloadRule(
        entry["drug"],
        entry["rule"],
        int(round(days)),
        citation,
        every_days=None if every is None else int(round(every)),
        with_drugs=entry["with"],
        without_drugs=entry["without"],
    )
    for other in earlier:
        if _overlap(rule, other):
            c.problem(
                path,
                f"this rule ({rule.scope()}) and an earlier one ({other.scope()}) "
                "can both apply to the same dose: add 'every', 'with' or 'without' to separate them",
            )
    return rule


def _overlap(a: ReloadRule, b: ReloadRule) -> bool:
    """Whether some administration could match both rules."""
    if a.name != b.name:
        return False
    if a.every_days is not None and b.every_days is not None and a.every_days != b.every_days:
        return False
    return not (
        set(a.with_drugs) & set(b.without_drugs) or set(b.with_drugs) & set(a.without_drugs)
    )


_MG_M2 = _quantity("[mass] / [length] ** 2", "mg/m**2")

#: ``anthracycline_limit`` and ``anthracycline_warning``: a dose in mg/m²
#: doxorubicin equivalents and its source.
_ANTHRACYCLINE_DOSE = Section(Field("dose", _MG_M2, required=True), Field("source", required=True))


def _anthracycline_dose(
    c: Checker, value: Any, path: FieldPath, got: dict[str, Any], *, is_limit: bool
) -> tuple[float | None, str]:
    """The dose and the citation of ``anthracycline_limit`` or ``anthracycline_warning``."""
    entry = _ANTHRACYCLINE_DOSE.read(c, value, path, got, lenient=True) or {}
    written = value if isinstance(value, dict) else {}
    if is_limit and written and written.get("dose") is None:
        c.problem((*path, "dose"), "expected a dose such as '450 mg/m2', got nothing")
    citation = _citation(c, entry.get("source"), (*path, "source"), got) if written else ""
    return entry.get("dose"), citation


def _anthracycline_limit(
    c: Checker, value: Any, path: FieldPath, got: dict[str, Any]
) -> tuple[float | None, str]:
    """The lifetime limit of anthracycline doses."""
    return _anthracycline_dose(c, value, path, got, is_limit=True)


def _anthracycline_warning(
    c: Checker, value: Any, path: FieldPath, got: dict[str, Any]
) -> tuple[float | None, str]:
    """The lower warning dose, which must be below the lifetime limit."""
    dose, citation = _anthracycline_dose(c, value, path, got, is_limit=False)
    limit = got["anthracycline_limit"][0]
    if dose is not None and limit is not None and dose >= limit:
        c.problem((*path, "dose"), "the warning dose must be below the anthracycline_limit")
    return dose, citation


_MG = _quantity("[mass]", "mg")


def _increment(c: Checker, value: Any, path: FieldPath, got: dict[str, Any]) -> float | None:
    """A rounding step in mg: given, or left out for the default, never null."""
    if value is None:
        c.problem(path, "expected a dose step such as '1 mg', got nothing")
    step: float | None = _MG(c, value, path, got)
    return step


#: A policy file, field by field, in the order it is read (docs/regimen-format.md, Policies).
_POLICY = Section(
    Field("schema_version", schema_version(SCHEMA_VERSION), required=True, default=None),
    Field("sources", SOURCES, required=True, default=None),
    Field(
        "bsa",
        section(
            Section(
                Field("formula", one_of(*BSA_FORMULAS), required=True, default=None),
                Field("decimals", _decimals, required=True),
                Field("cap", _quantity("[length] ** 2", "m**2"), required=True),
            ),
            lenient=True,
        ),
        required=True,
        default=None,
    ),
    Field("dosing_weight", one_of("actual", "ideal", "adjusted"), required=True, default=None),
    Field("adjusted_weight_factor", _adjusted_weight_factor, default=0.4),
    Field(
        "carboplatin",
        section(
            Section(
                Field(
                    "crcl_weight",
                    one_of("actual", "ideal", "adjusted", "adjusted_if_bmi_25"),
                    required=True,
                    default=None,
                ),
                Field("minimum_scr", _quantity("[mass] / [length] ** 3", "mg/dL"), required=True),
                Field("gfr_cap", _quantity("[length] ** 3 / [time]", "mL/min"), required=True),
                Field("kidney_function", _kidney_function, required=True, default=None),
                Field("source", _citation),
            ),
            lenient=True,
        ),
        required=True,
        default=None,
    ),
    Field(
        "rounding",
        section(
            Section(
                Field("method", one_of("none", "increment", "vial"), required=True, default=None),
                # Defaults apply only to an absent field; a value that fails its
                # check leaves a problem and stops the load (an increment of 0 mg
                # is refused, never read as 1 mg).
                Field("increment", _increment, default="1 mg"),
                Field("small_increment", _increment, default="0.1 mg"),
                Field("tolerance", within(_percent, POLICY["rounding.tolerance"]), default="5%"),
            ),
            lenient=True,
        ),
        required=True,
        default=None,
    ),
    Field("weight_change", within(_percent, POLICY["weight_change"]), required=True, default=None),
    # The institutional lower limit of normal for LVEF (the Herceptin label's
    # "below the LLN and fallen by 10 points or more"); 50% when not given.
    Field("lvef_lower_limit", within(_percent, POLICY["lvef_lower_limit"]), default="50%"),
    Field("reload", _reload_rules, required=True, default=None),
    Field("anthracycline_limit", _anthracycline_limit, required=True, default=None),
    Field("anthracycline_warning", _anthracycline_warning),
    Field("non_working_days", one_of("flag", "next_working_day"), required=True, default=None),
    # How course limits apply (trastuzumab 52 weeks): by date, or by a count
    # of dose equivalents; by date when the file does not say (printed either way).
    Field("course_limit", one_of("by_date", "by_count"), default="by_date"),
    Field("id", text, required=True, default=None),
    Field("name", text, required=True, default=None),
    Field("description"),
)


def _read_policy(c: Checker, data: Any) -> Policy | None:
    """A Policy from a policy file's data, or None with every problem noted on ``c``."""
    top = _POLICY.read(c, data, ())
    if top is None:
        return None
    bsa, carboplatin, rounding = top["bsa"], top["carboplatin"], top["rounding"]
    if c.problems or None in (
        rounding["increment"],
        rounding["small_increment"],
        rounding["tolerance"],
    ):
        return None
    limit, limit_source = top["anthracycline_limit"]
    warning, warning_source = top["anthracycline_warning"] or (None, "")
    return Policy(
        id=top["id"] or "",
        name=top["name"] or "",
        bsa_formula=bsa["formula"] or "mosteller",
        bsa_decimals=bsa["decimals"],
        bsa_cap_m2=bsa["cap"],
        dosing_weight=top["dosing_weight"],
        adjusted_weight_factor=top["adjusted_weight_factor"],
        crcl_weight=carboplatin["crcl_weight"],
        minimum_scr_mg_dl=carboplatin["minimum_scr"],
        gfr_cap_ml_min=carboplatin["gfr_cap"],
        kidney_function=carboplatin["kidney_function"],
        kidney_source=carboplatin["source"] or "",
        rounding=Rounding(
            method=rounding["method"] or "none",
            increment_mg=rounding["increment"],
            small_increment_mg=rounding["small_increment"],
            tolerance_pct=rounding["tolerance"],
        ),
        weight_change_pct=top["weight_change"] or 0.0,
        reload_rules=top["reload"],
        anthracycline_limit_mg_m2=limit or 0.0,
        anthracycline_source=limit_source,
        anthracycline_warning_mg_m2=warning,
        anthracycline_warning_source=warning_source,
        non_working_days=top["non_working_days"],
        sources=tuple(top["sources"].values()),
        path=c.filename,
        course_limit=top["course_limit"] or "by_date",
        lvef_lower_limit_pct=top["lvef_lower_limit"] or 50.0,
    )


def load_policy_file(path: Path) -> Policy:
    """Load and validate one policy file; raises DataFileError listing every
    problem. The policy carries the SHA-256 of the file's bytes (provenance).
    Cached once valid (datacache)."""
    return datacache.load("policy", path, _read_policy_file, Policy)


def _read_policy_file(path: Path) -> Policy:
    import dataclasses
    import hashlib

    policy = load_data_file(path, _read_policy)
    return dataclasses.replace(policy, sha256=hashlib.sha256(Path(path).read_bytes()).hexdigest())


@lru_cache(maxsize=32)
def _cached(path: Path, mtime_ns: int) -> Policy:
    return load_policy_file(path)


def policy_files(extra_dirs: tuple[str, ...] = ()) -> list[Path]:
    found: dict[str, Path] = {}
    shipped = shipped_dir("policies")
    for folder in search_dirs("policies", extra_dirs, ENV_VAR):
        paths = yaml_files(folder, "policy")
        if paths is not None:
            for path in paths:
                found.setdefault(path.stem, path)
        elif folder != shipped:  # a user folder (option or DOSECALC_POLICIES)
            why = (
                "is a symbolic link that leads nowhere (broken, or a loop)"
                if folder.is_symlink()
                else ("is not a folder" if folder.exists() else "does not exist")
            )
            raise NotFoundError(f"policy folder '{folder}' {why}")
    return list(found.values())


def find_policy(name: str | None = None, extra_dirs: tuple[str, ...] = ()) -> Policy:
    """The policy named ``name`` (a file name without .yaml, or a path), default ``standard``."""
    name = name or DEFAULT_POLICY
    candidate = Path(name)
    if candidate.suffix in (".yaml", ".yml") and candidate.is_file():
        return _cached(candidate, modified_ns(candidate))
    files = policy_files(extra_dirs)
    for path in files:
        if path.stem == name:
            return _cached(path, modified_ns(path))
    raise NotFoundError(
        f"no policy '{name}' (known: {', '.join(p.stem for p in files)})", field="policy"
    )
