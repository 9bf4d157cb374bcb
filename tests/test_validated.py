"""The unit as a batch validated it, handed to the notebook (perfkit.core.validated): read when it holds the
unit asked for and its files are unchanged, ignored otherwise, and what a batch passes to each run."""

from __future__ import annotations

import os
import time
from pathlib import Path

import nbformat
import pytest

from perfkit.core import validated
from perfkit.core.scoring import score_bundle
from perfkit.errors import ParameterError
from perfkit.load import find_unit, load, resolve_params_dir
from perfkit.run import batch, engine, files

from conftest import params_copy

LUOHU = ("luohu-fsa", 2022)


def _fresh(params, department, year):
    bundle = load(find_unit(params, department, year), str(params))
    return bundle, score_bundle(bundle)


@pytest.fixture
def handoff(tmp_path, monkeypatch):
    """A copy of the shipped Luohu parameters, its handoff written and named in $PERFKIT_VALIDATED."""
    params = params_copy(tmp_path, "luohu-fsa")
    bundle, results = _fresh(params, *LUOHU)
    path = tmp_path / "unit.pickle"
    validated.write_validated(path, params, *LUOHU, bundle, results)
    monkeypatch.setenv(validated.VALIDATED_ENV, str(path))
    return params, path, results


def _no_loading(monkeypatch):
    monkeypatch.setattr(validated, "load", lambda *a, **k: pytest.fail("the unit was loaded again"))


def test_the_handoff_is_read_instead_of_the_files_and_scores_the_same(handoff, monkeypatch):
    params, _, results = handoff
    _no_loading(monkeypatch)
    bundle, again = validated.load_scored(params, *LUOHU)
    assert [r.total for r in again] == [r.total for r in results]
    assert [r.grade for r in again] == [r.grade for r in results]
    assert round(again[0].total, 2) == 86.53  # Luohu 2022 recomputed (its report printed 88.62)
    assert bundle.department.id == "luohu-fsa"


def test_a_relative_spelling_of_the_same_directory_is_the_same_unit(handoff, monkeypatch):
    params, _, _ = handoff
    _no_loading(monkeypatch)
    monkeypatch.chdir(params.parent)
    validated.load_scored("parameters", *LUOHU)


def test_a_file_changed_after_validation_is_loaded_again(handoff):
    params, _, results = handoff
    unit = Path(find_unit(params, *LUOHU))
    text = unit.read_text(encoding="utf-8")
    unit.write_text(text + "\n# edited after the batch validated it\n", encoding="utf-8")
    assert validated.read_validated(os.environ[validated.VALIDATED_ENV], params, *LUOHU) is None
    bundle, again = validated.load_scored(params, *LUOHU)
    assert [r.total for r in again] == [r.total for r in results]  # the comment changes no figure


def test_a_file_added_beside_the_unit_is_a_miss(handoff):
    params, path, _ = handoff
    time.sleep(0.01)
    (params / "luohu-fsa" / "notes.yaml").write_text("a: 1\n", encoding="utf-8")  # an include pattern may match it
    assert validated.read_validated(path, params, *LUOHU) is None


def test_another_unit_or_another_directory_is_a_miss(handoff, tmp_path):
    params, path, _ = handoff
    assert validated.read_validated(path, params, "luohu-fsa", 2021) is None
    assert validated.read_validated(path, params, "shenzhen-lfsb", 2022) is None
    other = params_copy(tmp_path / "other", "luohu-fsa")
    assert validated.read_validated(path, other, *LUOHU) is None


@pytest.mark.parametrize("content", [b"", b"not a pickle", b"\x80\x05K\x01."])  # the last: the integer 1
def test_a_file_that_is_no_handoff_is_a_miss_not_an_error(handoff, content):
    params, path, results = handoff
    path.write_bytes(content)
    assert validated.read_validated(path, params, *LUOHU) is None
    _, again = validated.load_scored(params, *LUOHU)
    assert [r.total for r in again] == [r.total for r in results]


def test_a_missing_file_is_a_miss(handoff):
    params, path, _ = handoff
    path.unlink()
    assert validated.read_validated(path, params, *LUOHU) is None


def test_a_parameter_error_is_raised_as_before(tmp_path, monkeypatch):
    params = params_copy(tmp_path, "luohu-fsa")
    monkeypatch.setenv(validated.VALIDATED_ENV, str(tmp_path / "absent.pickle"))
    with pytest.raises(ParameterError, match="2031"):
        validated.load_scored(params, "luohu-fsa", 2031)


def test_a_batch_hands_each_run_the_unit_it_validated_and_removes_the_file(tmp_path, monkeypatch):
    """What the notebook would read: ``Report.load`` resolves ``params_dir=""`` through $PERFKIT_PARAMS,
    as the batch sets it; the handoff must hold that unit, and be gone after the run."""
    params = params_copy(tmp_path, "luohu-fsa")
    seen = []
    read_validated = validated.read_validated

    def execute(notebook, output, parameters, *, params_dir=None, validated=None, **_kw):
        if "department" not in parameters:  # the portfolio notebook: no unit of its own
            return engine.Execution(error={"kind": "execution", "summary": "stand-in"})
        assert validated is not None
        monkeypatch.setenv(engine.PARAMS_ENV, str(params_dir))
        pdir = resolve_params_dir(parameters["params_dir"])
        found = read_validated(validated, pdir, parameters["department"], parameters["year"])
        assert found is not None, "the handoff does not hold the unit the notebook asks for"
        seen.append((Path(validated), parameters["language"], found[1][0].total))
        return engine.Execution(error={"kind": "execution", "summary": "stand-in"})

    monkeypatch.setattr(engine, "execute", execute)
    batch.run_batch(params, tmp_path / "out", workers=1, progress=False, documents=())  # in this process
    assert sorted(lang for _, lang, _ in seen) == ["en", "zh"]
    assert {round(total, 2) for _, _, total in seen} == {86.53}
    assert not any(path.exists() for path, _, _ in seen)  # removed after each run


def test_handoffs_of_killed_workers_are_removed_by_the_next_batch(tmp_path, monkeypatch):
    """A worker killed while its notebook ran leaves its handoff behind (no cleanup runs on SIGKILL); the
    next batch removes those whose worker is gone, and leaves a running one's."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(files, "_SWEPT", set())  # as in a new process: its first handoff sweeps
    dead = tmp_path / f"{batch.HANDOFF_PREFIX}{2**31 - 2}-x1.pickle"  # beyond any pid_max: no such process
    live = tmp_path / f"{batch.HANDOFF_PREFIX}{os.getppid()}-x2.pickle"
    other = tmp_path / "perfkit-validated-notes.pickle"  # not a handoff's name
    for p in (dead, live, other):
        p.write_bytes(b"x")
    params = params_copy(tmp_path, "luohu-fsa")
    monkeypatch.setattr(engine, "execute", lambda *a, **k: engine.Execution(error={"kind": "execution",
                                                                                   "summary": "stand-in"}))
    batch.run_batch(params, tmp_path / "out", workers=1, progress=False, documents=())
    assert not dead.exists() and live.exists() and other.exists()
    assert not list(tmp_path.glob(f"{batch.HANDOFF_PREFIX}{os.getpid()}-*"))  # this batch's own are gone too


def test_a_batch_validates_each_unit_once_for_both_languages_and_the_portfolio(tmp_path, monkeypatch):
    """A batch keeps one handoff per unit in a shared private folder: the unit's first language validates it
    there (every first language runs before any second), its second language and the portfolio notebook
    read it (the folder is named in the portfolio's $PERFKIT_VALIDATED); the folder is gone afterwards."""
    from perfkit.run import units

    params = params_copy(tmp_path, "luohu-fsa")
    validations, seen = [], []
    validate_unit = units.validate_unit

    def counting(*a, **k):
        validations.append(a[1:3])
        return validate_unit(*a, **k)

    def execute(notebook, output, parameters, *, validated=None, **_kw):
        seen.append((parameters.get("language", "portfolio"), validated))
        if "department" not in parameters:  # the portfolio: the shared folder, each unit in it by name
            assert os.path.isdir(validated)
            monkeypatch.setenv(engine.VALIDATED_ENV, validated)
            bundle, results = validated_mod.load_scored(params, *LUOHU)
            assert round(results[0].total, 2) == 86.53
            return engine.Execution(error={"kind": "execution", "summary": "stand-in"})
        # a unit: an executed notebook with nothing in it (the portfolio runs once a report has come back ok)
        return engine.Execution(notebook=nbformat.read(notebook, as_version=4))

    validated_mod = validated
    monkeypatch.setattr(batch, "validate_unit", counting)
    monkeypatch.setattr(engine, "execute", execute)
    monkeypatch.setattr(validated, "load", lambda *a, **k: pytest.fail("the portfolio loaded the unit again"))
    monkeypatch.setattr(units, "_VALIDATED", {})  # no validation of an earlier test in this process
    batch.run_batch(params, tmp_path / "out", workers=1, progress=False, documents=())
    assert validations == [("luohu-fsa", 2022)]  # once, for zh; en read it from the folder
    languages = [lang for lang, _ in seen]
    assert languages[:2] == ["zh", "en"] and languages[-1] == "portfolio"
    shared = {v for lang, v in seen if lang != "portfolio"}
    assert len(shared) == 1 and Path(shared.pop()).parent == Path(seen[-1][1])  # one file, in the folder
    assert not Path(seen[-1][1]).exists()  # removed at the end of the batch


def test_the_portfolio_starts_when_the_units_are_validated_or_half_way_through_one_language():
    def tasks(n_units, languages):
        return [{"department": f"d{i}", "year": 2022, "language": lang} for lang in languages for i in range(n_units)]

    assert batch.portfolio_start(tasks(50, ["zh", "en"]), workers=2) == 50  # every unit's first language done
    assert batch.portfolio_start(tasks(50, ["zh"]), workers=2) == 25  # half of a batch of one language
    assert batch.portfolio_start(tasks(3, ["zh", "en"]), workers=2) == 3
    assert batch.portfolio_start(tasks(1, ["zh", "en"]), workers=2) == 0  # no worker free later: at once
    assert batch.portfolio_start(tasks(2, ["zh"]), workers=4) == 0
