"""Start-up time of the dosecalc command, against Python and Pint.

Usage: python benchmarks/startup.py [RUNS]      (``make bench``; RUNS default 15)

Every command runs as a fresh subprocess, RUNS times, interleaved (one run of
each command per round) so that a noisy machine slows them all alike. The
medians are compared within this one run, as ratios; absolute times depend
on the machine and are only reported. Beside the wall-clock medians, the
median CPU time (user + system) of each process is reported: on a shared,
loaded machine it moves far less than the wall clock.

``dosecalc dose thp`` runs with the cache of parsed data files warm (the
warm-up run fills it), as a pharmacist's second and later runs do; the
``(no cache)`` line is the same command with DOSECALC_NO_CACHE=1.

Goals (docs: engineering research, section 4):
  dosecalc dose ... / python -c "import pint"   <= 1.3
  dosecalc --help   / python -c pass            <= 5

Nothing is asserted: this prints figures, it does not gate anything.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_RUNS = 15


def commands() -> dict[str, list[str]]:
    """Name -> argv; a leading "NAME=VALUE" item is an environment variable."""
    # The interpreter and console script of the environment running this
    # file (a virtualenv's bin/ holds both); not resolved, so that a venv's
    # python stays the venv's.
    python = sys.executable
    script = Path(python).with_name("dosecalc")
    dosecalc = [str(script)] if script.exists() else [python, "-m", "dosecalc"]
    return {
        "python -c pass": [python, "-c", "pass"],
        "python -c 'import pint'": [python, "-c", "import pint"],
        "dosecalc --help": [*dosecalc, "--help"],
        "dosecalc dose thp": [*dosecalc, "dose", "thp", "--height", "165", "--weight", "62"],
        "dosecalc dose thp (no cache)": [
            "DOSECALC_NO_CACHE=1",
            *dosecalc,
            *("dose", "thp", "--height", "165", "--weight", "62"),
        ],
    }


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_once(argv: list[str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one run of ``argv``."""
    env = dict(os.environ)
    while argv and "=" in argv[0] and not argv[0].startswith("/"):
        name, _, value = argv[0].partition("=")
        env[name] = value
        argv = argv[1:]
    cpu = _cpu_of_children()
    start = time.perf_counter()
    result = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    elapsed = time.perf_counter() - start
    cpu = _cpu_of_children() - cpu
    if result.returncode != 0:
        raise SystemExit(
            f"{' '.join(argv)} failed ({result.returncode}): {result.stderr.decode(errors='replace').strip()}"
        )
    return elapsed, cpu


def compile_package() -> None:
    """Write dosecalc's bytecode, as installing a wheel does. Pint's is
    written by pip; without this, an environment with
    PYTHONDONTWRITEBYTECODE set would recompile dosecalc on every run and
    the ratio would compare a compiled Pint with an uncompiled dosecalc."""
    import compileall

    import dosecalc

    compileall.compile_dir(str(Path(dosecalc.__file__).parent), quiet=1)


def measure(runs: int) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Wall-clock and CPU seconds of every command, ``runs`` times each."""
    compile_package()
    cmds = commands()
    for argv in cmds.values():  # warm the file cache, any .pyc writing and the data cache
        time_once(argv)
    times: dict[str, list[float]] = {name: [] for name in cmds}
    cpu: dict[str, list[float]] = {name: [] for name in cmds}
    for _ in range(runs):
        for name, argv in cmds.items():
            wall, used = time_once(argv)
            times[name].append(wall)
            cpu[name].append(used)
    return times, cpu


def report(times: dict[str, list[float]], cpu: dict[str, list[float]]) -> str:
    med = {name: statistics.median(values) * 1000 for name, values in times.items()}
    med_cpu = {name: statistics.median(values) * 1000 for name, values in cpu.items()}
    base = med["python -c pass"]
    runs = len(next(iter(times.values())))
    width = max(len(name) for name in med)
    lines = [f"start-up, median of {runs} runs (Python {sys.version.split()[0]})", ""]
    lines.append(
        f"{'command':<{width}}  {'median ms':>9}  {'min ms':>7}  {'x pass':>6}  {'cpu ms':>6}"
    )
    for name, value in med.items():
        lines.append(
            f"{name:<{width}}  {value:9.1f}  {min(times[name]) * 1000:7.1f}  {value / base:6.1f}"
            f"  {med_cpu[name]:6.1f}"
        )
    pint_cpu = med_cpu["python -c 'import pint'"]
    dose_ratio = med["dosecalc dose thp"] / med["python -c 'import pint'"]
    help_ratio = med["dosecalc --help"] / base
    lines += [
        "",
        f"dose / import pint : {dose_ratio:.2f}  (goal <= 1.3){'' if dose_ratio <= 1.3 else '  ABOVE GOAL'}",
        f"--help / python    : {help_ratio:.2f}  (goal <= 5){'' if help_ratio <= 5 else '  ABOVE GOAL'}",
        "",
        f"by CPU time: dose / import pint {med_cpu['dosecalc dose thp'] / pint_cpu:.2f}"
        f" (no cache {med_cpu['dosecalc dose thp (no cache)'] / pint_cpu:.2f});"
        f" --help / python {med_cpu['dosecalc --help'] / med_cpu['python -c pass']:.2f}",
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    runs = DEFAULT_RUNS
    if len(argv) > 1:
        try:
            runs = int(argv[1])
        except ValueError:
            print(f"usage: {argv[0]} [RUNS]", file=sys.stderr)
            return 2
        if runs < 1:
            print("RUNS must be at least 1", file=sys.stderr)
            return 2
    print(report(*measure(runs)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
