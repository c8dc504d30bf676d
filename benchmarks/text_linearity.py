"""Is the free-text checker linear in its input? Ratios of 10x to 1x.

Run:  .venv/bin/python benchmarks/text_linearity.py [--size 15000] [--runs 3]

For each hostile text of tests/hostile_text.py (runs of spaces, tabs,
digits, slashes, 'mg/' repeated, padded sentences...), times
``api.check_course`` on a text of ``--size`` characters and on one ten times
longer, and prints the ratio (best of ``--runs`` each; ratios, not absolute
times, because a shared machine is noisy). A linear path gives about 10; a
quadratic one about 100. The test suite asserts under 25 for a subset
(tests/safety/test_bounded_work.py). The largest text must stay under the
checker's 200,000-character limit, so ``--size`` is at most 19,000.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from hostile_text import HOSTILE_TEXTS, best_check_seconds  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=15_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not 100 <= args.size <= 19_000:
        parser.error("--size must be between 100 and 19000")
    worst = 0.0
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "note.txt"
        best_check_seconds(path, "docetaxel 75 mg/m2", 1)  # warm the caches
        print(f"{'hostile text':34} {'1x ms':>9} {'10x ms':>9} {'ratio':>7}")
        for name, build in HOSTILE_TEXTS.items():
            small = best_check_seconds(path, build(args.size), args.runs)
            large = best_check_seconds(path, build(10 * args.size), args.runs)
            ratio = large / small
            worst = max(worst, ratio)
            print(f"{name:34} {small * 1e3:9.1f} {large * 1e3:9.1f} {ratio:7.1f}", flush=True)
    print(f"\nworst ratio {worst:.1f} (linear about 10, quadratic about 100; test bound 25)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
