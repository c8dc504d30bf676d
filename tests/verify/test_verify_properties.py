"""verify's batch path against the scalar engine, on random orders (hypothesis).

For every computed dose, ``dosecalc verify`` and ``dosecalc dose`` (the
scalar engine: ``api.dose_course``, or ``compute_dose`` for a dose kind set
by dates) must agree to the rounding step; the tolerance boundary and the
re-load threshold must fall where the policy puts them, written out here
by hand from the policy's numbers.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dosecalc import api
from dosecalc.dosing import DosingContext, compute_dose
from dosecalc.patient import make_patient
from dosecalc.policy import find_policy
from dosecalc.regimen import find_regimen
from dosecalc.schedule import expand, reload_rule_for
from dosecalc.verify.batch import VerifyOptions, verify_batch

POLICIES = ("standard", "hopa-vial-10", "capped-bsa-no-gfr-cap")
REGIMENS = ("thp", "ac-th", "ddac-th", "tch")
START = dt.date(2024, 1, 1)


def _slots() -> list[tuple]:
    """Every administration of each regimen's nominal course (policy-independent
    slots; open phases shown to their default length), with the scheduled
    gap since the drug's previous dose (None for its first)."""
    slots = []
    standard = find_policy("standard")
    for name in REGIMENS:
        regimen = find_regimen(name)
        last: dict[str, dt.date] = {}
        for a in expand(regimen, standard, START).administrations:
            previous = last.get(a.drug)
            scheduled = (a.nominal_date - previous).days if previous else None
            slots.append((name, a.phase, a.cycle, a.day, a.drug, a.entry, scheduled))
            last[a.drug] = a.nominal_date
    return slots


SLOTS = _slots()


@st.composite
def orders(draw):
    slot = draw(st.sampled_from(SLOTS))
    female = draw(st.booleans())
    height = draw(st.floats(145, 205))
    weight = draw(st.floats(42, 170))
    # Keep BSA within the engine's adult range (1-3.2 m²).
    if (height * weight / 3600) ** 0.5 < 1.0:
        weight = 3600 / height + 1
    scr = draw(st.floats(0.4, 3.0))
    umol = draw(st.booleans())
    reduction = draw(st.sampled_from([0, 0, 0, 10, 20, 25, 33.3]))
    entry, scheduled = slot[5], slot[6]
    gap = None
    if entry.has_loading and scheduled is not None and draw(st.booleans()):
        gap = scheduled + draw(st.integers(-3, 30))
        gap = max(1, gap)
    return {
        "slot": slot,
        "female": female,
        "height": round(height, 1) if draw(st.booleans()) else height,
        "weight": round(weight, 1) if draw(st.booleans()) else weight,
        "age": draw(st.integers(18, 90)),
        "scr_text": f"{round(scr * 88.4)} umol/L" if umol else f"{scr!r} mg/dL",
        "reduction": reduction,
        "gap": gap,
        "deviation_pct": draw(st.floats(-12, 12)),
    }


def _batch(rows: list[dict], deviations: list[float | None]) -> pa.RecordBatch:
    columns: dict[str, list] = {
        k: []
        for k in (
            "height_cm weight_kg sex age scr regimen phase cycle day drug dose dose_unit "
            "date previous_date modification"
        ).split()
    }
    for row, ordered in zip(rows, deviations, strict=True):
        name, phase, cycle, day, drug, _, _ = row["slot"]
        date = START + dt.timedelta(days=400)
        columns["height_cm"].append(repr(row["height"]))
        columns["weight_kg"].append(repr(row["weight"]))
        columns["sex"].append("F" if row["female"] else "M")
        columns["age"].append(str(row["age"]))
        columns["scr"].append(row["scr_text"])
        columns["regimen"].append(name)
        columns["phase"].append(phase)
        columns["cycle"].append(str(cycle))
        columns["day"].append(str(day))
        columns["drug"].append(drug)
        columns["dose"].append(repr(ordered) if ordered is not None else "1")
        columns["dose_unit"].append("mg")
        columns["date"].append(date.isoformat() if row["gap"] is not None else None)
        columns["previous_date"].append(
            (date - dt.timedelta(days=row["gap"])).isoformat() if row["gap"] is not None else None
        )
        columns["modification"].append(f"-{row['reduction']}%" if row["reduction"] else None)
    return pa.RecordBatch.from_pydict({k: pa.array(v, pa.string()) for k, v in columns.items()})


def _expected_kind(row: dict, policy) -> str:
    """The kind due, by the policy's re-load rule written out by hand."""
    entry, scheduled = row["slot"][5], row["slot"][6]
    if not entry.has_loading:
        return "standard"
    if scheduled is None:
        return "loading"
    if row["gap"] is None:
        return "maintenance"
    # Which rule applies (drug, interval, companions) is the policy's choice;
    # where its threshold falls is written out here.
    rule = reload_rule_for(entry, policy)
    assert rule is not None
    if rule.mode == "late_by":  # Herceptin SmPC: more than N days late
        late = row["gap"] - scheduled > rule.threshold_days
    else:  # Perjeta PI: N days or more since the previous dose
        late = row["gap"] >= rule.threshold_days
    return "loading" if late else "maintenance"


def _engine_dose(row: dict, kind: str, policy_name: str) -> float:
    """The scalar engine's dose: ``dosecalc dose --cycle --phase`` when the
    schedule decides the kind, ``compute_dose`` when dates do."""
    name, phase, cycle, day, drug, entry, _ = row["slot"]
    patient_args = {
        "height": f"{row['height']!r} cm",
        "weight": f"{row['weight']!r} kg",
        "sex": "female" if row["female"] else "male",
        "age": str(row["age"]),
        "scr": row["scr_text"],
    }
    reduce = [f"{drug}={row['reduction']}%"] if row["reduction"] else []
    if row["gap"] is None:
        report = api.dose_course(
            name, policy=policy_name, phase=phase, cycle=cycle, reduce=reduce, **patient_args
        )
        # One line per drug and kind in a cycle (days with the same dose share it).
        (line,) = [x for x in report.lines if x.drug == drug and x.kind == kind]
        return line.final_mg
    policy = find_policy(policy_name)
    patient = make_patient(**patient_args)
    ctx = DosingContext.build(patient, policy, api.parse_reductions(reduce))
    step = {"loading": entry.loading, "maintenance": entry.maintenance}[kind]
    return compute_dose(
        entry,
        step,
        kind,
        ctx,
        phase=phase,
        cycle=cycle,
        day=day,
        vials_mg=api.drug_vials(drug, policy),
    ).final_mg


@pytest.mark.parametrize("policy_name", POLICIES)
@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(rows=st.lists(orders(), min_size=1, max_size=40))
def test_verify_agrees_with_the_scalar_engine_and_the_policy_boundaries(policy_name, rows):
    policy = find_policy(policy_name)
    kinds = [_expected_kind(row, policy) for row in rows]
    engine = [_engine_dose(row, kind, policy_name) for row, kind in zip(rows, kinds, strict=True)]
    ordered = [
        round(dose * (1 + row["deviation_pct"] / 100), 2)
        for dose, row in zip(engine, rows, strict=True)
    ]
    out = verify_batch(_batch(rows, ordered), VerifyOptions(policy_name))
    computed = out.column("computed_mg").to_pylist()
    verdicts = out.column("verdict").to_pylist()
    tolerance = policy.rounding.tolerance_pct
    for i, row in enumerate(rows):
        assert out.column("dose_kind")[i].as_py() == kinds[i], row
        # The same dose as the scalar engine (to the rounding step: here, exactly).
        assert computed[i] == pytest.approx(engine[i], rel=1e-12, abs=1e-9), row
        change = abs(ordered[i] - engine[i]) / engine[i] * 100
        entry = row["slot"][5]
        if entry.has_loading:
            continue  # the other kind's dose may be the one ordered: see the examples
        precision = 0.05 if engine[i] >= 1 else 0.005  # "ok": equal as printed
        if abs(change - tolerance) < 1e-6 or abs(abs(ordered[i] - engine[i]) - precision) < 1e-6:
            continue  # on a boundary itself: float noise in the ordered value
        if abs(ordered[i] - engine[i]) <= precision:
            assert verdicts[i] == "ok", row
        elif change <= tolerance:
            assert verdicts[i] == "within tolerance", row
        else:
            assert verdicts[i] in ("outside tolerance", "wrong basis or unit"), row


def test_the_tolerance_boundary_is_inclusive_as_the_policy_says():
    # Docetaxel 75 mg/m² for 165 cm, 62 kg: 126 mg (standard policy, 5%).
    # 126 x 1.05 = 132.3 is within; 132.31 is outside.
    row = {
        "slot": next(s for s in SLOTS if s[0] == "thp" and s[4] == "docetaxel"),
        "female": True,
        "height": 165.0,
        "weight": 62.0,
        "age": 40,
        "scr_text": "0.8 mg/dL",
        "reduction": 0,
        "gap": None,
    }
    out = verify_batch(_batch([row, row, row], [132.3, 132.31, 119.7]), VerifyOptions())
    assert out.column("verdict").to_pylist() == [
        "within tolerance",
        "outside tolerance",
        "within tolerance",
    ]


@pytest.mark.parametrize(
    ("regimen", "phase", "drug", "gap", "kind"),
    [
        # Trastuzumab every 3 weeks alone (AC-TH, H), Herceptin SmPC: re-load
        # when more than 7 days late.
        ("ac-th", "H", "trastuzumab", 28, "maintenance"),  # 7 days late
        ("ac-th", "H", "trastuzumab", 29, "loading"),  # 8 days late
        # Trastuzumab with pertuzumab (THP), Perjeta PI: 6 weeks or more.
        ("thp", "THP", "trastuzumab", 41, "maintenance"),
        ("thp", "THP", "trastuzumab", 42, "loading"),
        # Pertuzumab, Perjeta PI: re-load when 6 weeks or more have passed.
        ("thp", "THP", "pertuzumab", 41, "maintenance"),
        ("thp", "THP", "pertuzumab", 42, "loading"),
    ],
)
def test_the_reload_threshold_falls_where_the_labels_put_it(regimen, phase, drug, gap, kind):
    slot = next(
        s for s in SLOTS if s[0] == regimen and s[1] == phase and s[2] == 3 and s[4] == drug
    )
    row = {
        "slot": slot,
        "female": True,
        "height": 165.0,
        "weight": 62.0,
        "age": 40,
        "scr_text": "0.8 mg/dL",
        "reduction": 0,
        "gap": gap,
    }
    out = verify_batch(_batch([row], [None]), VerifyOptions())
    assert out.column("dose_kind").to_pylist() == [kind]
