"""End-to-end batch on a generated portfolio, side by side in one run (not a test; prints figures and ratios).

The portfolio: N department-years copied from the three shipped ones in turn under new department ids
(``<shipped id>-g000`` …), deterministic, each reported in Chinese and English (2N reports). The same
notebook (notebooks/evaluation.ipynb) and the same kernel make the same reports four ways:

* (a) the papermill command line and ``jupyter nbconvert --to html --no-input``, one report after another;
* (b) papermill's Python API in a process pool of W workers, one HTML exporter per process;
* perfkit: ``perfkit batch --documents none`` with W workers (fresh output directory): the executed notebook and
  the HTML, as (a) and (b) make (no Word, score sheet or PDF); kernels forked from a warm server (the default
  engine, :mod:`perfkit.run.forkserver`);
* with ``--with-nbclient``, the same with ``--engine nbclient`` (papermill's fresh kernels), to show what the
  engine alone is worth;
* perfkit again with nothing changed (every unit skipped).

perfkit's batch also runs the portfolio notebook and writes the index page once at the end; (a) and (b) do not.

It checks that (b) and perfkit computed the same report: every text output of every code cell equal
(images and execution metadata aside).

Usage: ``.venv/bin/python benchmarks/bench_batch.py [--units 50] [--workers 2] [--skip-serial]``
(``--units 3`` for a quick run; the serial loop (a) is the slowest part: ``--serial-units K`` times only the
first K units of it and scales its time to N).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
NOTEBOOK = ROOT / "notebooks" / "evaluation.ipynb"
SHIPPED = [("luohu-fsa", 2022), ("shenzhen-lfsb", 2020), ("beijing-lfsb", 2021)]
LANGUAGES = ("zh", "en")


def generate(root: Path, n: int) -> list[tuple[str, int]]:
    """``root/parameters`` with ``n`` department-years copied from the shipped ones under new ids."""
    params = root / "parameters"
    shutil.copytree(ROOT / "parameters" / "frameworks", params / "frameworks")
    units = []
    for i in range(n):
        dept, year = SHIPPED[i % len(SHIPPED)]
        new = f"{dept}-g{i:03d}"
        src = ROOT / "parameters" / dept
        dst = params / new
        shutil.copytree(src, dst)
        text = (src / f"{year}.yaml").read_text(encoding="utf-8")
        text, k = re.subn(rf"(?m)^(\s+id: ){re.escape(dept)}$", rf"\g<1>{new}", text, count=1)
        assert k == 1, dept
        (dst / f"{year}.yaml").write_text(text, encoding="utf-8")
        units.append((new, year))
    return units


def serial_cli(params: Path, out: Path, units) -> float:
    """(a): papermill CLI then nbconvert CLI per report, one at a time."""
    t = time.perf_counter()
    env = {**os.environ, "PERFKIT_PARAMS": str(params)}
    for dept, year in units:
        for lang in LANGUAGES:
            nb = out / f"{dept}-{year}-{lang}.ipynb"
            subprocess.run([BIN / "papermill", str(NOTEBOOK), str(nb), "-p", "department", dept, "-p", "year",
                            str(year), "-p", "language", lang, "-p", "params_dir", str(params), "--no-progress-bar",
                            "--cwd", str(NOTEBOOK.parent)], check=True, env=env, capture_output=True)
            subprocess.run([BIN / "jupyter", "nbconvert", "--to", "html", "--no-input", str(nb)], check=True,
                           env=env, capture_output=True)
    return time.perf_counter() - t


_EXPORTER = None


def _api_task(args) -> str:
    """(b): one report through papermill's API; the HTML exporter is made once per process."""
    global _EXPORTER
    import papermill
    from nbconvert import HTMLExporter

    params, out, dept, year, lang = args
    if _EXPORTER is None:
        _EXPORTER = HTMLExporter(exclude_input=True)
    nb_path = Path(out) / f"{dept}-{year}-{lang}.ipynb"
    nb = papermill.execute_notebook(str(NOTEBOOK), str(nb_path), parameters=dict(
        department=dept, year=year, language=lang, params_dir=str(params)), progress_bar=False,
        cwd=str(NOTEBOOK.parent), kernel_name="python3")
    html, _ = _EXPORTER.from_notebook_node(nb)
    nb_path.with_suffix(".html").write_text(html, encoding="utf-8")
    return str(nb_path)


def api_pool(params: Path, out: Path, units, workers: int) -> float:
    import multiprocessing

    t = time.perf_counter()
    tasks = [(str(params), str(out), d, y, lang) for d, y in units for lang in LANGUAGES]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(_api_task, tasks))
    return time.perf_counter() - t


def perfkit_batch(params: Path, out: Path, workers: int, *extra: str) -> tuple[float, str]:
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "perfkit.cli", "batch", str(params), "--out", str(out),
                           "--workers", str(workers), "--no-progress", "--documents", "none", *extra],
                          capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    if proc.returncode != 0:
        raise SystemExit(f"perfkit batch failed: {proc.stderr[-2000:]}")
    return time.perf_counter() - t, proc.stdout.strip()


def _texts(path: Path) -> list:
    nb = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code" or "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            continue
        for o in cell.get("outputs", []):
            data = o.get("data", {})
            out.append({k: v for k, v in data.items() if not k.startswith("image/")} or o.get("text"))
    return out


def same_reports(api_out: Path, perfkit_out: Path, units) -> tuple[int, int]:
    """(reports compared, reports whose text outputs differ) between (b) and perfkit."""
    differ = 0
    n = 0
    for dept, year in units:
        for lang in LANGUAGES:
            name = "report.ipynb" if lang == "zh" else f"report.{lang}.ipynb"
            n += 1
            differ += _texts(api_out / f"{dept}-{year}-{lang}.ipynb") != _texts(perfkit_out / dept / str(year) / name)
    return n, differ


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=50)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--serial-units", type=int, default=None,
                    help="time the serial CLI loop on the first K units only and scale to N (default: all)")
    ap.add_argument("--skip-serial", action="store_true")
    ap.add_argument("--with-nbclient", action="store_true", help="also time perfkit batch --engine nbclient")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="perfkit-bench-"))
    units = generate(tmp, args.units)
    params = tmp / "parameters"
    reports = 2 * len(units)
    print(f"portfolio: {len(units)} department-years x {len(LANGUAGES)} languages = {reports} reports; "
          f"workers {args.workers}; cpus {os.cpu_count()}; load average {os.getloadavg()[0]:.1f}")
    rows = []
    if not args.skip_serial:
        k = min(args.serial_units or len(units), len(units))
        (tmp / "serial").mkdir()
        t = serial_cli(params, tmp / "serial", units[:k]) * len(units) / k
        rows.append(("(a) papermill CLI + nbconvert, serial" + (f" ({k} units, scaled)" if k < len(units) else ""), t))
    (tmp / "api").mkdir()
    rows.append((f"(b) papermill API, {args.workers}-process pool", api_pool(params, tmp / "api", units, args.workers)))
    first, said = perfkit_batch(params, tmp / "perfkit", args.workers)
    rows.append(("perfkit batch (first run)", first))
    second, said2 = perfkit_batch(params, tmp / "perfkit", args.workers)
    rows.append(("perfkit batch again, nothing changed", second))
    print(f"perfkit said: {said}\n              {said2}")
    if args.with_nbclient:
        cold, said3 = perfkit_batch(params, tmp / "perfkit-nbclient", args.workers, "--engine", "nbclient")
        rows.append(("perfkit batch --engine nbclient (fresh kernels)", cold))
        print(f"              {said3}")
    print("\n| way | wall s | s / report | perfkit first run is |\n|---|---|---|---|")
    for name, t in rows:
        if name.startswith("perfkit batch (") or name.startswith("perfkit batch again"):
            print(f"| {name} | {t:.1f} | {t / reports:.3f} | - |")
        else:
            print(f"| {name} | {t:.1f} | {t / reports:.2f} | {t / first:.2f}x {'faster' if t >= first else 'slower'} |")
    print(f"\nsecond run / first run: {100 * second / first:.1f}% (target <= 5%)")
    n, differ = same_reports(tmp / "api", tmp / "perfkit", units)
    print(f"same text outputs, (b) vs perfkit: {n - differ} of {n} reports")
    if args.with_nbclient:
        n2, differ2 = same_reports(tmp / "api", tmp / "perfkit-nbclient", units)
        print(f"same text outputs, (b) vs perfkit --engine nbclient: {n2 - differ2} of {n2} reports")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
