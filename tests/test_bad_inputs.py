"""The bad-input corpus (issue 10): each file under tests/bad_inputs/ is put in place of one file of a small valid
parameters folder (tests/bad_inputs/base/) and run through one command; tests/bad_inputs/expected.yaml says what
the command must answer: the exit code, the file, line and field the first line of stderr names and the words it
says, and how many lines stderr has. Never a traceback, never an internal error, never output on stdout when it
fails."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import run_cli

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
BASE = CORPUS / "base"
MANIFEST = CORPUS / "expected.yaml"
YEAR = "luohu-fsa/2022.yaml"
EXPECTED: dict[str, dict] = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))


def corpus_files() -> set[str]:
    return {p.name for p in CORPUS.iterdir() if p.is_file() and p != MANIFEST}


def test_every_file_has_an_entry_and_every_entry_a_file():
    assert corpus_files() == set(EXPECTED)
    assert len(EXPECTED) >= 80


def _strict_json(text: str):
    def refuse(name):
        raise AssertionError(f"{name} is not JSON")
    return json.loads(text, parse_constant=refuse)


@pytest.fixture(scope="module")
def base_is_valid(tmp_path_factory):
    """The base folder itself passes all three commands, with valid JSON: every failure below is the bad file's."""
    params = tmp_path_factory.mktemp("base") / "parameters"
    shutil.copytree(BASE, params)
    for command in ("validate", "score", "targets"):
        r = run_cli(command, params / YEAR, *(["--json"] if command != "validate" else []))
        assert r.returncode == 0 and not r.stderr, (command, r.stderr)
        if command != "validate":
            _strict_json(r.stdout)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_input(name, tmp_path, base_is_valid, monkeypatch):
    monkeypatch.delenv("PERFKIT_DEBUG", raising=False)
    case = EXPECTED[name]
    params = tmp_path / "parameters"
    shutil.copytree(BASE, params)
    shutil.copyfile(CORPUS / name, params / case.get("at", YEAR))
    command, *options = case["command"].split()
    if command != "validate":
        options.append("--json")
    r = run_cli(command, params / case.get("path", YEAR), *options)
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr, r.stderr
    assert r.returncode == case["exit"], (r.returncode, r.stderr)
    if case["exit"] == 0:
        assert not r.stderr
        assert all(r.stdout.count(words) == 1 for words in case["stdout"]), r.stdout  # said, and said once
        return
    assert not r.stdout
    lines = r.stderr.splitlines()
    assert len(lines) == case.get("lines", 1), lines
    assert all(line.startswith(f"{params}/") for line in lines), lines  # each names a file of the folder
    first = lines[0].replace(f"{params}/", "")
    where = case["file"] + (f":{case['line']}" if case["line"] is not None else "") + ":"
    where += f" {case['field']}:" if case["field"] is not None else ""
    assert first.startswith(where + " "), (where, first)
    missing = [words for words in case["says"] if words not in first]
    assert not missing, (missing, first)
