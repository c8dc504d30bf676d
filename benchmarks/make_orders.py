"""Generate a realistic order file for ``dosecalc verify``, with planted errors.

Usage:
  python benchmarks/make_orders.py ROWS -o orders.csv [--seed 1] [--errors 0.02]
  python benchmarks/make_orders.py 1000000 -o orders.parquet

Courses of the library's regimens (THP, AC-TH, ddAC-TH, TCH) are laid out
with the scalar engine's schedule (dates, phases, cycles, days, loading and
maintenance), for patients drawn from plausible adult distributions (a
pool of profiles: height, weight, sex, age, creatinine in mg/dL or
micromol/L). Every ordered dose is the dose the scalar engine computes for
that patient (``dosing.compute_dose``, standard policy), some with a
documented -20% reduction.

A share of rows (``--errors``, 2% by default) carries a planted error, of
every verdict kind verify can give: within and outside tolerance, 10-fold
and 1000-fold unit slips, a per-unit dose written as mg, a dose per kg for a
drug dosed per m², a missing loading dose, a missed re-load after a long
gap, an unexpected loading dose, a drug not in the regimen, an implausible
weight or a missing height. The column ``expected_verdict`` says what
verify must find on each row ("ok" on the others).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

REGIMENS = {"thp": 0.35, "ac-th": 0.25, "ddac-th": 0.15, "tch": 0.25}
POOL = 800  # distinct patient profiles; each course draws one
EPOCH = dt.date(1970, 1, 1)
REDUCTION_SHARE = 0.05  # of BSA-dosed rows, with a documented -20%
RELOAD_GAP_EXTRA = 40  # days added before the previous dose to force a re-load

PLANTS = (
    "within tolerance",
    "outside tolerance",
    "wrong basis or unit",
    "loading due",
    "re-load due",
    "unexpected loading",
    "not in regimen",
    "cannot verify",
)


def profiles(rng: np.random.Generator, count: int) -> dict[str, np.ndarray]:
    """Adults: heights and weights by sex (roughly national survey spreads),
    ages 28-82, creatinine 0.5-1.4 mg/dL."""
    female = rng.random(count) < 0.7
    height = np.where(female, rng.normal(163, 7, count), rng.normal(177, 7, count))
    weight = np.where(
        female, rng.lognormal(np.log(70), 0.2, count), rng.lognormal(np.log(84), 0.18, count)
    )
    scr = np.round(rng.uniform(0.5, 1.4, count), 2)
    umol = rng.random(count) < 0.4
    # Creatinine as laboratories report it: mg/dL (2 decimals) or micromol/L (whole).
    scr_text = np.where(
        umol,
        np.char.add(np.round(scr * 88.4).astype(int).astype(str), " umol/L"),
        np.char.add(scr.astype(str), " mg/dL"),
    )
    return {
        "female": female,
        "height": np.round(np.clip(height, 145, 200), 1),
        "weight": np.round(np.clip(weight, 42, 160), 1),
        "age": rng.integers(28, 83, count),
        "scr": scr_text,
    }


class Template:
    """One regimen's course as the scalar engine lays it out: one row per administration."""

    def __init__(self, name: str):
        from dosecalc.policy import find_policy
        from dosecalc.regimen import find_regimen
        from dosecalc.schedule import expand

        self.regimen = find_regimen(name)
        self.policy = find_policy("standard")
        start = dt.date(2000, 1, 3)
        schedule = expand(self.regimen, self.policy, start)
        last: dict[str, int] = {}
        rows = []
        for a in schedule.administrations:
            offset = (a.date - start).days
            rows.append((a, offset, last.get(a.drug, -1)))
            last[a.drug] = offset
        self.rows = rows
        self.offset = np.array([r[1] for r in rows])
        self.previous = np.array([r[2] for r in rows])

    def doses(self, pool: dict[str, np.ndarray], reduction: float) -> np.ndarray:
        """Final mg of every administration for every profile (scalar engine),
        shape (administrations, profiles); one value per distinct (entry, kind)."""
        from dosecalc.dosing import DosingContext, compute_dose
        from dosecalc.patient import make_patient

        table = np.zeros((len(self.rows), len(pool["height"])))
        cache: dict[tuple[int, str], np.ndarray] = {}
        for p in range(len(pool["height"])):
            patient = make_patient(
                f"{pool['height'][p]} cm",
                f"{pool['weight'][p]} kg",
                sex="female" if pool["female"][p] else "male",
                age=str(pool["age"][p]),
                scr=str(pool["scr"][p]),
            )
            contexts = {}
            for i, (a, _, _) in enumerate(self.rows):
                key = (id(a.entry), a.kind)
                if key not in cache:
                    cache[key] = np.zeros(len(pool["height"]))
                    cache[key][:] = np.nan
                if np.isnan(cache[key][p]):
                    red = reduction if a.entry.basis == "bsa" else 0.0
                    ctx = contexts.get((a.drug, red))
                    if ctx is None:
                        reductions = {a.drug: red} if red else {}
                        ctx = contexts[(a.drug, red)] = DosingContext.build(
                            patient, self.policy, reductions
                        )
                    line = compute_dose(
                        a.entry, a.step, a.kind, ctx, phase=a.phase, cycle=a.cycle, day=a.day
                    )
                    cache[key][p] = line.final_mg
                table[i] = cache[key]
        return table

    def other_kind(self, pool: dict[str, np.ndarray]) -> np.ndarray:
        """For loading drugs, the dose of the other kind (maintenance for a
        loading administration and the reverse); NaN otherwise."""
        from dosecalc.dosing import DosingContext, compute_dose
        from dosecalc.patient import make_patient

        table = np.full((len(self.rows), len(pool["height"])), np.nan)
        for p in range(len(pool["height"])):
            patient = make_patient(f"{pool['height'][p]} cm", f"{pool['weight'][p]} kg")
            ctx = DosingContext.build(patient, self.policy)
            done: dict[tuple[int, str], float] = {}
            for i, (a, _, _) in enumerate(self.rows):
                if not a.entry.has_loading:
                    continue
                other = "maintenance" if a.kind == "loading" else "loading"
                key = (id(a.entry), other)
                if key not in done:
                    step = a.entry.maintenance if other == "maintenance" else a.entry.loading
                    done[key] = compute_dose(
                        a.entry, step, other, ctx, phase=a.phase, cycle=1, day=1
                    ).final_mg
                table[i, p] = done[key]
        return table


def generate(rows: int, seed: int, error_share: float):
    """Yield pyarrow tables of about 500,000 rows until ``rows`` are made."""
    rng = np.random.default_rng(seed)
    pool = profiles(rng, min(POOL, max(50, rows // 20)))
    names = list(REGIMENS)
    templates = {name: Template(name) for name in names}
    full = {name: templates[name].doses(pool, 0.0) for name in names}
    reduced = {name: templates[name].doses(pool, 20.0) for name in names}
    other = {name: templates[name].other_kind(pool) for name in names}
    made = 0
    course_id = 0
    weights = np.array([REGIMENS[n] for n in names])
    while made < rows:
        want = min(500_000, rows - made)
        parts = []
        got = 0
        while got < want:
            name = names[rng.choice(len(names), p=weights / weights.sum())]
            t = templates[name]
            courses = max(1, (want - got) // (len(t.rows) * 2) // 2 + 1)
            parts.append(
                _courses(
                    rng, pool, t, full[name], reduced[name], other[name], courses, course_id, name
                )
            )
            course_id += courses
            got += parts[-1].num_rows
        table = pa.concat_tables(parts).slice(0, want)
        table = _plant(rng, table, error_share)
        made += table.num_rows
        yield table


def _courses(rng, pool, t, full, reduced, other, courses, first_id, name) -> pa.Table:
    """``courses`` courses of one regimen, each cut at a random point."""
    length = len(t.rows)
    index = np.tile(np.arange(length), courses)
    course = np.repeat(np.arange(courses), length)
    cut = rng.integers(max(1, length // 3), length + 1, courses)
    keep = index < cut[course]
    index, course = index[keep], course[keep]
    profile = rng.integers(0, len(pool["height"]), courses)[course]
    start = (dt.date(2022, 1, 3) - EPOCH).days + rng.integers(0, 3 * 365, courses)[course]
    bsa_row = np.array([a.entry.basis == "bsa" for a, _, _ in t.rows])[index]
    reduce = bsa_row & (rng.random(len(index)) < REDUCTION_SHARE)
    dose = np.where(reduce, reduced[index, profile], full[index, profile])
    previous = t.previous[index]
    a_rows = t.rows
    per_unit = np.array([a.step.per_unit for a, _, _ in a_rows])[index]
    scr = pool["scr"][profile]
    return pa.table(
        {
            "patient_id": pa.array(np.char.add("P", (first_id + course).astype(str))),
            "height_cm": pool["height"][profile],
            "weight_kg": pool["weight"][profile],
            "sex": np.where(pool["female"][profile], "F", "M"),
            "age": pool["age"][profile],
            "scr": scr,
            "regimen": np.full(len(index), name),
            "phase": np.array([a.phase for a, _, _ in a_rows])[index],
            "cycle": np.array([a.cycle for a, _, _ in a_rows])[index],
            "day": np.array([a.day for a, _, _ in a_rows])[index],
            "drug": np.array([a.drug for a, _, _ in a_rows])[index],
            "dose": dose,
            "dose_unit": np.full(len(index), "mg"),
            "date": pa.array((start + t.offset[index]).astype(np.int32), pa.date32()),
            "previous_date": pa.array(
                np.where(previous >= 0, start + previous, 0).astype(np.int32),
                pa.date32(),
                mask=previous < 0,
            ),
            "modification": pa.array(np.where(reduce, "-20%", ""), mask=~reduce),
            "expected_verdict": np.full(len(index), "ok"),
            # Helpers for planting, dropped before writing.
            "_kind": np.array([a.kind for a, _, _ in a_rows])[index],
            "_basis": np.array([a.entry.basis for a, _, _ in a_rows])[index],
            "_per_unit": per_unit * np.where(reduce, 0.8, 1.0),
            "_other": other[index, profile],
            "_reloadable": np.array([a.entry.has_loading for a, _, _ in a_rows])[index],
        }
    )


def _plant(rng: np.random.Generator, table: pa.Table, share: float) -> pa.Table:
    """Plant errors on ``share`` of the rows, one verdict kind each."""
    cols = {
        name: table.column(name).to_numpy(zero_copy_only=False).copy()
        for name in table.column_names
    }
    n = table.num_rows
    chosen = np.flatnonzero(rng.random(n) < share)
    kinds = rng.integers(0, len(PLANTS), len(chosen))
    height = cols["height_cm"].astype(float)
    weight = cols["weight_kg"].astype(float)
    dose = cols["dose"].astype(float)
    unit = cols["dose_unit"].astype(object)
    drug = cols["drug"].astype(object)
    previous = table.column("previous_date").to_numpy(zero_copy_only=False).copy()
    has_previous = ~table.column("previous_date").is_null().to_numpy(zero_copy_only=False)
    expected = cols["expected_verdict"].astype(object)
    height_missing = np.zeros(n, dtype=bool)
    for row, k in zip(chosen, kinds, strict=True):
        plant = PLANTS[k]
        kind, basis, loading_drug = (
            cols["_kind"][row],
            cols["_basis"][row],
            cols["_reloadable"][row],
        )
        if plant == "loading due" and not (kind == "loading" and not has_previous[row]):
            plant = "outside tolerance"
        if plant in ("re-load due", "unexpected loading") and not (
            loading_drug and kind == "maintenance" and has_previous[row]
        ):
            plant = "outside tolerance"
        if plant == "within tolerance":
            dose[row] = np.round(dose[row] * 1.03, 1)
        elif plant == "outside tolerance":
            dose[row] = np.round(
                dose[row] * (1.2 if rng.random() < 0.5 else 0.82), 0 if dose[row] >= 10 else 1
            )
        elif plant == "wrong basis or unit":
            slip = rng.integers(0, 4)
            if slip == 0:
                dose[row] = dose[row] * 10
            elif slip == 1:
                unit[row] = "g"
            elif slip == 2 and basis in ("bsa", "weight"):
                dose[row] = cols["_per_unit"][row]
            elif basis in ("bsa", "weight"):
                dose[row] = cols["_per_unit"][row]
                unit[row] = "mg/kg" if basis == "bsa" else "mg/m2"
            else:
                dose[row] = dose[row] / 10
        elif plant == "loading due":
            dose[row] = cols["_other"][row]
        elif plant == "re-load due":
            previous[row] = previous[row] - np.timedelta64(RELOAD_GAP_EXTRA, "D")
        elif plant == "unexpected loading":
            dose[row] = cols["_other"][row]
        elif plant == "not in regimen":
            drug[row] = "cisplatin"
        elif plant == "cannot verify":
            if rng.random() < 0.5:
                weight[row] = weight[row] * 1000  # grams in the kg column
            else:
                height_missing[row] = True
        expected[row] = plant
    out = {name: table.column(name) for name in table.column_names if not name.startswith("_")}
    out["height_cm"] = pa.array(height, mask=height_missing)
    out["weight_kg"] = pa.array(weight)
    out["dose"] = pa.array(dose)
    out["dose_unit"] = pa.array(unit, pa.string())
    out["drug"] = pa.array(drug, pa.string())
    out["previous_date"] = pa.array(previous, pa.date32(), mask=~has_previous)
    out["expected_verdict"] = pa.array(expected, pa.string())
    return pa.table(out)


def write(path: str, rows: int, seed: int = 1, error_share: float = 0.02) -> int:
    """Write ``rows`` orders to ``path`` (.csv or .parquet); returns the rows written."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    writer = None
    written = 0
    try:
        for table in generate(rows, seed, error_share):
            if writer is None:
                if Path(path).suffix == ".parquet":
                    writer = pq.ParquetWriter(path, table.schema)
                else:
                    writer = pacsv.CSVWriter(path, table.schema)
            writer.write_table(table)
            written += table.num_rows
    finally:
        if writer is not None:
            writer.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("rows", type=int)
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--errors", type=float, default=0.02)
    args = parser.parse_args()
    started = time.perf_counter()
    written = write(args.output, args.rows, args.seed, args.errors)
    print(
        f"{written:,} orders -> {args.output} ({time.perf_counter() - started:.1f} s)",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
