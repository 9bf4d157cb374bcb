"""Reading parameter files: libyaml's C parser under PyYAML's composer, and perfkit's choice (libyaml
composing in C where the text has no anchors, else the former), against PyYAML's pure-Python loader, side by
side on every shipped file (same data and line map, checked by tests/test_yaml_loader.py).

Usage: .venv/bin/python benchmarks/bench_yaml.py [--repeat N]
Prints, per file and in total, the best of N reads with each loader and its ratio to PyYAML's.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from perfkit import load

ROOT = Path(__file__).resolve().parents[1]


def best_read(loaders: list[type], path: Path, repeat: int) -> float:
    saved = load._LOADERS[:]
    load._LOADERS[:] = loaders
    try:
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            load.read_yaml(path)
            times.append(time.perf_counter() - t)
        return min(times)
    finally:
        load._LOADERS[:] = saved


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    if len(load._LOADERS) < 3:
        raise SystemExit("PyYAML here has no libyaml: nothing to compare")
    loaders = {"PyYAML": [load._Loader], "libyaml + PyYAML composer": [load._CLoader],
               "as perfkit reads": load._LOADERS[:]}  # libyaml's composer where the text has no anchors
    total = dict.fromkeys(loaders, 0.0)
    print("| file | " + " s | ".join(loaders) + " s | ratios |\n|---|" + "---|" * (len(loaders) + 1))
    for path in sorted((ROOT / "parameters").rglob("*.y*ml")):
        best = {name: best_read(cls, path, args.repeat) for name, cls in loaders.items()}
        for name in loaders:
            total[name] += best[name]
        print(_row(str(path.relative_to(ROOT)), best))
    print(_row("all files", total))


def _row(name: str, seconds: dict[str, float]) -> str:
    slow = seconds["PyYAML"]
    ratios = ", ".join(f"{slow / s:.1f}×" for label, s in seconds.items() if label != "PyYAML")
    return f"| {name} | " + " | ".join(f"{s:.4f}" for s in seconds.values()) + f" | {ratios} |"

if __name__ == "__main__":
    main()
