"""Check parameter files against the pydantic schema only (no scoring): a stop-gap for transcribers.

Usage: .venv/bin/python tools/check_schema.py FILE...
"""
import sys

import yaml
from pydantic import ValidationError

from perfkit.params import DepartmentYear, EvaluationList, Framework

status = 0
for path in sys.argv[1:]:
    data = yaml.safe_load(open(path, encoding="utf-8"))
    model = Framework if "/frameworks/" in path else (DepartmentYear if "department" in data else EvaluationList)
    try:
        model.model_validate(data)
        print(f"{path}: ok ({model.__name__})")
    except ValidationError as exc:
        status = 1
        for err in exc.errors():
            print(f"{path}: {'.'.join(map(str, err['loc']))}: {err['msg']}")
sys.exit(status)
