"""Faults in a batch: an output directory that cannot be used, a full disk, Ctrl-C, a killed run's leftovers.

Most tests replace the notebook's execution with a stand-in (no kernel: fast), as tests/test_batch.py does;
the one marked slow interrupts a real batch with SIGINT and reruns it.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from perfkit.run import batch, engine, executors, files, manifest

from conftest import ROOT, params_copy, run_cli

PARAMS = ROOT / "parameters"
LUOHU, SHENZHEN = ("luohu-fsa", 2022), ("shenzhen-lfsb", 2020)


@pytest.fixture
def no_kernel(monkeypatch):
    """Every notebook 'executes' at once into a one-cell notebook; its HTML is a stub."""

    def execute(notebook, output, parameters, **_kw):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"# {parameters['department']}")])
        return engine.Execution(notebook=nb)

    def write_documents(rec, bundle, udir, names, out_dir, html_path, templates=None, documents=("docx", "xlsx", "pdf"),
                        results=None):  # stubs too (tests/test_documents.py)
        for kind in documents:
            files.atomic_write_bytes(udir / getattr(names, kind), b"stub")
            rec.outputs[kind] = files.relative_to(udir / getattr(names, kind), out_dir)

    monkeypatch.setattr(engine, "execute", execute)
    monkeypatch.setattr(batch.notebook_html, "export_html", lambda nb, title, language: f"<title>{title}</title>\n")
    monkeypatch.setattr(batch.documents, "write_documents", write_documents)


def _manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def _statuses(out: Path) -> dict:
    return {(u["department"], u["year"]): u["status"] for u in _manifest(out)["units"]}


# --------------------------------------------------------------------------------------------
# An output directory that cannot be used: exit 2, one sentence, before any unit runs
# --------------------------------------------------------------------------------------------


def test_out_pointing_at_a_file_exits_2_naming_it(tmp_path, no_kernel, monkeypatch):
    monkeypatch.setattr(engine, "execute", lambda *a, **k: pytest.fail("a unit ran"))
    out = tmp_path / "reports"
    out.write_text("not a folder\n")
    for command in (["batch", str(PARAMS), "--no-progress"], ["run", *map(str, LUOHU), "--params", str(PARAMS)]):
        proc = run_cli(*command, "--out", str(out))
        assert proc.returncode == 2, proc.stderr
        assert f"output directory {out} (--out) is a file; expected a directory" in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert out.read_text() == "not a folder\n"


def test_an_unwritable_out_exits_2_naming_it(tmp_path, no_kernel, monkeypatch):
    monkeypatch.setattr(engine, "execute", lambda *a, **k: pytest.fail("a unit ran"))
    out = tmp_path / "reports"
    out.mkdir()
    out.chmod(0o555)
    try:
        if os.access(out, os.W_OK):  # root: chmod does not stop it, so the system's answer is simulated
            real = os.access
            monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if Path(p) == out else real(p, mode, **kw))
        proc = run_cli("batch", str(PARAMS), "--out", str(out), "--no-progress")
    finally:
        out.chmod(0o755)
    assert proc.returncode == 2, proc.stderr
    assert f"output directory {out} (--out) is not writable" in proc.stderr and "Traceback" not in proc.stderr
    assert not any(out.iterdir())


# --------------------------------------------------------------------------------------------
# A full disk fails the unit, not the batch
# --------------------------------------------------------------------------------------------


def test_a_full_disk_fails_one_unit_and_the_batch_goes_on(tmp_path, no_kernel, monkeypatch):
    small, out = params_copy(tmp_path, LUOHU[0], SHENZHEN[0]), tmp_path / "reports"
    real = batch.atomic_write_text

    def full_for_luohu(path, text):
        if LUOHU[0] in Path(path).parts:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(path, text)

    monkeypatch.setattr(batch, "atomic_write_text", full_for_luohu)
    proc = run_cli("batch", str(small), "--out", str(out), "--language", "zh", "--workers", "1", "--no-progress")
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    assert _statuses(out) == {LUOHU: "failed", SHENZHEN: "ok"}
    entry = next(u for u in _manifest(out)["units"] if u["department"] == LUOHU[0])
    assert entry["error"]["kind"] == "write" and "No space left on device" in entry["error"]["summary"]
    assert entry["outputs"] == {}
    assert "luohu-fsa 2022 [zh] failed: cannot write" in proc.stderr
    assert (out / "shenzhen-lfsb" / "2020" / "report.html").exists()
    assert not [p.name for p in (out / "luohu-fsa" / "2022").iterdir()]  # no half report, no temporary file


def test_a_manifest_that_cannot_be_written_is_a_sentence(tmp_path, no_kernel, monkeypatch):
    small, out = params_copy(tmp_path, LUOHU[0]), tmp_path / "reports"
    real = files.atomic_write_text

    def full_for_manifest(path, text):
        if Path(path).name == "manifest.json":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        real(path, text)

    monkeypatch.setattr(manifest, "atomic_write_text", full_for_manifest)
    proc = run_cli("batch", str(small), "--out", str(out), "--language", "zh", "--workers", "1", "--no-progress")
    assert proc.returncode == 2, proc.stderr
    assert f"cannot write the manifest {out}/manifest.json: No space left on device" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert (out / "luohu-fsa" / "2022" / "report.html").exists()  # every unit still ran


# --------------------------------------------------------------------------------------------
# Ctrl-C and a killed run
# --------------------------------------------------------------------------------------------


def test_an_interrupted_batch_records_what_finished_and_says_so_in_one_line(tmp_path, no_kernel, monkeypatch):
    def interrupted(fn, tasks, workers, **_options):
        yield fn(tasks[0])
        raise KeyboardInterrupt

    monkeypatch.setitem(executors.EXECUTORS, "interrupted", executors.Executor(interrupted))
    small, out = params_copy(tmp_path, LUOHU[0], SHENZHEN[0]), tmp_path / "reports"
    proc = run_cli("batch", str(small), "--out", str(out), "--executor", "interrupted", "--no-progress")
    assert proc.returncode == 130, proc.stderr
    assert proc.stderr.strip() == ("perfkit batch: interrupted after 1 of 4 units; "
                                   "the manifest lists the finished ones")
    written = _manifest(out)
    assert [(u["department"], u["year"], u["language"], u["status"]) for u in written["units"]] == [
        (*LUOHU, "zh", "ok")]
    assert (out / written["units"][0]["outputs"]["html"]).exists()
    assert not (out / "shenzhen-lfsb").exists()


def test_the_next_run_removes_temporary_files_of_a_killed_run(tmp_path, no_kernel):
    small, out = params_copy(tmp_path, LUOHU[0]), tmp_path / "reports"
    udir = out / "luohu-fsa" / "2022"
    udir.mkdir(parents=True)
    dead = 2**31 - 2  # beyond any pid_max: no such process
    stale = [udir / f".report.{dead}.tmp.ipynb", udir / f".report.en.{dead}.tmp.html", out / f".manifest.{dead}.tmp.json"]
    live = udir / f".report.{os.getppid()}.tmp.ipynb"  # a process that is running: perhaps another batch
    for p in (*stale, live):
        p.write_text("{")
    result = batch.run_batch(small, out, workers=1, languages="all", progress=False)
    assert result.ok, [r.error for r in result.records]
    assert not any(p.exists() for p in stale)
    assert live.exists()
    assert sorted(p.name for p in udir.iterdir()) == sorted(
        [live.name, *(f"report{lang}.{ext}" for lang in ("", ".en") for ext in ("ipynb", "html", "docx", "xlsx", "pdf"))])


@pytest.mark.slow
def _signal_a_batch_midway(tmp_path, sig):
    """Start a real 3-unit batch (zh, 2 workers) in its own process group and send ``sig`` to the group once the
    first finished unit is recorded (manifest or its journal). Returns (process, command, out dir, stdout,
    stderr) after it ended."""
    small, out = params_copy(tmp_path, LUOHU[0], SHENZHEN[0], "beijing-lfsb"), tmp_path / "reports"
    cmd = [sys.executable, "-m", "perfkit.cli", "batch", str(small), "--out", str(out), "--workers", "2",
           "--language", "zh", "--no-progress"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        recorded = (out / "manifest.json", out / "manifest.journal.jsonl")
        while not any(p.exists() for p in recorded) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
        os.killpg(proc.pid, sig)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    return proc, cmd, out, stdout, stderr


def test_sigint_on_a_real_batch_then_rerun(tmp_path):
    """Ctrl-C (SIGINT to the process group, as a terminal sends it) once the first report is in the manifest:
    exit 130, one line, no traceback from the workers; the manifest lists what finished, and a rerun
    completes the batch and leaves no temporary file."""
    proc, cmd, out, stdout, stderr = _signal_a_batch_midway(tmp_path, signal.SIGINT)
    assert proc.returncode == 130, stdout + stderr  # 0 would mean the interrupt came too late: a failure
    assert "Traceback" not in stderr, stderr
    assert "interrupted after" in stderr and "the manifest lists the finished ones" in stderr
    finished = _manifest(out)["units"]
    assert finished and all(u["status"] == "ok" for u in finished)
    for u in finished:
        assert (out / u["outputs"]["notebook"]).exists()
    time.sleep(2)  # the workers' kernels exit with their parents
    rerun = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert set(_statuses(out).values()) == {"ok"} and len(_statuses(out)) == 3
    assert not [p for p in out.rglob("*") if ".tmp" in p.name]


def _temporaries(out: Path) -> list[str]:
    return sorted(str(p.relative_to(out)) for p in out.rglob("*") if ".tmp" in p.name)


def _check_truthful(out: Path) -> dict:
    """The manifest parses, every unit it lists as written has its outputs on disk, and every report in a final
    name is whole: a notebook nbformat accepts, a page that ends, a Word or Excel file whose zip reads, a PDF
    with its end marker (a half-written one is only ever under a temporary name)."""
    import zipfile

    from perfkit.run.manifest import read_manifest

    written = read_manifest(out)  # manifest.json with its journal folded in: what a rerun will read
    for u in written["units"]:
        if u["status"] == "ok":
            assert {"notebook", "html"} <= set(u["outputs"]), u
            for rel in u["outputs"].values():
                assert (out / rel).is_file(), (rel, u)
    for report in (p for p in out.rglob("report*") if ".tmp" not in p.name):
        if report.suffix == ".ipynb":
            nbformat.validate(nbformat.reads(report.read_text(encoding="utf-8"), as_version=4))
        elif report.suffix == ".html":
            assert report.read_text(encoding="utf-8").rstrip().endswith("</html>"), report
        elif report.suffix in (".docx", ".xlsx"):
            with zipfile.ZipFile(report) as z:
                assert z.testzip() is None, report
        elif report.suffix == ".pdf":
            assert report.read_bytes().rstrip().endswith(b"%%EOF"), report
    return written


@pytest.mark.slow
def test_sigkill_on_a_real_batch_then_rerun(tmp_path):
    """SIGKILL (no handler runs, no cleanup) to the batch and its workers once the first report is in the manifest
    and others are still running: what is on disk is still truthful (the manifest whole, every report it lists
    there, no report half-written under its final name); the rerun completes every unit, removes the killed run's
    temporary files and leaves a manifest that lists exactly the reports on disk."""
    proc, cmd, out, _, _ = _signal_a_batch_midway(tmp_path, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL, "the batch finished before the kill arrived"
    before = _check_truthful(out)
    assert 1 <= len(before["units"]) < 3  # killed mid-run: some finished, not all
    time.sleep(2)  # the workers' kernels exit with their parents
    rerun = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert "Traceback" not in rerun.stderr
    after = _check_truthful(out)
    assert {(u["department"], u["year"], u["status"]) for u in after["units"]} == {
        (*LUOHU, "ok"), (*SHENZHEN, "ok"), ("beijing-lfsb", 2021, "ok")}
    # the units finished before the kill are skipped by the rerun (their outputs are intact), the others run
    assert after["summary"] == {"units": 3, "ok": 3, "skipped": len(before["units"])}
    assert not _temporaries(out)
    listed = {rel for u in after["units"] for rel in u["outputs"].values()}
    batch_level = {"manifest.json", "manifest.journal.jsonl", "index.html", "portfolio.ipynb", "portfolio.html"}
    on_disk = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()} - batch_level
    assert on_disk == listed  # nothing on disk that the manifest does not present, nothing it presents missing
