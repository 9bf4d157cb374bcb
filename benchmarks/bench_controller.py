"""The batch controller alone at N = 100 and N = 1000 units: CPU time and peak memory (not a test; prints figures).

Each N runs in a fresh process, over N generated department-years (copies of Luohu 2022 under new ids), in
one language, through the real ``run_batch`` (discovery, the incremental plan, the progress bar, the
manifest's journal and its rewrites) with an executor that returns each unit's record at once instead of
running a notebook: what is measured is what the controller itself costs per unit. Side by side, the same
records are merged the way perfkit did before the journal (``write_manifest`` after every unit, rewriting
every earlier record).

Usage: ``.venv/bin/python benchmarks/bench_controller.py [--sizes 100 1000]``
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def child(n: int, mode: str) -> None:
    sys.path.insert(0, str(ROOT))
    from perfkit.run import batch, executors, manifest

    tmp = Path(tempfile.mkdtemp(prefix="perfkit-ctl-"))
    params = tmp / "parameters"
    shutil.copytree(ROOT / "parameters" / "frameworks", params / "frameworks")
    text = (ROOT / "parameters" / "luohu-fsa" / "2022.yaml").read_text(encoding="utf-8")
    for i in range(n):
        new = f"dept-{i:04d}"
        (params / new).mkdir()
        (params / new / "2022.yaml").write_text(re.sub(r"(?m)^  id: luohu-fsa$", f"  id: {new}", text), encoding="utf-8")

    def instant(fn, tasks, workers, **_options):
        for t in tasks:
            rec = manifest.UnitRecord(t["department"], t["year"], t["language"], status="ok", started=manifest.now(),
                                      finished=manifest.now(), duration_s=1.0, versions=manifest.versions(),
                                      inputs={"sha256": "0" * 64, "files": {"params/x.yaml": "0" * 64}},
                                      outputs={"notebook": f"{t['department']}/2022/report.ipynb",
                                               "html": f"{t['department']}/2022/report.html"},
                                      output_hashes={"notebook": "0" * 64, "html": "0" * 64})
            if mode == "rewrite":  # before the journal: the whole manifest rewritten after every unit
                manifest.write_manifest(t["out_dir"], [rec])
            yield rec.to_dict()

    executors.EXECUTORS["instant"] = executors.Executor(instant)
    warm = tmp / "warm"  # imports (papermill for the notebook check, …) paid before the clock starts
    shutil.copytree(ROOT / "parameters" / "frameworks", warm / "frameworks")
    shutil.copytree(ROOT / "parameters" / "luohu-fsa", warm / "luohu-fsa")
    batch.run_batch(warm, tmp / "warm-out", languages="zh", executor="instant", progress=False, workers=1)
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    result = batch.run_batch(params, tmp / "out", languages="zh", executor="instant", progress=False, workers=1)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - t0
    assert len(result.records) == n and result.ok
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"n": n, "mode": mode, "cpu_s": cpu, "wall_s": wall, "peak_mb": peak_mb}))
    shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(int(args.child[0]), args.child[1])
        return
    rows = {}
    for n in args.sizes:
        for mode in ("journal", "rewrite"):
            out = subprocess.run([sys.executable, __file__, "--child", str(n), mode], capture_output=True, text=True,
                                 check=True).stdout.strip().splitlines()[-1]
            rows[(n, mode)] = json.loads(out)
    print("| units | controller CPU s (journal) | per unit ms | CPU s (rewrite per unit, before) | peak MB (journal) |")
    print("|---|---|---|---|---|")
    for n in args.sizes:
        j, r = rows[(n, "journal")], rows[(n, "rewrite")]
        print(f"| {n} | {j['cpu_s']:.2f} | {1000 * j['cpu_s'] / n:.2f} | {r['cpu_s']:.2f} | {j['peak_mb']:.0f} |")
    lo, hi = args.sizes[0], args.sizes[-1]
    if hi != lo:
        for mode in ("journal", "rewrite"):
            growth = rows[(hi, mode)]["cpu_s"] / rows[(lo, mode)]["cpu_s"]
            print(f"{mode}: CPU grows {growth:.1f}x for {hi / lo:.0f}x the units")
        print(f"peak memory {rows[(lo, 'journal')]['peak_mb']:.0f} -> {rows[(hi, 'journal')]['peak_mb']:.0f} MB")


if __name__ == "__main__":
    main()
