"""Incremental batches: a second batch with nothing changed skips every unit; a change reruns what it touches,
and only that; ``--force``, ``--only`` and ``--dry-run``; the manifest (with its journal) says what is on disk
after skipped, rerun, failed and interrupted units.

The notebook's execution is replaced by a stand-in (no kernel: fast), as in tests/test_batch_faults.py; the
decisions and the manifest are the real ones.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from perfkit.errors import RunError
from perfkit.run import batch, engine, executors, files, incremental, manifest, units

from conftest import ROOT, run_cli

PARAMS = ROOT / "parameters"
DEPARTMENTS = ("luohu-fsa", "shenzhen-lfsb", "beijing-lfsb")
LUOHU, SHENZHEN, BEIJING = ("luohu-fsa", 2022), ("shenzhen-lfsb", 2020), ("beijing-lfsb", 2021)
ALL = {(d, y, lang) for d, y in (LUOHU, SHENZHEN, BEIJING) for lang in ("zh", "en")}


@pytest.fixture
def executed(monkeypatch) -> list[tuple]:
    """Every notebook 'executes' at once into a one-cell notebook (its HTML a stub); the list collects the
    (department, year, language) of each execution."""
    calls: list[tuple] = []

    def execute(notebook, output, parameters, **_kw):
        calls.append((parameters["department"], parameters["year"], parameters["language"]))
        cell = nbformat.v4.new_markdown_cell(f"# {parameters['department']} {parameters['language']}")
        return engine.Execution(notebook=nbformat.v4.new_notebook(cells=[cell]))

    def write_documents(rec, bundle, udir, names, out_dir, html_path, templates=None, documents=("docx", "xlsx", "pdf"),
                        results=None):  # stubs (tests/test_documents.py)
        for kind in documents:
            files.atomic_write_bytes(udir / getattr(names, kind), f"stub {kind} {rec.language}".encode())
            rec.outputs[kind] = files.relative_to(udir / getattr(names, kind), out_dir)

    monkeypatch.setattr(engine, "execute", execute)
    monkeypatch.setattr(batch.notebook_html, "export_html", lambda nb, title, language: f"<title>{title}</title>\n")
    monkeypatch.setattr(batch.documents, "write_documents", write_documents)
    return calls


@pytest.fixture
def params(tmp_path) -> Path:
    root = tmp_path / "parameters"
    shutil.copytree(PARAMS / "frameworks", root / "frameworks")
    for d in DEPARTMENTS:
        shutil.copytree(PARAMS / d, root / d)
    return root


def _batch(params: Path, out: Path, **kw) -> batch.BatchResult:
    return batch.run_batch(params, out, workers=1, progress=False, **kw)


def _manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def _entries(out: Path) -> dict[tuple, dict]:
    return {(u["department"], u["year"], u["language"]): u for u in _manifest(out)["units"]}


def _check_truthful(out: Path) -> None:
    """Every ok entry's outputs exist with the hashes recorded; nothing is left in the journal."""
    assert not (out / manifest.JOURNAL_NAME).exists()
    for key, u in _entries(out).items():
        if u["status"] == "ok":
            assert set(u["outputs"]) == {"notebook", "html", "docx", "xlsx", "pdf"}, key
            assert incremental.output_hashes(u["outputs"], out) == u["output_hashes"], key


def test_a_second_batch_with_nothing_changed_skips_every_unit(params, tmp_path, executed):
    out = tmp_path / "reports"
    first = _batch(params, out)
    assert first.ok and set(executed) == ALL and not first.skipped
    entries = _entries(out)
    _check_truthful(out)
    executed.clear()
    second = _batch(params, out)
    assert executed == [] and second.ok
    assert {r.key for r in second.skipped} == ALL
    again = _entries(out)
    assert all(u["skipped"] for u in again.values())
    # The skipped entries are the first run's, as they were (timings, hashes, outputs).
    for key, u in again.items():
        assert {k: v for k, v in u.items() if k != "skipped"} == {k: v for k, v in entries[key].items() if k != "skipped"}
    assert _manifest(out)["summary"] == {"units": 6, "ok": 6, "skipped": 6}
    _check_truthful(out)


def test_changing_one_units_file_reruns_only_it(params, tmp_path, executed):
    out = tmp_path / "reports"
    _batch(params, out)
    before = _entries(out)
    executed.clear()
    unit = params / "luohu-fsa" / "2022.yaml"
    unit.write_text(unit.read_text(encoding="utf-8") + "\n# a reviewer's note\n", encoding="utf-8")
    decisions = {d.key: d for d in _batch(params, out, dry_run=True).decisions}
    assert decisions[(*LUOHU, "zh")].reason == "params/luohu-fsa/2022.yaml changed"
    assert not decisions[(*SHENZHEN, "zh")].run and decisions[(*SHENZHEN, "zh")].reason == "unchanged"
    assert executed == []  # a dry run runs nothing
    result = _batch(params, out)
    assert sorted(executed) == [(*LUOHU, "en"), (*LUOHU, "zh")]
    after = _entries(out)
    assert after[(*LUOHU, "zh")]["inputs"]["sha256"] != before[(*LUOHU, "zh")]["inputs"]["sha256"]
    assert after[(*LUOHU, "zh")]["skipped"] is False and after[(*SHENZHEN, "zh")]["skipped"] is True
    assert len(result.skipped) == 4
    _check_truthful(out)


def test_a_file_an_include_now_matches_reruns_its_unit(params, tmp_path, executed):
    out = tmp_path / "reports"
    _batch(params, out)
    executed.clear()
    # Shenzhen includes 2020/*.yaml: a second copy of its fund evaluation (a new id) is a new input.
    fund = params / "shenzhen-lfsb" / "2020" / "fund.yaml"
    text = fund.read_text(encoding="utf-8")
    first_id = next(ln for ln in text.splitlines() if ln.strip().startswith("- id:"))
    (fund.parent / "fund-b.yaml").write_text(text.replace(first_id, first_id + "-b", 1), encoding="utf-8")
    decisions = {d.key: d for d in _batch(params, out, dry_run=True).decisions}
    assert decisions[(*SHENZHEN, "en")].reason == "include '2020/*.yaml' now matches other files"
    _batch(params, out)
    assert sorted(executed) == [(*SHENZHEN, "en"), (*SHENZHEN, "zh")]


def test_a_deleted_or_altered_output_reruns_its_unit(params, tmp_path, executed):
    out = tmp_path / "reports"
    _batch(params, out)
    executed.clear()
    (out / "beijing-lfsb" / "2021" / "report.en.html").unlink()
    (out / "luohu-fsa" / "2022" / "report.ipynb").write_text("{}", encoding="utf-8")
    (out / "shenzhen-lfsb" / "2020" / "report.docx").unlink()  # the documents are outputs too
    decisions = {d.key: d for d in _batch(params, out, dry_run=True).decisions}
    assert decisions[(*BEIJING, "en")].reason == "output beijing-lfsb/2021/report.en.html is missing"
    assert decisions[(*LUOHU, "zh")].reason == "output luohu-fsa/2022/report.ipynb changed since it was written"
    assert decisions[(*SHENZHEN, "zh")].reason == "output shenzhen-lfsb/2020/report.docx is missing"
    _batch(params, out)
    assert sorted(executed) == [(*BEIJING, "en"), (*LUOHU, "zh"), (*SHENZHEN, "zh")]
    assert (out / "beijing-lfsb" / "2021" / "report.en.html").exists()
    _check_truthful(out)


def test_a_changed_notebook_or_template_reruns_every_unit(params, tmp_path, executed, monkeypatch):
    out = tmp_path / "reports"
    notebook = tmp_path / "evaluation.ipynb"
    shutil.copy(ROOT / "notebooks" / "evaluation.ipynb", notebook)
    _batch(params, out, notebook=notebook)
    executed.clear()
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("one more paragraph"))
    nbformat.write(nb, notebook)
    reasons = {d.reason for d in _batch(params, out, notebook=notebook, dry_run=True).decisions}
    assert reasons == {"the notebook changed"}
    _batch(params, out, notebook=notebook)
    assert set(executed) == ALL
    executed.clear()
    stamp = {**units.code_stamp(), "templates": "0" * 64}  # an edited narrative template
    monkeypatch.setattr(units, "code_stamp", lambda overrides=None: stamp)  # through units.unit_stamp
    reasons = {d.reason for d in _batch(params, out, notebook=notebook, dry_run=True).decisions}
    assert reasons == {"the report templates changed"}
    _batch(params, out, notebook=notebook)
    assert set(executed) == ALL
    executed.clear()
    _batch(params, out, notebook=notebook)  # and now it is the recorded one
    assert executed == []
    _check_truthful(out)


def test_force_only_and_dry_run_on_the_command_line(params, tmp_path, executed):
    out = tmp_path / "reports"
    assert run_cli("batch", str(params), "--out", str(out), "--workers", "1", "--no-progress").returncode == 0
    executed.clear()
    proc = run_cli("batch", str(params), "--out", str(out), "--workers", "1", "--no-progress")
    assert proc.returncode == 0 and executed == []
    assert "0 of 6 reports written" in proc.stdout and "6 unchanged since their last run and skipped" in proc.stdout
    proc = run_cli("batch", str(params), "--out", str(out), "--only", "luohu-fsa/2022", "--force", "--workers", "1",
                   "--no-progress")
    assert proc.returncode == 0 and sorted(executed) == [(*LUOHU, "en"), (*LUOHU, "zh")], proc.stderr
    assert set(_entries(out)) == ALL  # --only keeps the other units' entries
    executed.clear()
    written = (out / "manifest.json").read_bytes()
    proc = run_cli("batch", str(params), "--out", str(out), "--only", "shenzhen-lfsb", "--force", "--dry-run")
    assert proc.returncode == 0 and executed == []
    assert proc.stdout.splitlines() == ["run  shenzhen-lfsb 2020 [zh]: --force", "run  shenzhen-lfsb 2020 [en]: --force",
                                        "2 of 2 reports would run, 0 unchanged would be skipped "
                                        "(--dry-run: nothing run or written)"]
    assert (out / "manifest.json").read_bytes() == written
    proc = run_cli("batch", str(params), "--out", str(out), "--only", "nowhere")
    assert proc.returncode == 2 and "--only nowhere: no such department-year" in proc.stderr


def test_a_dry_run_writes_nothing_not_even_the_output_directory(params, tmp_path, executed):
    out = tmp_path / "reports"
    lines = _batch(params, out, dry_run=True).plan_lines()
    assert lines[0] == "run  beijing-lfsb 2021 [zh]: no earlier run recorded" and len(lines) == 6
    assert not out.exists() and executed == []


def test_failed_units_rerun_and_the_manifest_says_what_is_on_disk(params, tmp_path, executed, monkeypatch):
    out = tmp_path / "reports"
    _batch(params, out)
    executed.clear()
    real = engine.execute

    def fails_for_luohu(notebook, output, parameters, **kw):
        if parameters["department"] == LUOHU[0]:
            executed.append((parameters["department"], parameters["year"], parameters["language"]))
            return engine.Execution(error={"kind": "execution", "summary": "RuntimeError: on purpose"})
        return real(notebook, output, parameters, **kw)

    monkeypatch.setattr(engine, "execute", fails_for_luohu)
    result = _batch(params, out, force=True, only=["luohu-fsa"])
    assert not result.ok
    entries = _entries(out)
    assert entries[(*LUOHU, "zh")]["status"] == "failed" and entries[(*LUOHU, "zh")]["outputs"] == {}
    assert not (out / "luohu-fsa" / "2022" / "report.html").exists()  # no earlier report poses as this run's
    monkeypatch.setattr(engine, "execute", real)
    executed.clear()
    _batch(params, out)
    assert sorted(executed) == [(*LUOHU, "en"), (*LUOHU, "zh")]  # failed: rerun; the others: skipped
    assert _manifest(out)["summary"] == {"units": 6, "ok": 6, "skipped": 4}
    _check_truthful(out)


def test_each_finished_unit_is_one_journal_line_and_a_crash_loses_none(params, tmp_path, executed, monkeypatch):
    """A batch killed between two rewrites of manifest.json (here: stopped at once, as SIGKILL would, by an
    executor that raises SystemExit after two units) leaves the journal; reading the manifest merges it, and the
    next batch skips the units it records as finished."""
    out = tmp_path / "reports"

    def killed(fn, tasks, workers, **_options):
        for t in tasks[:2]:
            yield fn(t)
        lines = (out / manifest.JOURNAL_NAME).read_text(encoding="utf-8").splitlines()
        assert len(lines) == 2 and all(json.loads(ln)["status"] == "ok" for ln in lines)
        with open(out / manifest.JOURNAL_NAME, "a", encoding="utf-8") as f:
            f.write('{"department": "luohu-fsa", "ye')  # a line cut short by the crash
        raise SystemExit(9)

    monkeypatch.setitem(executors.EXECUTORS, "killed", executors.Executor(killed))
    monkeypatch.setattr(batch, "SNAPSHOT_S", 3600.0)  # killed before the first rewrite of manifest.json
    with pytest.raises(SystemExit):
        _batch(params, out, executor="killed")
    assert not (out / "manifest.json").exists()  # the journal has it all
    read = manifest.read_manifest(out)
    assert read["summary"] == {"units": 2, "ok": 2}
    done = {(u["department"], u["year"], u["language"]) for u in read["units"]}
    executed.clear()
    _batch(params, out)
    assert set(executed) == ALL - done
    _check_truthful(out)


def test_the_controller_rewrites_the_manifest_rarely(params, tmp_path, executed, monkeypatch):
    """Each unit costs one appended line, not a rewrite of every earlier record."""
    writes = []
    real = manifest.atomic_write_text
    monkeypatch.setattr(manifest, "atomic_write_text", lambda path, text: (writes.append(path), real(path, text)))
    monkeypatch.setattr(batch, "SNAPSHOT_S", 3600.0)
    _batch(params, tmp_path / "reports")
    assert [Path(p).name for p in writes] == ["manifest.json"]  # once, at the end
    assert not (tmp_path / "reports" / manifest.JOURNAL_NAME).exists()


def test_manifest_json_is_rewritten_from_the_journal_while_a_batch_runs(params, tmp_path, executed, monkeypatch):
    """Every SNAPSHOT_S seconds (here: always) manifest.json is rewritten with the units finished so far, so the
    file alone is never far behind; each rewrite empties the journal."""
    out = tmp_path / "reports"
    seen = []

    def watching(fn, tasks, workers, **_options):
        for t in tasks:
            yield fn(t)
            if (out / "manifest.json").exists():
                seen.append(len(json.loads((out / "manifest.json").read_text(encoding="utf-8"))["units"]))

    monkeypatch.setitem(executors.EXECUTORS, "watching", executors.Executor(watching))
    monkeypatch.setattr(batch, "SNAPSHOT_S", 0.0)
    monkeypatch.setattr(batch, "SNAPSHOT_SHARE", 1.0)
    _batch(params, out, executor="watching")
    assert seen == [1, 2, 3, 4, 5, 6], seen  # after each unit, the file lists every unit finished so far
    _check_truthful(out)


@pytest.mark.slow
def test_a_real_second_batch_skips_its_unit_in_well_under_a_second(tmp_path):
    """The real notebook and kernel: a first batch writes Luohu's Chinese report; a second one with nothing
    changed skips it (no kernel) and its report is byte for byte the first one."""
    params = tmp_path / "parameters"
    shutil.copytree(PARAMS / "frameworks", params / "frameworks")
    shutil.copytree(PARAMS / "luohu-fsa", params / "luohu-fsa")
    out = tmp_path / "reports"
    args = ("batch", str(params), "--out", str(out), "--language", "zh", "--workers", "1", "--no-progress")
    first = run_cli(*args)
    assert first.returncode == 0 and "1 of 1 reports written" in first.stdout, first.stderr
    report = (out / "luohu-fsa" / "2022" / "report.html").read_bytes()
    second = run_cli(*args)
    assert second.returncode == 0 and "0 of 1 reports written" in second.stdout, second.stderr
    seconds = float(re.search(r" in ([0-9.]+)s;", second.stdout).group(1))
    assert seconds < 1.0, second.stdout
    assert (out / "luohu-fsa" / "2022" / "report.html").read_bytes() == report
    assert _manifest(out)["summary"] == {"units": 1, "ok": 1, "skipped": 1}
    _check_truthful(out)


def test_other_documents_asked_for_rerun_every_unit(params, tmp_path, executed):
    """``--documents none`` then the default: every unit runs again (its outputs are not those asked for),
    and says why; the same choice again skips them."""
    out = tmp_path / "out"
    first = _batch(params, out, documents=())
    assert first.ok
    assert all(set(u["outputs"]) == {"notebook", "html"} for u in _entries(out).values())
    again = _batch(params, out, documents=())
    assert all(not d.run for d in again.decisions)
    full = _batch(params, out)
    assert [d.reason for d in full.decisions] == ["the documents asked for (--documents) changed"] * len(full.decisions)
    _check_truthful(out)


def test_documents_not_asked_for_are_not_written_and_an_earlier_runs_are_removed(tmp_path):
    """The real writer: with ("xlsx",) only the score sheet is written and recorded; a docx and pdf left by
    an earlier run are removed (they would no longer match the report)."""
    from perfkit.run import documents, units

    udir = tmp_path / "luohu-fsa" / "2022"
    udir.mkdir(parents=True)
    names = units.LANGUAGES["zh"]
    for stale in (names.docx, names.pdf):
        (udir / stale).write_bytes(b"an earlier run's")
    (udir / names.html).write_text("<html></html>", encoding="utf-8")
    rec = manifest.UnitRecord("luohu-fsa", 2022, "zh")
    bundle = units.validate_unit(PARAMS, "luohu-fsa", 2022)
    documents.write_documents(rec, bundle, udir, names, tmp_path, udir / names.html, None, ("xlsx",))
    assert set(rec.outputs) == {"xlsx"} and (udir / names.xlsx).read_bytes()[:2] == b"PK"
    assert not (udir / names.docx).exists() and not (udir / names.pdf).exists()
    assert units.documents_of("pdf,docx") == ("docx", "pdf") and units.documents_of("none") == ()
    with pytest.raises(RunError, match="unknown document 'html'"):
        units.documents_of("docx,html")


def test_a_first_batch_starts_its_warm_server_before_it_reads_the_units(params, tmp_path, executed, monkeypatch):
    """With no earlier run in the output folder every unit will run: the batch's shared warm server (whose
    imports the first reports wait for) starts before the units are discovered and planned. With a manifest
    it starts only once the plan says two or more reports run, and not at all when every unit is skipped."""
    events: list[str] = []
    monkeypatch.setattr(batch, "_share_server", lambda kernel: events.append("server") or "an address")
    discover = batch.discover_units
    monkeypatch.setattr(batch, "discover_units", lambda p: events.append("discover") or discover(p))
    in_process = executors.Executor(lambda fn, tasks, workers, **_kw: map(fn, tasks))
    monkeypatch.setitem(executors.EXECUTORS, "process", in_process)
    out = tmp_path / "reports"

    def run(**kw):
        events.clear()
        executed.clear()
        return batch.run_batch(params, out, workers=2, progress=False, **kw)

    assert run(dry_run=True) is not None and events == ["discover"] and not out.exists()
    events.clear()
    assert batch.run_batch(params, tmp_path / "one-worker", workers=1, progress=False).ok
    assert events == ["discover"]  # one worker forks from a server of its own
    assert run().ok and len(executed) == 6
    assert events == ["server", "discover"]
    assert run().ok and executed == [] and events == ["discover"]  # every unit skipped: no server
    path = params / "luohu-fsa" / "2022.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# corrected\n", encoding="utf-8")
    assert run().ok and len(executed) == 2
    assert events == ["discover", "server"]
