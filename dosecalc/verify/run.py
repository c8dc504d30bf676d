"""Running the batch function over a file: in this process, chunk by chunk,
or as a Dask ``map_partitions`` on a cluster. Both feed the same writer and
summary, in file order."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from ..errors import InputError
from .batch import VerifyOptions, output_schema, rules_for, verify_batch
from .io import DEFAULT_CHUNK_ROWS, OrderReader, OrderWriter, output_format
from .summary import VerifySummary

#: Rows per Dask partition: each costs a task, a pandas round trip and a
#: transfer back to this process, so partitions are larger than local chunks.
DASK_PARTITION_ROWS = 250_000


class Progress:
    """A progress bar on stderr, drawn only when stderr is a terminal and
    the run has lasted more than a second."""

    DELAY_S = 1.0

    def __init__(self, enabled: bool):
        self.enabled = enabled and sys.stderr.isatty()
        self.start = time.monotonic()
        self.drawn = False

    def update(self, fraction: float, orders: int) -> None:
        if not self.enabled or time.monotonic() - self.start < self.DELAY_S:
            return
        width = 30
        filled = int(round(fraction * width))
        sys.stderr.write(
            f"\rverify [{'#' * filled}{' ' * (width - filled)}] {fraction * 100:3.0f}%  {orders:,} orders"
        )
        sys.stderr.flush()
        self.drawn = True

    def finish(self) -> None:
        if self.drawn:
            sys.stderr.write("\r" + " " * 70 + "\r")
            sys.stderr.flush()


@dataclass(frozen=True)
class RunSettings:
    """Where a run writes and how it reports, the same for either engine."""

    output: str | None = None
    output_format: str | None = None
    chunk_rows: int | None = None
    progress: bool = False
    scheduler: str | None = None  # the Dask engine's cluster; None: a local one


def _consume(
    batches: Iterable[pa.RecordBatch],
    schema: pa.Schema,
    options: VerifyOptions,
    output: str | None,
    fmt: str | None,
    on_batch: Callable[[int], None],
) -> VerifySummary:
    """Write each result batch and add it to the summary, in order; then
    hand the batch's memory back (see :func:`_release_batch_memory`)."""
    summary = VerifySummary(policy=rules_for(options).policy.id, output=output)
    writer = OrderWriter(output, output_format(output, fmt), schema) if output else None
    try:
        for batch in batches:
            if writer is not None:
                writer.write(batch)
            summary.add(batch)
            on_batch(summary.orders)
            del batch
            _release_batch_memory()
    except BaseException as exc:
        if writer is not None:
            writer.close(exc)
        raise
    if writer is not None:
        writer.close()
    return summary


def _release_batch_memory() -> None:
    """Return the freed buffers of the last batch to the system. pyarrow's
    default pool (mimalloc, or jemalloc) keeps freed pages for reuse and gives
    them back only after a delay, so what it kept crept up batch after batch,
    faster the faster the run: the peak memory grew with the number of
    batches although no data was kept (+28 % from 10^5 to 10^7 orders).
    Releasing once per batch keeps it flat (+12 %) at no measurable cost
    (a batch is tens of thousands of orders)."""
    pa.default_memory_pool().release_unused()


def run_local(
    path: str,
    options: VerifyOptions,
    run: RunSettings,
) -> VerifySummary:
    """Verify ``path`` chunk by chunk in this process."""
    reader = OrderReader(path, run.chunk_rows or DEFAULT_CHUNK_ROWS)
    schema = output_schema(reader.schema())
    bar = Progress(run.progress)
    results = (verify_batch(batch, options) for batch in reader.batches())
    try:
        return _consume(
            results,
            schema,
            options,
            run.output,
            run.output_format,
            lambda orders: bar.update(reader.fraction, orders),
        )
    finally:
        bar.finish()


def run_dask(
    path: str,
    options: VerifyOptions,
    run: RunSettings,
) -> VerifySummary:
    """Verify ``path`` as a Dask ``map_partitions`` of :func:`verify_batch`,
    on the cluster at ``scheduler`` or on a local two-worker cluster."""
    try:
        import dask.dataframe as dd
        from distributed import Client, LocalCluster
    except ImportError:
        raise InputError(
            "--engine dask needs dask and distributed: pip install 'dosecalc[dask]'"
        ) from None
    import logging

    reader = OrderReader(path, run.chunk_rows or DEFAULT_CHUNK_ROWS)
    in_schema = reader.schema()
    schema = output_schema(in_schema)
    if reader.format == "parquet":
        frame = dd.read_parquet(path)
    else:
        frame = dd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            blocksize=max(1 << 16, (run.chunk_rows or DASK_PARTITION_ROWS) * 128),
        )
    meta = schema.empty_table().to_pandas()
    results = frame.map_partitions(partition_verify, options, meta=meta)
    cluster = None
    if run.scheduler:
        client = Client(run.scheduler)
    else:
        cluster = LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # any free port: no clash with a running cluster
            silence_logs=logging.ERROR,
        )
        client = Client(cluster)
    bar = Progress(run.progress)
    parts = results.to_delayed()
    try:
        window = 2 * max(1, len(client.scheduler_info().get("workers", {})) or 2)

        def batches() -> Any:
            for start in range(0, len(parts), window):
                futures = client.compute(parts[start : start + window])
                for frame_part in client.gather(futures):
                    table = pa.Table.from_pandas(frame_part, preserve_index=False)
                    yield from table.combine_chunks().to_batches()
                bar.update(min(1.0, (start + window) / len(parts)), 0)

        return _consume(batches(), schema, options, run.output, run.output_format, lambda _: None)
    finally:
        bar.finish()
        client.close()
        if cluster is not None:
            cluster.close()


def partition_verify(frame: Any, options: VerifyOptions) -> Any:
    """One Dask partition (a pandas DataFrame): to a record batch, through
    :func:`verify_batch`, and back."""
    # pandas' text columns may be backed by chunked arrow arrays: one batch.
    table = pa.Table.from_pandas(frame, preserve_index=False).combine_chunks()
    batches = table.to_batches()
    batch = batches[0] if batches else pa.RecordBatch.from_pylist([], schema=table.schema)
    return verify_batch(batch, options).to_pandas()
