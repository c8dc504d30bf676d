"""Reading order files in chunks and writing results as they come, so the
memory of a run does not grow with the file.

CSV is read with every column as text (a column of numbers may hold "165 cm"
further down; the batch engine reads numbers and units itself), Parquet in
its own types. Results are written through :func:`dosecalc.output.files.open_atomic`:
the output file appears complete, or not at all.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from ..errors import InputError

#: CSV columns are read as plain text (the batch engine reads numbers and
#: units itself, and dictionary-codes the texts it needs; measured faster to
#: read and to write back than dictionary-coded columns).
TEXT = pa.string()

#: Rows per batch: large enough that per-batch costs vanish, small enough
#: that a batch and its results stay a few tens of MB.
DEFAULT_CHUNK_ROWS = 50_000

OUTPUT_FORMATS = {
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}


def input_format(path: str) -> str:
    suffix = Path(path).suffix.lower()
    return "parquet" if suffix in (".parquet", ".pq") else "csv"


def output_format(path: str, fmt: str | None) -> str:
    if fmt:
        return fmt
    suffix = Path(path).suffix.lower()
    if suffix not in OUTPUT_FORMATS:
        raise InputError(
            f"-o {path}: name the file .csv, .parquet or .jsonl (or give --output-format)"
        )
    return OUTPUT_FORMATS[suffix]


class OrderReader:
    """The batches of an order file, and how far through it the reading is."""

    def __init__(self, path: str, chunk_rows: int = DEFAULT_CHUNK_ROWS):
        self.path = Path(path)
        if not self.path.is_file():
            raise InputError(f"no order file '{path}'")
        self.format = input_format(path)
        self.chunk_rows = chunk_rows
        self.total = self.path.stat().st_size
        self._rows_read = 0
        self._rows_total = 0

    @property
    def fraction(self) -> float:
        """Fraction of the file read so far (rows of Parquet, bytes of CSV),
        for the progress bar."""
        if self.format == "csv":
            return min(1.0, self._rows_read / self.total) if self.total else 1.0
        return min(1.0, self._rows_read / self._rows_total) if self._rows_total else 1.0

    def schema(self) -> pa.Schema:
        """The input's columns: as read from CSV (all text), or Parquet's own."""
        if self.format == "parquet":
            import pyarrow.parquet as pq

            try:
                return pq.read_schema(self.path)
            except (pa.ArrowException, OSError) as exc:
                raise InputError(f"'{self.path}' is not a readable Parquet file ({exc})") from None
        return pa.schema([(name, TEXT) for name in _csv_header(self.path)])

    def batches(self) -> Iterator[pa.RecordBatch]:
        if self.format == "parquet":
            yield from self._parquet()
        else:
            yield from self._csv()

    def _parquet(self) -> Iterator[pa.RecordBatch]:
        import pyarrow.parquet as pq

        try:
            parquet = pq.ParquetFile(self.path)
        except (pa.ArrowException, OSError) as exc:
            raise InputError(f"'{self.path}' is not a readable Parquet file ({exc})") from None
        self._rows_total = parquet.metadata.num_rows
        for batch in parquet.iter_batches(batch_size=self.chunk_rows):
            self._rows_read += batch.num_rows
            yield batch

    def _csv(self) -> Iterator[pa.RecordBatch]:
        """Blocks of whole lines, each parsed on its own. (pyarrow's streaming
        reader reads the file ahead of its parser, so its memory grew with the
        file: about 1.1 GB for a 1 GB file. Here at most one block is held.)
        Like pyarrow by default, a line break inside a quoted value is not
        supported."""
        import pyarrow.csv as pacsv

        names = _csv_header(self.path)
        # Bytes per block: about chunk_rows rows of a typical order line (~120 bytes).
        block = max(1 << 16, min(self.chunk_rows * 128, 1 << 28))
        read_options = pacsv.ReadOptions(column_names=names, encoding="utf8")
        convert_options = pacsv.ConvertOptions(
            column_types={name: TEXT for name in names},
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        )
        with open(self.path, "rb") as handle:
            handle.readline()  # the header, read above
            done = handle.tell()
            rest = b""
            while True:
                data = handle.read(block)
                if not data and not rest:
                    break
                data = rest + data
                cut = data.rfind(b"\n") + 1 if len(data) > len(rest) else len(data)
                if cut == 0:  # no line end yet: a line longer than a block
                    rest = data
                    continue
                data, rest = data[:cut], data[cut:]
                try:
                    table = pacsv.read_csv(
                        pa.py_buffer(data),
                        read_options=read_options,
                        convert_options=convert_options,
                    )
                except pa.ArrowInvalid as exc:
                    raise InputError(f"'{self.path}' is not a readable CSV file: {exc}") from None
                done += len(data)
                self._rows_read = done
                yield from table.combine_chunks().to_batches()


def _csv_header(path: Path) -> list[str]:
    with open(path, "rb") as raw:
        if b"\x00" in raw.read(1 << 16):
            raise InputError(f"'{path}' is a binary file, not a CSV table (a NUL byte)")
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), None)
    except UnicodeDecodeError:
        raise InputError(f"'{path}' is not UTF-8 text: save it as UTF-8 CSV") from None
    if not header:
        raise InputError(f"'{path}' is empty: the first line must name the columns")
    return header


class OrderWriter:
    """Writes result batches to one file, atomically, in ``fmt``."""

    def __init__(self, path: str, fmt: str, schema: pa.Schema):
        from ..output.files import open_atomic

        self.fmt = fmt
        self.schema = schema
        self._context = open_atomic(path)
        self._handle = self._context.__enter__()
        self._writer: Any = None
        if fmt == "csv":
            import pyarrow.csv as pacsv

            self._writer = pacsv.CSVWriter(self._handle, schema)
        elif fmt == "parquet":
            import pyarrow.parquet as pq

            self._writer = pq.ParquetWriter(self._handle, schema)

    def write(self, batch: pa.RecordBatch) -> None:
        if batch.schema != self.schema:
            batch = pa.RecordBatch.from_arrays(
                [c.cast(f.type) for c, f in zip(batch.columns, self.schema, strict=True)],
                schema=self.schema,
            )
        if self.fmt == "jsonl":
            self._handle.write(_json_lines(batch))
        else:
            self._writer.write_batch(batch)

    def close(self, error: BaseException | None = None) -> None:
        if self._writer is not None:
            try:
                self._writer.close()
            except Exception:  # the temporary file is discarded below anyway
                if error is None:
                    raise
        if error is None:
            self._context.__exit__(None, None, None)
        else:
            self._context.__exit__(type(error), error, error.__traceback__)


def _json_lines(batch: pa.RecordBatch) -> bytes:
    out = io.StringIO()
    for row in batch.to_pylist():
        clean = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
        out.write(json.dumps(clean, ensure_ascii=False, default=str))
        out.write("\n")
    return out.getvalue().encode("utf-8")
