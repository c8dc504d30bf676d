"""Named dosing policies: the institution's choices, kept apart from regimens.

A policy file (format: ``docs/regimen-format.md``, section Policies) names
every choice the sources disagree on: BSA formula, rounding and cap, dosing
weight, carboplatin GFR method and cap, dose rounding, the weight-change
threshold, re-load rules and the anthracycline lifetime limit. Every output
names the policy it used.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import datacache
from .errors import NotFoundError, UnitError
from .limits import POLICY
from .model import Policy, ReloadRule, Rounding, Source
from .paths import modified_ns, search_dirs, shipped_dir, yaml_files
from .validation import Checker, load_data_file

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


def _percent(checker: Checker, value: Any, path: tuple[Any, ...]) -> float | None:
    text = (
        str(value).strip()
        if isinstance(value, (str, int, float)) and not isinstance(value, bool)
        else ""
    )
    if not text.endswith("%"):
        checker.problem(path, f"expected a percentage such as '5%', got {value!r}")
        return None
    try:
        number = float(text[:-1])
    except ValueError:
        checker.problem(path, f"'{text}' is not a percentage")
        return None
    return number


def _quantity(
    checker: Checker, value: Any, path: tuple[Any, ...], dimension: str, unit: str
) -> float | None:
    """The quantity at ``path`` in ``unit``, checked against its range in
    ``limits.POLICY`` (keyed by the field path without the drug of a re-load
    rule); None, with a problem recorded, when it is missing a unit or out of range."""
    from .units import parse_quantity

    if value is None:
        return None
    try:
        if not isinstance(value, str):
            raise UnitError(f"{value!r} has no unit")
        number = float(parse_quantity(value, dimension=dimension, what=path[-1]).to(unit).magnitude)
    except UnitError as exc:
        checker.problem(path, str(exc))
        return None
    return checker.within(number, path, POLICY[_bound_key(path)], value)


def _bound_key(path: tuple[Any, ...]) -> str:
    """``("reload", "trastuzumab", "threshold")`` -> ``"reload.threshold"``."""
    if path[0] == "reload":
        return f"reload.{path[-1]}"
    return ".".join(str(part) for part in path)


KIDNEY_FUNCTION_METHODS = ("measured", "ckd-epi-2021", "cockcroft-gault")


def _kidney_function(c: Checker, value: Any, gfr_cap: Any) -> tuple[str, ...]:
    """The carboplatin kidney-function methods, in order of preference.

    An uncapped Cockcroft-Gault is refused: ADDIKD drops the 125 mL/min cap
    only for a measured GFR or a BSA-de-indexed CKD-EPI eGFR; the FDA and
    NCCN cap the estimated GFR (Cockcroft-Gault) at 125 mL/min.
    """
    path = ("carboplatin", "kidney_function")
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
    if "cockcroft-gault" in methods and gfr_cap is None:
        c.problem(
            ("carboplatin", "gfr_cap"),
            "an uncapped Cockcroft-Gault is refused: ADDIKD drops the 125 mL/min cap only for a "
            "measured GFR or a BSA-de-indexed CKD-EPI eGFR; cap it, or use measured / ckd-epi-2021",
        )
    return tuple(methods)


def _drug_names(c: Checker, value: Any, path: tuple[Any, ...]) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(
        name for k, item in enumerate(c.sequence(value, path)) if (name := c.text(item, (*path, k)))
    )


def _reload_rules(
    c: Checker, value: Any, source_ref: Callable[[Any, tuple[Any, ...]], str]
) -> tuple[ReloadRule, ...]:
    """The ``reload`` list: one rule per drug, dosing interval and companions.

    Two rules that could both match the same administration are refused on
    load (same drug, same or unset interval, companion conditions that do
    not exclude each other), so the engine never has to guess between them.
    """
    if isinstance(value, dict):
        c.problem(
            ("reload",),
            "expected a list of re-load rules, each with drug, rule, threshold and source "
            "(and optionally every, with, without): see docs/regimen-format.md",
        )
        return ()
    rules: list[ReloadRule] = []
    for i, item in enumerate(c.sequence(value, ("reload",))):
        path = ("reload", i)
        entry = c.mapping(
            item,
            path,
            required={"drug", "rule", "threshold", "source"},
            optional={"every", "with", "without"},
        )
        if entry is None:
            continue
        drug = c.text(entry.get("drug"), (*path, "drug"))
        mode = c.choice(entry.get("rule"), (*path, "rule"), ("late_by", "interval"))
        if entry.get("threshold") is None:
            c.problem((*path, "threshold"), "expected a duration such as '7 days', got nothing")
        days = _quantity(c, entry.get("threshold"), (*path, "threshold"), "[time]", "day")
        every = _quantity(c, entry.get("every"), (*path, "every"), "[time]", "day")
        for field, value in (("threshold", days), ("every", every)):
            if value is not None and abs(value - round(value)) > 1e-9:
                c.problem((*path, field), f"'{entry.get(field)}' is not a whole number of days")
                days = None
        with_drugs = _drug_names(c, entry.get("with"), (*path, "with"))
        without_drugs = _drug_names(c, entry.get("without"), (*path, "without"))
        if set(with_drugs) & set(without_drugs):
            c.problem(path, "a drug cannot be both in 'with' and in 'without'")
        citation = source_ref(entry.get("source"), (*path, "source"))
        # A rule whose threshold or interval was refused is not built: read
        # without its interval it would clash with the drug's other rules.
        refused_every = entry.get("every") is not None and every is None
        if drug and mode and days is not None and not refused_every:
            rule = ReloadRule(
                drug,
                mode,  # type: ignore[arg-type]
                int(round(days)),
                citation,
                every_days=None if every is None else int(round(every)),
                with_drugs=with_drugs,
                without_drugs=without_drugs,
            )
            for other in rules:
                if _overlap(rule, other):
                    c.problem(
                        path,
                        f"this rule ({rule.scope()}) and an earlier one ({other.scope()}) "
                        "can both apply to the same dose: add 'every', 'with' or 'without' to separate them",
                    )
            rules.append(rule)
    return tuple(rules)


def _overlap(a: ReloadRule, b: ReloadRule) -> bool:
    """Whether some administration could match both rules."""
    if a.name != b.name:
        return False
    if a.every_days is not None and b.every_days is not None and a.every_days != b.every_days:
        return False
    return not (
        set(a.with_drugs) & set(b.without_drugs) or set(b.with_drugs) & set(a.without_drugs)
    )


def _read_policy(c: Checker, data: Any) -> Policy | None:
    top = c.mapping(
        data,
        (),
        required={
            "schema_version",
            "id",
            "name",
            "bsa",
            "dosing_weight",
            "carboplatin",
            "rounding",
            "weight_change",
            "reload",
            "anthracycline_limit",
            "non_working_days",
            "sources",
        },
        optional={"description", "adjusted_weight_factor", "anthracycline_warning", "course_limit"},
    )
    if top is None:
        return None
    if top.get("schema_version") != SCHEMA_VERSION:
        c.problem(
            ("schema_version",),
            f"unsupported schema version {top.get('schema_version')!r} (this dosecalc reads {SCHEMA_VERSION})",
        )
    sources: dict[str, Source] = {}
    for i, item in enumerate(c.sequence(top.get("sources"), ("sources",))):
        entry = c.mapping(item, ("sources", i), required={"id", "citation"}, optional={"url"})
        if entry and (sid := c.text(entry.get("id"), ("sources", i, "id"))):
            sources[sid] = Source(sid, str(entry.get("citation")), entry.get("url"))

    def source_ref(value: Any, path: tuple[Any, ...]) -> str:
        if value not in sources:
            c.problem(path, f"unknown source {value!r} (declare it under 'sources')")
            return ""
        return sources[value].citation

    bsa = (
        c.mapping(top.get("bsa"), ("bsa",), required={"formula", "decimals", "cap"}, optional=set())
        or {}
    )
    formula = c.choice(bsa.get("formula"), ("bsa", "formula"), BSA_FORMULAS)
    decimals = (
        None
        if bsa.get("decimals") is None
        else c.within(
            c.integer(bsa.get("decimals"), ("bsa", "decimals")),
            ("bsa", "decimals"),
            POLICY["bsa.decimals"],
        )
    )
    bsa_cap = _quantity(c, bsa.get("cap"), ("bsa", "cap"), "[length] ** 2", "m**2")
    dosing_weight = c.choice(
        top.get("dosing_weight"), ("dosing_weight",), ("actual", "ideal", "adjusted")
    )
    factor = top.get("adjusted_weight_factor", 0.4)
    if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not 0 < factor < 1:
        c.problem(("adjusted_weight_factor",), f"expected a number between 0 and 1, got {factor!r}")

    carbo = (
        c.mapping(
            top.get("carboplatin"),
            ("carboplatin",),
            required={"kidney_function", "crcl_weight", "minimum_scr", "gfr_cap"},
            optional={"source"},
        )
        or {}
    )
    crcl_weight = c.choice(
        carbo.get("crcl_weight"),
        ("carboplatin", "crcl_weight"),
        ("actual", "ideal", "adjusted", "adjusted_if_bmi_25"),
    )
    min_scr = _quantity(
        c,
        carbo.get("minimum_scr"),
        ("carboplatin", "minimum_scr"),
        "[mass] / [length] ** 3",
        "mg/dL",
    )
    gfr_cap = _quantity(
        c, carbo.get("gfr_cap"), ("carboplatin", "gfr_cap"), "[length] ** 3 / [time]", "mL/min"
    )
    kidney_function = _kidney_function(c, carbo.get("kidney_function"), carbo.get("gfr_cap"))
    kidney_source = (
        source_ref(carbo["source"], ("carboplatin", "source")) if "source" in carbo else ""
    )

    rnd = (
        c.mapping(
            top.get("rounding"),
            ("rounding",),
            required={"method"},
            optional={"increment", "small_increment", "tolerance"},
        )
        or {}
    )
    method = c.choice(rnd.get("method"), ("rounding", "method"), ("none", "increment", "vial"))
    # Defaults apply only to an absent field; a value that fails its check
    # leaves a problem and stops the load (an increment of 0 mg is refused,
    # never read as 1 mg).
    increment = _quantity(
        c, rnd.get("increment", "1 mg"), ("rounding", "increment"), "[mass]", "mg"
    )
    small_increment = _quantity(
        c, rnd.get("small_increment", "0.1 mg"), ("rounding", "small_increment"), "[mass]", "mg"
    )
    tolerance = c.within(
        _percent(c, rnd.get("tolerance", "5%"), ("rounding", "tolerance")),
        ("rounding", "tolerance"),
        POLICY["rounding.tolerance"],
        rnd.get("tolerance", "5%"),
    )
    weight_change = c.within(
        _percent(c, top.get("weight_change"), ("weight_change",)),
        ("weight_change",),
        POLICY["weight_change"],
        top.get("weight_change"),
    )

    reload_rules = _reload_rules(c, top.get("reload"), source_ref)

    anthra = (
        c.mapping(
            top.get("anthracycline_limit"),
            ("anthracycline_limit",),
            required={"dose", "source"},
            optional=set(),
        )
        or {}
    )
    limit = _quantity(
        c, anthra.get("dose"), ("anthracycline_limit", "dose"), "[mass] / [length] ** 2", "mg/m**2"
    )
    if anthra and anthra.get("dose") is None:
        c.problem(
            ("anthracycline_limit", "dose"), "expected a dose such as '450 mg/m2', got nothing"
        )
    limit_source = (
        source_ref(anthra.get("source"), ("anthracycline_limit", "source")) if anthra else ""
    )
    warning_mg_m2, warning_source = None, ""
    if "anthracycline_warning" in top:
        warning = (
            c.mapping(
                top["anthracycline_warning"],
                ("anthracycline_warning",),
                required={"dose", "source"},
                optional=set(),
            )
            or {}
        )
        warning_mg_m2 = _quantity(
            c,
            warning.get("dose"),
            ("anthracycline_warning", "dose"),
            "[mass] / [length] ** 2",
            "mg/m**2",
        )
        warning_source = (
            source_ref(warning.get("source"), ("anthracycline_warning", "source"))
            if warning
            else ""
        )
        if warning_mg_m2 is not None and limit is not None and warning_mg_m2 >= limit:
            c.problem(
                ("anthracycline_warning", "dose"),
                "the warning dose must be below the anthracycline_limit",
            )
    non_working = c.choice(
        top.get("non_working_days"), ("non_working_days",), ("flag", "next_working_day")
    )
    # How course limits apply (trastuzumab 52 weeks): by date, or by a count
    # of dose equivalents; by date when the file does not say (printed either way).
    course_limit = c.choice(
        top.get("course_limit", "by_date"), ("course_limit",), ("by_date", "by_count")
    )
    policy_id = c.text(top.get("id"), ("id",))
    name = c.text(top.get("name"), ("name",))
    if c.problems or increment is None or small_increment is None or tolerance is None:
        return None
    rounding = Rounding(
        method=method or "none",  # type: ignore[arg-type]
        increment_mg=increment,
        small_increment_mg=small_increment,
        tolerance_pct=tolerance,
    )
    return Policy(
        id=policy_id or "",
        name=name or "",
        bsa_formula=formula or "mosteller",
        bsa_decimals=decimals,
        bsa_cap_m2=bsa_cap,
        dosing_weight=dosing_weight,  # type: ignore[arg-type]
        adjusted_weight_factor=float(factor),
        crcl_weight=crcl_weight,  # type: ignore[arg-type]
        minimum_scr_mg_dl=min_scr,
        gfr_cap_ml_min=gfr_cap,
        kidney_function=kidney_function,
        kidney_source=kidney_source,
        rounding=rounding,
        weight_change_pct=weight_change or 0.0,
        reload_rules=reload_rules,
        anthracycline_limit_mg_m2=limit or 0.0,
        anthracycline_source=limit_source,
        anthracycline_warning_mg_m2=warning_mg_m2,
        anthracycline_warning_source=warning_source,
        non_working_days=non_working,  # type: ignore[arg-type]
        sources=tuple(sources.values()),
        path=c.filename,
        course_limit=course_limit or "by_date",  # type: ignore[arg-type]
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
