"""The published JSON Schema of parameter files, generated from the pydantic models in ``params``."""

from __future__ import annotations

import json
import os

from .params import DepartmentYear, EvaluationList, Framework

SCHEMAS = {
    "framework.schema.json": Framework,
    "department-year.schema.json": DepartmentYear,
    "evaluations.schema.json": EvaluationList,
}


def schema_documents() -> dict[str, dict]:
    return {name: model.model_json_schema() for name, model in SCHEMAS.items()}


def write_schemas(out_dir: str) -> list[str]:
    os.makedirs(out_dir, exist_ok=True)
    written = []
    for name, doc in schema_documents().items():
        path = os.path.join(out_dir, name)
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, ensure_ascii=False, indent=2, sort_keys=True)
            fh.write("\n")
        written.append(path)
    return written
