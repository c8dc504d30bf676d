"""The terminal summary of a verification run: counts by verdict, by
regimen and drug, and the worst deviations. Built batch by batch, so it
costs the same memory for ten orders or ten million."""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from ..formatting import format_amount, format_percent
from .batch import FAILING, VERDICTS, _codes
from .columns import ColumnMap, match_columns
from .rules import CANNOT_VERIFY, NOT_IN_REGIMEN

_VERDICT_MAP = ColumnMap({"verdict": "verdict"}, {})

WORST_SHOWN = 10


@dataclass
class VerifySummary:
    """What a run found; :meth:`table` prints it."""

    policy: str = ""
    orders: int = 0
    by_verdict: Counter[str] = field(default_factory=Counter)
    by_drug: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    worst: list[tuple[float, int, dict[str, Any]]] = field(default_factory=list)
    output: str | None = None

    @property
    def failing(self) -> int:
        """Orders whose dose is not the dose due, beyond the policy's tolerance."""
        return sum(self.by_verdict[v] for v in FAILING)

    def add(self, batch: pa.RecordBatch) -> None:
        cmap = match_columns(batch.schema.names)
        regimen_codes, regimens = _codes(batch, cmap, "regimen")
        drug_codes, drugs = _codes(batch, cmap, "drug")
        verdict_codes, verdicts = _codes(batch, _VERDICT_MAP, "verdict")
        # One count per (regimen, drug, verdict) present: a combined key, counted once.
        key = (regimen_codes.astype(np.int64) + 1) * (len(drugs) + 1) + (drug_codes + 1)
        key = key * (len(verdicts) + 1) + (verdict_codes + 1)
        found, counts = np.unique(key, return_counts=True)
        for value, count in zip(found.tolist(), counts.tolist(), strict=True):
            rest, v = divmod(value, len(verdicts) + 1)
            r, d = divmod(rest, len(drugs) + 1)
            regimen = regimens[r - 1].lower() if r else ""
            drug = drugs[d - 1].lower() if d else ""
            verdict = verdicts[v - 1] if v else ""
            self.by_drug[(regimen, drug, verdict)] += count
            self.by_verdict[verdict] += count
        self.orders += batch.num_rows
        pct = batch.column("difference_pct").to_numpy(zero_copy_only=False)
        magnitude = np.abs(pct)
        # Only rows that could enter the list: above the smallest kept so far.
        floor = self.worst[0][0] if len(self.worst) >= WORST_SHOWN else -1.0
        with np.errstate(invalid="ignore"):
            candidates = np.flatnonzero(magnitude > floor)
        if len(candidates) > WORST_SHOWN:
            best = np.argpartition(magnitude[candidates], -WORST_SHOWN)[-WORST_SHOWN:]
            candidates = candidates[best]
        patient = cmap.columns.get("patient_id")
        for i in candidates:
            row = {
                "patient": batch.column(patient)[i].as_py() if patient else "",
                "regimen": regimens[regimen_codes[i]] if regimen_codes[i] >= 0 else "",
                "drug": drugs[drug_codes[i]] if drug_codes[i] >= 0 else "",
                "computed_mg": batch.column("computed_mg")[i].as_py(),
                "difference_mg": batch.column("difference_mg")[i].as_py(),
                "difference_pct": float(pct[i]),
                "verdict": verdicts[verdict_codes[i]],
            }
            entry = (float(magnitude[i]), -(self.orders - batch.num_rows + int(i)), row)
            if len(self.worst) < WORST_SHOWN:
                heapq.heappush(self.worst, entry)
            else:
                heapq.heappushpop(self.worst, entry)

    def table(self) -> str:
        """The summary as text tables."""
        from tabulate import tabulate

        lines = [f"{self.orders:,} orders verified under policy {self.policy}"]
        rows = [
            [v, f"{self.by_verdict[v]:,}", _share(self.by_verdict[v], self.orders)]
            for v in VERDICTS
            if self.by_verdict[v]
        ]
        lines += ["", tabulate(rows, ["verdict", "orders", "share"], colalign=("left", "right"))]
        problems = [v for v in VERDICTS[1:] if self.by_verdict[v]]
        per_drug: dict[tuple[str, str], Counter[str]] = {}
        for (r, d, v), c in self.by_drug.items():
            per_drug.setdefault((r, d), Counter())[v] += c
        drug_rows = [
            [r, d, f"{sum(c.values()):,}"] + [f"{c[v]:,}" if c[v] else "" for v in problems]
            for (r, d), c in sorted(per_drug.items())
        ]
        lines += [
            "",
            tabulate(drug_rows, ["regimen", "drug", "orders", *problems], disable_numparse=True),
        ]
        worst = sorted(self.worst, reverse=True)
        if worst:
            lines += ["", "Largest deviations:"]
            lines.append(
                tabulate(
                    [
                        [
                            w["patient"],
                            w["regimen"],
                            w["drug"],
                            format_amount(w["computed_mg"], "mg"),
                            format_amount(w["difference_mg"], "mg"),
                            format_percent(w["difference_pct"]),
                            w["verdict"],
                        ]
                        for _, _, w in worst
                    ],
                    ["patient", "regimen", "drug", "computed", "difference", "%", "verdict"],
                    disable_numparse=True,
                )
            )
        unverified = self.by_verdict[CANNOT_VERIFY] + self.by_verdict[NOT_IN_REGIMEN]
        lines.append("")
        lines.append(
            f"{self.failing:,} order(s) outside tolerance (wrong dose, unit or kind); "
            f"{unverified:,} not verified (see verdict_detail)"
        )
        if self.output:
            lines.append(f"results: {self.output}")
        return "\n".join(lines)


def _share(count: int, total: int) -> str:
    return f"{count / total * 100:.1f}%" if total else ""
