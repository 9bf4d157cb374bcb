"""The package's layers, checked by import-linter with the contracts in pyproject.toml.

Each layer imports only the layers below it (cli > run > report > analysis > core > load, schema >
params > errors, fmt) and no two modules of one package import each other in a circle. A broken
contract fails here with import-linter's own report of the offending import chain.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept():
    lint = Path(sys.executable).parent / "lint-imports"
    r = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 broken" in r.stdout
