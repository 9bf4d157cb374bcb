"""Start-up: the command parses its arguments before importing the scientific stack, so ``perfkit --help``
and the help of every subcommand import none of pandas, NumPy, matplotlib, SALib or papermill; and
``perfkit validate FILE`` imports only what loading and scoring need (NumPy and pydantic, not pandas, SciPy,
SALib, matplotlib or the notebook stack)."""

import subprocess
import sys

import pytest

from conftest import ROOT

HEAVY = ("pandas", "numpy", "matplotlib", "SALib", "scipy", "papermill", "nbconvert", "jupyter_client", "pydantic")

PROBE = """
import sys
argv = sys.argv[1:]
if argv:
    from perfkit.cli import main
    try:
        main(argv)
    except SystemExit:
        pass
else:
    import perfkit.cli
print(" ".join(m for m in {heavy!r} if m in sys.modules), file=sys.stderr)
"""


@pytest.mark.slow
@pytest.mark.parametrize("args", [[], ["--help"], ["batch", "--help"], ["run", "--help"], ["validate", "--help"],
                                  ["targets", "--help"]])
def test_the_command_imports_no_heavy_library_before_it_needs_one(args):
    proc = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY), *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    imported = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ""
    assert imported == "", f"perfkit {' '.join(args)} imported {imported}"


# What scoring a file does not need: the DataFrames of a result are built on first use, sensitivity and the
# report are never imported by ``validate``.
NOT_FOR_VALIDATE = ("pandas", "scipy", "SALib", "matplotlib", "papermill", "nbconvert", "nbclient", "jupyter_client",
                    "openpyxl", "docx", "jinja2")


@pytest.mark.slow
@pytest.mark.parametrize("path", ["parameters/luohu-fsa/2022.yaml", "parameters/frameworks/luohu-department-2022.yaml",
                                  "parameters"])
def test_validate_imports_no_library_that_scoring_does_not_need(path):
    proc = subprocess.run([sys.executable, "-c", PROBE.format(heavy=NOT_FOR_VALIDATE + ("numpy", "pydantic")),
                           "validate", path], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert "valid" in proc.stdout, (proc.stdout, proc.stderr)  # it did validate (and score) the files
    imported = proc.stderr.strip().splitlines()[-1].split()
    assert set(imported) == {"numpy", "pydantic"}, f"perfkit validate {path} imported {imported}"
