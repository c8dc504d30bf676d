"""``dosecalc verify``: check a table of orders against the engine.

Each order (one drug administration: patient, regimen, phase, cycle, day,
drug, ordered dose) gets the dose dosecalc computes for it, the difference
and a verdict. The format is documented in ``docs/verify.md``. Example::

    from dosecalc.verify import verify_orders
    summary = verify_orders("orders.csv", output="checked.csv")
    print(summary.table())

The scalar engine (``dosecalc dose``) stays the reference: this package
resolves each regimen slot with it once and runs the same arithmetic on
columns (:mod:`dosecalc.verify.batch`). numpy and pyarrow are needed here
only, so a single dose calculation never imports them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .summary import VerifySummary

ENGINES = ("local", "dask")


def verify_orders(
    orders: str,
    *,
    output: str | None = None,
    output_format: str | None = None,
    policy: str | None = None,
    regimen_dirs: tuple[str, ...] = (),
    policy_dirs: tuple[str, ...] = (),
    engine: str = "local",
    scheduler: str | None = None,
    chunk_rows: int | None = None,
    progress: bool = False,
) -> VerifySummary:
    """Verify every order of the file ``orders`` (CSV, or Parquet when it ends
    in .parquet); write the orders with their verification columns to
    ``output`` (CSV, Parquet or JSON lines) and return the summary.

    ``engine="dask"`` runs the same batch function as a Dask
    ``map_partitions``, on the cluster at ``scheduler`` or a local one.
    Raises InputError for a file that cannot be read at all; a bad row only
    gets its verdict.
    """
    from ..errors import InputError

    try:
        import numpy  # noqa: F401
        import pyarrow  # noqa: F401
    except ImportError:
        raise InputError(
            "dosecalc verify needs numpy and pyarrow: pip install 'dosecalc[verify]'"
        ) from None
    from ..policy import find_policy
    from .batch import VerifyOptions
    from .run import RunSettings, run_dask, run_local

    if engine not in ENGINES:
        raise InputError(f"--engine {engine}: choose {' or '.join(ENGINES)}")
    options = VerifyOptions(policy, tuple(regimen_dirs), tuple(policy_dirs))
    find_policy(policy, policy_dirs)  # an unknown policy stops the run before any reading
    run = run_dask if engine == "dask" else run_local
    summary = run(
        orders, options, RunSettings(output, output_format, chunk_rows, progress, scheduler)
    )
    if summary.orders == 0:
        # Nothing verified is not a pass: an empty table must not exit 0.
        raise InputError(f"'{orders}' holds no order: nothing was verified")
    return summary


__all__ = ["ENGINES", "verify_orders"]
