"""Reading parameter files: libyaml's C parser under PyYAML's composer against PyYAML's pure-Python loader,
side by side on every shipped file (same data and line map, checked by tests/test_yaml_loader.py).

Usage: .venv/bin/python benchmarks/bench_yaml.py [--repeat N]
Prints, per file and in total, the best of N reads with each loader and the ratio.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from perfkit import load

ROOT = Path(__file__).resolve().parents[1]


def best_read(cls: type, path: Path, repeat: int) -> float:
    saved = load._LOADERS[:]
    load._LOADERS[:] = [cls]
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
    if len(load._LOADERS) < 2:
        raise SystemExit("PyYAML here has no libyaml: nothing to compare")
    fast, slow = load._LOADERS[0], load._Loader
    total_fast = total_slow = 0.0
    print("| file | PyYAML s | libyaml s | ratio |\n|---|---|---|---|")
    for path in sorted((ROOT / "parameters").rglob("*.y*ml")):
        s, f = best_read(slow, path, args.repeat), best_read(fast, path, args.repeat)
        total_fast, total_slow = total_fast + f, total_slow + s
        print(f"| {path.relative_to(ROOT)} | {s:.4f} | {f:.4f} | {s / f:.1f}× |")
    print(f"| all files | {total_slow:.4f} | {total_fast:.4f} | {total_slow / total_fast:.1f}× |")


if __name__ == "__main__":
    main()
