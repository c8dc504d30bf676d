"""dosecalc verify: verdicts on worked examples, column synonyms, bad rows,
outputs, exit codes, planted errors, and the Dask engine against the local one.

Expected doses are worked out by hand from the labels and formulas:
docetaxel 75 mg/m² (Mosteller), trastuzumab 8 then 6 mg/kg (THP) or 4 then
2 mg/kg weekly (TCH), pertuzumab 840 then 420 mg, carboplatin AUC 6 by
Calvert with Cockcroft-Gault; standard policy: nearest 1 mg within 5%.
"""

from __future__ import annotations

import gc
import json
import math
import subprocess
import sys
from pathlib import Path

import locations
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import dosecalc.verify as verify_package
from dosecalc.cli import entry_point, main
from dosecalc.errors import InputError
from dosecalc.verify import verify_orders
from dosecalc.verify.batch import VERDICTS, VerifyOptions, verify_batch
from dosecalc.verify.summary import WORST_SHOWN

ROOT = locations.ROOT
EXAMPLE = ROOT / "examples" / "orders.csv"
HEADER = "patient_id,height_cm,weight_kg,sex,age,scr,regimen,phase,cycle,day,drug,dose,dose_unit,date,previous_date,modification"


def dosecalc(*args: str) -> tuple[int, str, str]:
    """Run ``dosecalc ARGS`` through main(): exit code, stdout, stderr."""
    with CliRunner().isolation() as (out, err, _):
        code = main(list(args))
    return code, out.getvalue().decode(), err.getvalue().decode()


def run(tmp_path: Path, text: str, *extra: str) -> tuple[int, list[dict]]:
    orders = tmp_path / "orders.csv"
    orders.write_text(text)
    out = tmp_path / "out.jsonl"
    code, _, err = dosecalc("verify", str(orders), "-o", str(out), *extra)
    assert code in (0, 1), err
    assert "Traceback" not in err and "internal" not in err, err
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    return code, rows


def hand_bsa(height_cm: float, weight_kg: float) -> float:
    return math.sqrt(height_cm * weight_kg / 3600)


# -- The documented example --------------------------------------------------------------

EXPECTED = [
    # drug, computed mg (by hand), verdict
    ("pertuzumab", 840, "ok"),
    ("trastuzumab", 8 * 62, "ok"),
    ("docetaxel", round(75 * hand_bsa(165, 62)), "ok"),  # 126.43 -> 126
    ("trastuzumab", 6 * 62, "ok"),  # cycle 2, 21 days after the first
    ("pertuzumab", 420, "unexpected loading"),  # 840 ordered 21 days after the first
    ("docetaxel", 126, "within tolerance"),  # 130 mg: +3.2%
    ("trastuzumab", 8 * 62, "re-load due"),  # 42 days, 21 late (> 7): 372 mg ordered
    ("docetaxel", round(75 * hand_bsa(165, 62) * 0.8), "ok"),  # -20%: 101.1 -> 101
    ("docetaxel", 126, "outside tolerance"),  # 150 mg: +19%
    # 90 umol/L = 1.018 mg/dL; CrCl (140-60) x 80 / (72 x 1.018) = 87.3; 6 x (87.3 + 25)
    ("carboplatin", round(6 * ((140 - 60) * 80 / (72 * (90 / 88.4)) + 25)), "ok"),
    ("trastuzumab", 4 * 80, "loading due"),  # the first TCH dose ordered as 160 mg
    ("docetaxel", round(75 * hand_bsa(170, 80)), "wrong basis or unit"),  # 1458 for 146
    ("trastuzumab", 2 * 80, "ok"),  # day 8
    ("cisplatin", None, "not in regimen"),
    ("docetaxel", None, "cannot verify"),  # height 65 in a cm column
]


def test_example_file_verdicts_and_doses(tmp_path):
    code, rows = run(tmp_path, EXAMPLE.read_text())
    assert [(r["drug"], r["verdict"]) for r in rows] == [(d, v) for d, _, v in EXPECTED]
    for row, (_, computed, _) in zip(rows, EXPECTED, strict=True):
        assert row["computed_mg"] == computed
    assert code == 1  # outside tolerance, wrong unit and loading errors


def test_example_differences_in_mg_and_percent(tmp_path):
    _, rows = run(tmp_path, EXAMPLE.read_text())
    within = rows[5]
    assert within["difference_mg"] == 4
    assert within["difference_pct"] == pytest.approx(4 / 126 * 100)
    assert "65 cm is outside the adult range" in rows[-1]["verdict_detail"]
    assert "42 days" in rows[6]["verdict_detail"]


def test_all_ok_exits_0_and_prints_the_summary(tmp_path):
    orders = tmp_path / "orders.csv"
    orders.write_text(
        HEADER + "\nA,165,62,F,40,,thp,THP,1,1,docetaxel,126,mg,2024-01-02,,\n"
        "A,165,62,F,40,,thp,THP,2,1,docetaxel,128,mg,2024-01-23,,\n"
    )
    code, out, err = dosecalc("verify", str(orders))
    assert code == 0, err
    assert "2 orders verified under policy standard" in out
    assert "within tolerance" in out


# -- Columns, units and synonyms ------------------------------------------------------


def test_synonyms_and_units_in_column_names_and_values(tmp_path):
    # 65 in = 165.1 cm, 136.7 lb = 62.006 kg: BSA 1.6863; 75 x 1.6863 = 126.47 -> 126
    text = (
        "Patient ID,Height (in),Weight_lb,Gender,Protocol,Phase,Cycle,Medication,Dose mg,Admin date\n"
        "A,65,136.7,female,THP,THP,1,docetaxel,126,2024-01-02\n"
    )
    _, rows = run(tmp_path, text)
    expected = round(75 * hand_bsa(65 * 2.54, 136.7 * 0.45359237))
    assert rows[0]["computed_mg"] == expected
    assert rows[0]["verdict"] == "ok"


def test_units_written_with_the_values(tmp_path):
    text = (
        "patient,height,weight,regimen,phase,cycle,drug,dose\n"
        "A,5 ft 5 in,62 kg,thp,THP,1,docetaxel,0.126 g\n"
        "B,1.65 m,62000 g,thp,THP,1,docetaxel,126 mg\n"
    )
    _, rows = run(tmp_path, text)
    assert [r["verdict"] for r in rows] == ["ok", "ok"]
    assert rows[0]["computed_mg"] == round(75 * hand_bsa(65 * 2.54, 62))


def test_ordered_per_unit_dose_on_the_drug_basis_and_on_another(tmp_path):
    text = (
        HEADER + "\nA,165,62,F,40,,thp,THP,1,1,docetaxel,75,mg/m2,2024-01-02,,\n"
        "A,165,62,F,40,,thp,THP,1,1,docetaxel,75,mg/kg,2024-01-02,,\n"
        "A,165,62,F,40,,thp,THP,1,1,docetaxel,75,mg,2024-01-02,,\n"
        "A,165,62,F,40,,thp,THP,1,1,docetaxel,126,g,2024-01-02,,\n"
    )
    _, rows = run(tmp_path, text)
    assert [r["verdict"] for r in rows] == [
        "ok",
        "wrong basis or unit",  # mg/kg for a drug dosed per m²
        "wrong basis or unit",  # the per-m² number written as mg
        "wrong basis or unit",  # 1000 times
    ]
    assert "about 1000 times" in rows[3]["verdict_detail"]


@pytest.mark.parametrize(
    ("height", "weight", "scr", "named"),
    [
        ("", "62", "", "height is missing"),
        ("165", "62000", "", "weight 62,000 kg is outside the adult range"),
        ("1.65", "62", "", "height 1.65 cm is outside the adult range"),
        ("165", "abc", "", "weight"),
        ("165", "62", "0.8", "serum creatinine needs a unit"),
        ("165", "62", "80 mmHg", "serum creatinine"),
        ("165", "-3", "", "more than zero"),
        ("165", "1e400", "", "weight"),
    ],
)
def test_implausible_or_missing_values_are_verdicts_naming_the_value(
    tmp_path, height, weight, scr, named
):
    text = (
        "patient,height_cm,weight_kg,sex,age,scr,regimen,phase,cycle,drug,dose,dose_unit\n"
        f"X,{height},{weight},F,50,{scr},tch,TCH,1,carboplatin,600,mg\n"
        "Y,165,62,F,40,0.8 mg/dL,thp,THP,1,docetaxel,126,mg\n"
    )
    _, rows = run(tmp_path, text)
    assert rows[0]["verdict"] == "cannot verify"
    assert named in rows[0]["verdict_detail"]
    assert rows[0]["computed_mg"] is None
    assert rows[1]["verdict"] == "ok"  # one bad row never stops the others


def test_missing_inputs_are_named(tmp_path):
    text = (
        HEADER + "\nA,165,62,,,,tch,TCH,1,1,carboplatin,600,mg,2024-01-02,,\n"
        "A,165,62,F,40,,nosuch,X,1,1,docetaxel,126,mg,2024-01-02,,\n"
        "A,165,62,F,40,,thp,THP,1,1,docetaxel,,mg,2024-01-02,,\n"
        "A,165,62,F,40,,thp,THP,1,1,docetaxel,126,mg,2024-13-45,,\n"
        "A,165,62,F,40,,thp,THP,1,1,docetaxel,126,mg,2024-01-02,,+10%\n"
        "A,165,62,F,40,,ac-th,AC,5,1,doxorubicin,100,mg,2024-01-02,,\n"
        "A,165,62,F,40,,tch,TCH,1,2,trastuzumab,124,mg,2024-01-02,,\n"
    )
    _, rows = run(tmp_path, text)
    verdicts = [(r["verdict"], r["verdict_detail"]) for r in rows]
    assert verdicts[0][0] == "cannot verify" and "needs --sex, --age, --scr" in verdicts[0][1]
    assert verdicts[1][0] == "cannot verify" and "no regimen 'nosuch'" in verdicts[1][1]
    assert verdicts[2] == ("cannot verify", "the ordered dose is missing")
    assert verdicts[3][0] == "cannot verify" and "not a date" in verdicts[3][1]
    assert verdicts[4][0] == "cannot verify" and "+10%" in verdicts[4][1]
    assert verdicts[5] == ("not in regimen", "ac-th AC has no cycle 5")
    assert verdicts[6][0] == "not in regimen" and "not day 2" in verdicts[6][1]


def test_a_file_without_a_required_column_is_one_clear_error(tmp_path):
    orders = tmp_path / "orders.csv"
    orders.write_text("patient,weight,regimen,drug,dose\nA,62,thp,docetaxel,126\n")
    code, _, err = dosecalc("verify", str(orders))
    assert code == 2
    assert err.startswith("Error: the order file has no column for height")
    assert len(err.strip().splitlines()) == 1


# -- Outputs ----------------------------------------------------------------------------


def test_csv_parquet_and_json_lines_carry_the_same_results(tmp_path):
    results = {}
    for suffix in ("csv", "parquet", "jsonl"):
        out = tmp_path / f"out.{suffix}"
        verify_orders(str(EXAMPLE), output=str(out))
        if suffix == "csv":
            table = pacsv.read_csv(out)
        elif suffix == "parquet":
            table = pq.read_table(out)
        else:
            table = pa.Table.from_pylist([json.loads(x) for x in out.read_text().splitlines()])
        results[suffix] = (
            table.column("verdict").to_pylist(),
            table.column("computed_mg").to_pylist(),
        )
        assert table.num_rows == 15
        assert "patient_id" in table.column_names  # the input columns are kept
    assert results["csv"] == results["parquet"] == results["jsonl"]


def test_parquet_input_in_small_chunks_gives_the_same_results(tmp_path):
    table = pacsv.read_csv(EXAMPLE, convert_options=pacsv.ConvertOptions(strings_can_be_null=True))
    source = tmp_path / "orders.parquet"
    pq.write_table(table, source, row_group_size=4)
    out = tmp_path / "out.parquet"
    verify_orders(str(source), output=str(out), chunk_rows=3)
    whole = tmp_path / "whole.parquet"
    verify_orders(str(EXAMPLE), output=str(whole))
    assert (
        pq.read_table(out).column("verdict").to_pylist()
        == pq.read_table(whole).column("verdict").to_pylist()
    )


def test_output_is_never_half_written(tmp_path):
    out = tmp_path / "out.csv"
    out.write_text("previous results\n")
    bad = tmp_path / "orders.csv"
    # Many good rows (written in earlier chunks), then a malformed line.
    good = "165,62,thp,THP,1,docetaxel,126 mg\n" * 5000
    bad.write_text("height,weight,regimen,phase,cycle,drug,dose\n" + good + "1,2,3\n")
    with pytest.raises(InputError, match="not a readable CSV file"):
        verify_orders(str(bad), output=str(out), chunk_rows=500)
    assert out.read_text() == "previous results\n"
    assert list(tmp_path.glob(".out.csv.*")) == []


# -- Planted errors -----------------------------------------------------------------------


def test_every_planted_error_is_found_and_nothing_else(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import make_orders
    finally:
        sys.path.pop(0)
    orders = tmp_path / "orders.csv"
    make_orders.write(str(orders), 3000, seed=7, error_share=0.1)
    out = tmp_path / "out.parquet"
    verify_orders(str(orders), output=str(out), chunk_rows=700)
    table = pq.read_table(out)
    expected = table.column("expected_verdict").to_pylist()
    found = table.column("verdict").to_pylist()
    # Every verdict verify can give is planted (or, "ok", left) somewhere.
    assert set(expected) >= set(VERDICTS)
    mismatches = [(i, e, f) for i, (e, f) in enumerate(zip(expected, found, strict=True)) if e != f]
    assert mismatches == []


# -- Engines and start-up ---------------------------------------------------------------


def test_the_batch_function_is_pure():
    table = pacsv.read_csv(
        EXAMPLE,
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in HEADER.split(",")}, strings_can_be_null=True
        ),
    )
    batch = table.to_batches()[0]
    first = verify_batch(batch, VerifyOptions())
    again = verify_batch(batch, VerifyOptions())
    assert first.equals(again)
    assert first.num_rows == batch.num_rows
    # Row by row equals the batch as a whole: no row depends on another.
    single = [verify_batch(batch.slice(i, 1), VerifyOptions()) for i in range(batch.num_rows)]
    assert (
        pa.Table.from_batches(single).column("verdict").to_pylist()
        == first.column("verdict").to_pylist()
    )


def test_dask_on_a_local_two_worker_cluster_matches_the_single_process(tmp_path):
    pytest.importorskip("distributed")
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import make_orders
    finally:
        sys.path.pop(0)
    orders = tmp_path / "orders.csv"
    make_orders.write(str(orders), 1500, seed=3, error_share=0.1)
    local, distributed = tmp_path / "local.parquet", tmp_path / "dask.parquet"
    a = verify_orders(str(orders), output=str(local))
    b = verify_orders(str(orders), output=str(distributed), engine="dask", chunk_rows=400)
    left, right = pq.read_table(local), pq.read_table(distributed)
    assert left.num_rows == right.num_rows == 1500
    for name in ("patient_id", "drug", "computed_mg", "dose_kind", "difference_mg", "verdict"):
        assert left.column(name).to_pylist() == right.column(name).to_pylist(), name
    assert a.by_verdict == b.by_verdict


def test_the_command_line_and_single_doses_do_not_load_the_batch_libraries():
    code = (
        "import sys; from dosecalc.cli import main; "
        "main(['dose', 'thp', '--height', '165', '--weight', '62']); "
        "assert 'pyarrow' not in sys.modules, 'pyarrow'; "
        "assert 'dosecalc.verify' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    code = "import sys, dosecalc.cli; assert 'numpy' not in sys.modules and 'pyarrow' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_each_order_gets_its_own_patient_when_one_drug_spans_several_cycles(tmp_path):
    # Later cycle first: trastuzumab 6 mg/kg for 43 kg (258 mg), then for 42 kg (252 mg).
    text = (
        "height_cm,weight_kg,regimen,phase,cycle,drug,dose,dose_unit\n"
        "145,43,ac-th,H,2,trastuzumab,258,mg\n"
        "145,42,ac-th,H,1,trastuzumab,252,mg\n"
    )
    _, rows = run(tmp_path, text)
    assert [(r["computed_mg"], r["verdict"]) for r in rows] == [(6 * 43, "ok"), (6 * 42, "ok")]


def test_verify_collects_garbage_cycles_while_it_runs(monkeypatch, tmp_path):
    # The dosecalc command pauses the cycle collector for a one-shot command's
    # start-up; verify, which may read ten million orders, must have it back on.
    collecting = []

    def fake(*args, **kwargs):
        collecting.append(gc.isenabled())
        raise SystemExit(0)

    monkeypatch.setattr(verify_package, "verify_orders", fake)
    monkeypatch.setattr(sys, "argv", ["dosecalc", "verify", str(tmp_path / "orders.csv")])
    gc.disable()
    try:
        with pytest.raises(SystemExit):
            entry_point()
    finally:
        gc.enable()
    assert collecting == [True]


def test_a_run_keeps_nothing_of_its_batches(tmp_path):
    """Memory flat in the number of orders: once a run is over, no Arrow buffer
    of any batch is still held (by the summary, the caches or the writer), and
    the summary keeps at most its ten worst deviations, however many batches."""
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "height_cm,weight_kg,regimen,phase,cycle,drug,dose\n"
        + "".join(f"165,62,thp,THP,1,docetaxel,{100 + i % 50} mg\n" for i in range(3000))
    )
    out = tmp_path / "out.csv"
    verify_orders(str(orders), output=str(out), chunk_rows=200)  # rules and caches loaded
    held = pa.total_allocated_bytes()
    summary = verify_orders(str(orders), output=str(out), chunk_rows=200)
    assert summary.orders == 3000
    assert pa.total_allocated_bytes() == held
    assert len(summary.worst) == WORST_SHOWN


def test_a_file_of_zeros_or_without_orders_is_refused(tmp_path):
    # Nothing verified is not a pass: exit 2 with one line, never "0 orders".
    zeros = tmp_path / "zeros.csv"
    zeros.write_bytes(b"\x00" * 5000)
    header_only = tmp_path / "header.csv"
    header_only.write_text("height,weight,regimen,drug,dose\n", encoding="utf-8")
    for path, words in ((zeros, "binary file"), (header_only, "holds no order")):
        runner = CliRunner()
        with runner.isolation() as (_out, err, _both):
            code = main(["verify", str(path)])
        assert code == 2
        message = err.getvalue().decode()
        assert len(message.strip().splitlines()) == 1 and words in message
