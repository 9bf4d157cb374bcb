"""Start-up of the command against ``python -c pass`` (not a test; prints medians and ratios).

Each command runs ``--repeat`` times in a fresh interpreter, alternating with the others so that a busy
machine weighs on all of them alike: ``python -c pass``, the libraries alone (importing NumPy, PyYAML and
pydantic and building one small model: what ``validate`` pays before any of perfkit's own work), ``perfkit --help``, ``perfkit validate FILE`` (each shipped
department-year, Luohu 2022, Beijing 2021 and Shenzhen 2020: loaded and scored, as ``perfkit score`` would; and
one framework file) and ``perfkit batch --dry-run`` over the shipped parameters with an output directory holding
a finished batch (``--out``, default: a fresh one, so every unit would run). A command that fails in its untimed
run is named with its exit code and first line of error, and left out of the table.

Each command runs once untimed first, with ``PYTHONDONTWRITEBYTECODE`` removed from its environment, so that
the timed runs find perfkit's compiled bytecode (``__pycache__``) as an installed package has it (pip compiles
it at install time): with it set, every run compiles perfkit's modules from source, some 0.15 s more.

Usage: ``.venv/bin/python benchmarks/bench_startup.py [--repeat 7] [--out reports]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What validate cannot start without: NumPy (the rule families score with it), PyYAML with libyaml, and pydantic
# with one small model built and used (which also looks up pydantic's plugins): the floor under `validate`.
LIBRARIES = ("import os\nos.environ.setdefault('OPENBLAS_NUM_THREADS', '1')  # as validate loads NumPy\n"
             "import numpy, yaml, yaml._yaml\n"
             "from pydantic import BaseModel, Field\n"
             "class M(BaseModel):\n    a: int = Field(1, ge=0)\n    b: str | None = None\n"
             "M(a=2)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--out", default="/tmp/perfkit-bench-startup-reports")
    args = ap.parse_args()
    py = [sys.executable]
    cli = [*py, "-m", "perfkit.cli"]
    commands = {
        "python -c pass": [*py, "-c", "pass"],
        "libraries alone": [*py, "-c", LIBRARIES],
        "perfkit --help": [*cli, "--help"],
        **{f"perfkit validate {f}": [*cli, "validate", f] for f in (
            "parameters/luohu-fsa/2022.yaml", "parameters/beijing-lfsb/2021.yaml", "parameters/shenzhen-lfsb/2020.yaml",
            "parameters/frameworks/luohu-department-2022.yaml")},
        f"perfkit batch --dry-run --out {args.out}": [*cli, "batch", "parameters", "--out", args.out, "--dry-run"],
    }
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    for name, argv in list(commands.items()):  # untimed: writes the bytecode cache the timed runs use
        done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            first = next(iter(done.stderr.splitlines()), "")
            print(f"`{name}` left out: exit {done.returncode}: {first}")
            del commands[name]
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.repeat):
        for name, argv in commands.items():
            t = time.perf_counter()
            subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, check=True)
            times[name].append(time.perf_counter() - t)
    base = statistics.median(times["python -c pass"])
    print(f"load average {os.getloadavg()[0]:.1f}; medians of {args.repeat}\n")
    print("| command | median s | minus python -c pass | x python -c pass |\n|---|---|---|---|")
    for name, ts in times.items():
        m = statistics.median(ts)
        print(f"| `{name}` | {m:.3f} | {m - base:+.3f} | {m / base:.1f} |")


if __name__ == "__main__":
    main()
