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

from .errors import NotFoundError, UnitError
from .model import Policy, ReloadRule, Rounding, Source
from .paths import search_dirs, shipped_dir
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
    if not 0 <= number <= 100:
        checker.problem(path, f"{text} is not between 0% and 100%")
        return None
    return number


def _quantity(
    checker: Checker, value: Any, path: tuple[Any, ...], dimension: str, unit: str
) -> float | None:
    from .units import parse_quantity

    if value is None:
        return None
    try:
        if not isinstance(value, str):
            raise UnitError(f"{value!r} has no unit")
        return float(parse_quantity(value, dimension=dimension, what=path[-1]).to(unit).magnitude)
    except UnitError as exc:
        checker.problem(path, str(exc))
        return None


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
        optional={"description", "adjusted_weight_factor", "lvef_lower_limit"},
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
        else c.integer(bsa.get("decimals"), ("bsa", "decimals"), 0, 4)
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
            required={"crcl_weight", "minimum_scr", "gfr_cap"},
            optional=set(),
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
    rounding = Rounding(
        method=method or "none",  # type: ignore[arg-type]
        increment_mg=_quantity(
            c, rnd.get("increment", "1 mg"), ("rounding", "increment"), "[mass]", "mg"
        )
        or 1.0,
        small_increment_mg=_quantity(
            c, rnd.get("small_increment", "0.1 mg"), ("rounding", "small_increment"), "[mass]", "mg"
        )
        or 0.1,
        tolerance_pct=_percent(c, rnd.get("tolerance", "5%"), ("rounding", "tolerance")) or 0.0,
    )
    weight_change = _percent(c, top.get("weight_change"), ("weight_change",))
    lvef_limit = _percent(c, top.get("lvef_lower_limit", "50%"), ("lvef_lower_limit",))

    reload_rules: dict[str, ReloadRule] = {}
    reload_map = top.get("reload")
    if not isinstance(reload_map, dict):
        c.problem(("reload",), "expected a mapping of drug to re-load rule")
        reload_map = {}
    for drug, item in reload_map.items():
        path = ("reload", drug)
        entry = c.mapping(item, path, required={"rule", "threshold", "source"}, optional=set())
        if entry is None:
            continue
        mode = c.choice(entry.get("rule"), (*path, "rule"), ("late_by", "interval"))
        days = _quantity(c, entry.get("threshold"), (*path, "threshold"), "[time]", "day")
        citation = source_ref(entry.get("source"), (*path, "source"))
        if mode and days is not None:
            reload_rules[str(drug)] = ReloadRule(str(drug), mode, int(round(days)), citation)  # type: ignore[arg-type]

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
    limit_source = (
        source_ref(anthra.get("source"), ("anthracycline_limit", "source")) if anthra else ""
    )
    non_working = c.choice(
        top.get("non_working_days"), ("non_working_days",), ("flag", "next_working_day")
    )
    policy_id = c.text(top.get("id"), ("id",))
    name = c.text(top.get("name"), ("name",))
    if c.problems:
        return None
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
        rounding=rounding,
        weight_change_pct=weight_change or 0.0,
        reload_rules=reload_rules,
        anthracycline_limit_mg_m2=limit or 0.0,
        anthracycline_source=limit_source,
        non_working_days=non_working,  # type: ignore[arg-type]
        sources=tuple(sources.values()),
        path=c.filename,
        lvef_lower_limit_pct=lvef_limit or 50.0,
    )


def load_policy_file(path: Path) -> Policy:
    """Load and validate one policy file; raises DataFileError listing every problem."""
    return load_data_file(path, _read_policy)


@lru_cache(maxsize=32)
def _cached(path: Path, mtime_ns: int) -> Policy:
    return load_policy_file(path)


def policy_files(extra_dirs: tuple[str, ...] = ()) -> list[Path]:
    found: dict[str, Path] = {}
    shipped = shipped_dir("policies")
    for folder in search_dirs("policies", extra_dirs, ENV_VAR):
        if folder.is_dir():
            for path in sorted(folder.glob("*.yaml")):
                found.setdefault(path.stem, path)
        elif folder != shipped:  # a user folder (option or DOSECALC_POLICIES)
            raise NotFoundError(f"policy folder '{folder}' does not exist")
    return list(found.values())


def find_policy(name: str | None = None, extra_dirs: tuple[str, ...] = ()) -> Policy:
    """The policy named ``name`` (a file name without .yaml, or a path), default ``standard``."""
    name = name or DEFAULT_POLICY
    candidate = Path(name)
    if candidate.suffix in (".yaml", ".yml") and candidate.is_file():
        return _cached(candidate, candidate.stat().st_mtime_ns)
    files = policy_files(extra_dirs)
    for path in files:
        if path.stem == name:
            return _cached(path, path.stat().st_mtime_ns)
    raise NotFoundError(f"no policy '{name}' (known: {', '.join(p.stem for p in files)})")
