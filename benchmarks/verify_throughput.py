"""Throughput and memory of ``dosecalc verify``, as ratios measured in one run.

Usage:
  python benchmarks/verify_throughput.py [--sizes 10000,1000000] [--memory 100000,1000000]
                                         [--e2e 1000000] [--dask 1000000] [--dir DIR]

Reports:
  (a) compute: the batch engine's dose arithmetic (BSA x dose, modification,
      cap, rounding within tolerance) on arrays, and the whole batch function
      (reading the columns, slots, verdicts) on an in-memory batch, each as a
      ratio to plain numpy doing Mosteller BSA x dose x rounding on the same
      arrays (goal for the arithmetic: <= 1.5);
  (b) end to end for --e2e orders (CSV in, CSV out) as a ratio to reading and
      writing the same file with the same library (pyarrow; goal <= 3);
  (c) orders per second end to end at each of --sizes;
  (d) peak memory (max RSS of a fresh process) at each of --memory;
  (e) the same run on a local two-worker Dask cluster against one process.

Order files come from benchmarks/make_orders.py (made once into --dir and
reused). Medians of a few runs on a noisy machine: compare ratios, not times.
Nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def orders_file(folder: Path, rows: int, suffix: str = "csv") -> Path:
    path = folder / f"orders-{rows}.{suffix}"
    if not path.exists():
        sys.path.insert(0, str(HERE))
        import make_orders

        started = time.perf_counter()
        make_orders.write(str(path), rows)
        print(f"  made {path.name} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return path


def median_time(function, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def compute_ratio(rows: int) -> None:
    """(a): the arithmetic kernel and the whole batch function against plain numpy."""
    import numpy as np
    import pyarrow as pa

    from dosecalc.policy import find_policy
    from dosecalc.regimen import find_regimen
    from dosecalc.verify.arith import Patients, final_mg
    from dosecalc.verify.batch import VerifyOptions, verify_batch

    rng = np.random.default_rng(1)
    height = np.round(rng.uniform(145, 200, rows), 1)
    weight = np.round(rng.uniform(45, 140, rows), 1)
    reduction = np.zeros(rows)
    policy = find_policy("standard")
    entry = next(e for e in find_regimen("thp").phases[0].drugs if e.drug == "docetaxel")
    step = entry.standard
    patients = Patients(
        height, weight, np.ones(rows, dtype=np.int8), np.full(rows, 50.0), np.full(rows, 0.8)
    )

    def plain_numpy() -> None:
        mg = 75.0 * np.sqrt(height * weight / 3600)
        increment = np.where(mg < 10, 0.1, 1.0)
        rounded = np.floor(mg / increment + 0.5) * increment
        np.where(np.abs(rounded - mg) / mg * 100 > 5, mg, rounded)

    def kernel() -> None:
        final_mg(entry, step, policy, patients, reduction)

    batch = pa.RecordBatch.from_pydict(
        {
            "height_cm": height,
            "weight_kg": weight,
            "regimen": pa.array(["thp"] * rows).dictionary_encode(),
            "phase": pa.array(["THP"] * rows).dictionary_encode(),
            "cycle": np.ones(rows, dtype=np.int64),
            "day": np.ones(rows, dtype=np.int64),
            "drug": pa.array(["docetaxel"] * rows).dictionary_encode(),
            "dose_mg": np.round(75.0 * np.sqrt(height * weight / 3600)),
        }
    )
    options = VerifyOptions()
    verify_batch(batch.slice(0, 10), options)  # load the regimen and policy once

    def whole() -> None:
        verify_batch(batch, options)

    # Interleaved, so that a busy machine slows each alike.
    rounds = [(median_time(plain_numpy, 1), median_time(kernel, 1)) for _ in range(21)]
    reference = statistics.median(r for r, _ in rounds)
    arithmetic = statistics.median(k for _, k in rounds)
    batch_time = median_time(whole, 5)
    print(f"(a) compute on {rows:,} docetaxel orders (75 mg/m², standard policy):")
    print(f"    plain numpy BSA x dose x rounding   {reference * 1e3:8.1f} ms")
    print(
        f"    batch arithmetic (arith.final_mg)   {arithmetic * 1e3:8.1f} ms   ratio {arithmetic / reference:.2f}"
    )
    print(
        f"    whole batch function (verify_batch) {batch_time * 1e3:8.1f} ms   ratio {batch_time / reference:.2f}"
    )


def end_to_end(path: Path, engine: str = "local") -> float:
    from dosecalc.verify import verify_orders

    out = path.with_name(f"out-{engine}-{path.name}")
    started = time.perf_counter()
    verify_orders(str(path), output=str(out), engine=engine)
    elapsed = time.perf_counter() - started
    out.unlink()
    return elapsed


def read_write(path: Path) -> float:
    """Stream the same CSV through pyarrow, all columns as text, and write it back."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    out = path.with_name(f"copy-{path.name}")
    started = time.perf_counter()
    names = path.open().readline().strip().split(",")
    reader = pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(block_size=200_000 * 128),
        convert_options=pacsv.ConvertOptions(
            column_types={n.strip('"'): pa.string() for n in names}, strings_can_be_null=True
        ),
    )
    with pacsv.CSVWriter(out, reader.schema) as writer:
        for batch in reader:
            writer.write_batch(batch)
    elapsed = time.perf_counter() - started
    out.unlink()
    return elapsed


def peak_memory_mb(path: Path) -> float:
    """Max RSS of a fresh ``dosecalc verify`` process (MB)."""
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent
    # through fork and exec, so a child would report the benchmark's own peak.
    code = (
        "from dosecalc.verify import verify_orders; "
        f"verify_orders({str(path)!r}, output={str(path.with_suffix('.out.csv'))!r}); "
        "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    path.with_suffix(".out.csv").unlink()
    return int(result.stdout.strip().splitlines()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--memory", default="100000,1000000")
    parser.add_argument("--e2e", type=int, default=1_000_000)
    parser.add_argument("--dask", type=int, default=1_000_000)
    parser.add_argument("--compute", type=int, default=1_000_000)
    parser.add_argument("--dir", default=None)
    args = parser.parse_args()
    folder = Path(args.dir or tempfile.mkdtemp(prefix="verify-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"order files in {folder}", file=sys.stderr)

    compute_ratio(args.compute)

    if args.e2e:
        path = orders_file(folder, args.e2e)
        # Interleaved, so that a busy machine slows both alike.
        pairs = [(read_write(path), end_to_end(path)) for _ in range(5)]
        base = statistics.median(b for b, _ in pairs)
        ours = statistics.median(o for _, o in pairs)
        print(f"(b) end to end, {args.e2e:,} orders, CSV in and out:")
        print(f"    pyarrow read + write   {base:7.2f} s")
        print(f"    dosecalc verify        {ours:7.2f} s   ratio {ours / base:.2f}")

    print("(c) orders per second, end to end (CSV in and out, one process):")
    for rows in (int(x) for x in args.sizes.split(",") if x):
        path = orders_file(folder, rows)
        elapsed = statistics.median(end_to_end(path) for _ in range(3 if rows <= 10**6 else 1))
        print(f"    {rows:>12,} orders  {elapsed:8.2f} s  {rows / elapsed:>12,.0f} orders/s")

    print("(d) peak memory (max RSS of a fresh process):")
    for rows in (int(x) for x in args.memory.split(",") if x):
        path = orders_file(folder, rows)
        print(f"    {rows:>12,} orders  {peak_memory_mb(path):8.0f} MB")

    if args.dask:
        path = orders_file(folder, args.dask)
        local = end_to_end(path)
        distributed = end_to_end(path, "dask")
        print(
            f"(e) {args.dask:,} orders: one process {local:.2f} s; local Dask cluster (2 workers) "
        )
        print(
            f"    {distributed:.2f} s (ratio {distributed / local:.2f}; includes starting the cluster)"
        )


if __name__ == "__main__":
    main()
