"""Ordinary mistakes in parameter files (issue 10): each is one line naming the file, line, field and what
was expected, through both ``perfkit validate`` and ``perfkit score``; ``validate`` fails exactly when ``score``
does; a framework's own faults are located in the framework's file."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from perfkit.cli import main

ROOT = Path(__file__).resolve().parents[1] / "parameters"
YEAR, FW = "luohu-fsa/2022.yaml", "frameworks/luohu-department-2022.yaml"
LINE = re.compile(r"^\S+\.yaml:\d+: \S+: .+$")


def _replace(old: str, new: str):
    def edit(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)
    return edit


def _cut(start: str, stop: str):
    def edit(text: str) -> str:
        i = text.index(start)
        return text[:i] + text[text.index(stop, i):]
    return edit


# name: (file edited, edit, file blamed, field blamed, words of the message)
CASES = {
    "no indicators block": (YEAR, _cut("    indicators:\n", "    targets:\n"), YEAR,
                            "evaluations[0].indicators.project-timeliness.target", "required by the ratio rule"),
    "indicators block left empty": (YEAR, _cut("      budget-reasonableness:", "    targets:\n"), YEAR,
                                    "evaluations[0].indicators", "valid dictionary"),
    "misspelt id under a ratio rule": (YEAR, _replace("      project-timeliness:\n", "      project-timelines:\n"),
                                       YEAR, "evaluations[0].indicators.project-timelines", "no leaf indicator"),
    "ratio leaf with no inputs": (YEAR, _replace("      project-timeliness:\n        target: 12\n        actual: 12\n",
                                                 "      project-timeliness:\n"),
                                  YEAR, "evaluations[0].indicators.project-timeliness.actual", "expected a number"),
    "sum part with no inputs": (YEAR, _replace("          procurement-policy:\n            answers: {policy-implemented: "
                                               "true}\n", "          procurement-policy:\n"),
                                YEAR, "parts.procurement-policy.answers.policy-implemented", "is not answered"),
    "unknown part under a sum": (YEAR, _replace("          procurement-policy:\n", "          procurement-polcy:\n"),
                                 YEAR, "parts.procurement-polcy", "no such part"),
    "reported.nodes names no node": (YEAR, _replace("      total: 88.62\n", "      total: 88.62\n      nodes: {nosuch: 3}\n"),
                                     YEAR, "evaluations[0].reported.nodes.nosuch", "no node 'nosuch'"),
    "targets[].indicator names no leaf": (YEAR, _replace("        indicator: key-work\n        status",
                                                         "        indicator: key-wrok\n        status"),
                                          YEAR, "evaluations[0].targets[0].indicator", "no leaf indicator 'key-wrok'"),
    "targets[].indicator names a branch": (YEAR, _replace("        indicator: key-work\n        status",
                                                          "        indicator: effect\n        status"),
                                           YEAR, "evaluations[0].targets[0].indicator", "no leaf indicator 'effect'"),
    "framework with an empty tree": (FW, lambda t: t[:t.index("\ntree:\n")] + "\ntree: []\n", FW, "tree",
                                     "at least one indicator"),
    "framework names an unknown measure": (FW, _replace("measure: budget.adjustment_rate", "measure: budget.nosuch"),
                                           FW, "rule.parts[1].rule.measure", "unknown measure 'budget.nosuch'"),
    "zero-if names an unknown measure": (FW, _replace("when: {measure: budget.procurement_rate",
                                                      "when: {measure: budget.nosuch"),
                                         FW, "zero_if[0].when.measure", "unknown measure 'budget.nosuch'"),
    "duplicate checklist item id": (FW, _replace("{id: allocated-by-priority,", "{id: fits-duties,"),
                                    FW, "rule.items[1].id", "'fits-duties' is used twice"),
    "duplicate part id": (FW, _replace("- id: adjustment-compliance", "- id: spending-compliance"),
                          FW, "rule.parts[1].id", "'spending-compliance' is used twice"),
}
# An alternative reading's `set:` (the framework's `set: {average: year_end}`) that is not a valid rule of its
# family: what it writes → (field blamed, words of the message).
ALTERNATIVE_SETS = {
    "{average: 2022-01-01}": ("average", "'year_end'"),  # YAML reads a date
    "{average: [1, 2]}": ("average", "'year_end'"),
    "{average: 3}": ("average", "'year_end'"),
    "{nosuch: 3}": ("nosuch", "unknown field"),  # a field the family does not have
    "{family: ratio}": ("family", "input should be"),
}
CASES |= {f"alternative set: {written}": (FW, _replace("set: {average: year_end}", f"set: {written}"), FW,
                                          f"rule.alternatives[0].set.{fld}", words)
          for written, (fld, words) in ALTERNATIVE_SETS.items()}


@pytest.fixture
def params(tmp_path: Path) -> Path:
    for rel in (YEAR, FW):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / rel, tmp_path / rel)
    return tmp_path


def _run(capsys, *argv) -> tuple[int, list[str]]:
    code = main(list(argv))
    err = capsys.readouterr().err
    assert "internal error" not in err and "Traceback" not in err, err
    return code, err.strip().splitlines()


@pytest.mark.parametrize("name", CASES)
def test_mistake_is_one_located_line_in_validate_and_score(name, params, capsys, monkeypatch):
    monkeypatch.delenv("PERFKIT_DEBUG", raising=False)
    edited, edit, blamed, fld, words = CASES[name]
    path = params / edited
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    outcomes = {cmd: _run(capsys, cmd, str(params / YEAR)) for cmd in ("validate", "score")}
    for cmd, (code, lines) in outcomes.items():
        assert code == 1, (cmd, lines)
        assert all(LINE.match(x) for x in lines), (cmd, lines)
        hits = [x for x in lines if x.startswith(str(params / blamed) + ":") and fld in x and words in x]
        assert hits, (cmd, lines)
    assert outcomes["validate"] == outcomes["score"]  # validate fails exactly when, and as, score does
    if blamed == FW:  # the framework's own faults are found by validating the framework file alone
        code, lines = _run(capsys, "validate", str(params / FW))
        assert code == 1 and any(fld in x and words in x for x in lines), lines


@pytest.mark.parametrize("unit", ["luohu-fsa/2022", "shenzhen-lfsb/2020", "beijing-lfsb/2021"])
def test_shipped_files_are_valid_and_score(unit, capsys):
    assert _run(capsys, "validate", str(ROOT / f"{unit}.yaml"))[0] == 0
    assert main(["score", str(ROOT / f"{unit}.yaml"), "--json"]) == 0
