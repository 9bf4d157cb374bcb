"""The published schema documents every field, and fields.md is generated with the JSON Schema.

That the files committed under docs/schema/ equal what `perfkit schema` writes now (fields.md included)
is checked once, by test_cli.py::test_committed_schema_matches_the_code, which compares every file the
command writes; the last test here makes sure fields.md is among them.
"""

import os
import re
from typing import Literal

from pydantic import BaseModel, Field

from perfkit.schema import FIELDS_DOC, SECTIONS, fields_markdown, model_schemas, schema_documents, write_schemas


def models_of(doc: dict) -> dict[str, dict]:
    """The root model and every model in ``$defs`` of one JSON Schema document, by title."""
    return {doc["title"]: doc, **doc.get("$defs", {})}


def undocumented(doc: dict) -> list[str]:
    """``Model.field`` for every property without a description, and ``Model`` for a model without one."""
    missing = []
    for name, model in models_of(doc).items():
        if not str(model.get("description", "")).strip():
            missing.append(name)
        for field, prop in model.get("properties", {}).items():
            if not str(prop.get("description", "")).strip():
                missing.append(f"{name}.{field}")
    return missing


def test_every_field_of_every_model_is_described():
    docs = schema_documents()
    assert set(docs) == {"framework.schema.json", "department-year.schema.json", "evaluations.schema.json"}
    for name, doc in docs.items():
        assert models_of(doc), name
        missing = undocumented(doc)
        assert not missing, f"{name}: give these a description (Field(description=...) or a docstring): {missing}"


def test_the_check_catches_an_undocumented_field():
    class Inner(BaseModel):
        """Documented model."""

        ok: int = Field(0, description="described")
        bare: str | None = None

    class Outer(BaseModel):
        """Documented root."""

        kind: Literal["x"] = Field(description="described")
        inner: Inner = Field(description="described")

    assert undocumented(Outer.model_json_schema()) == ["Inner.bare"]


def test_fields_reference_has_every_model_and_field():
    text = fields_markdown()
    schemas = model_schemas()
    placed = [m.__name__ for _, _, models in SECTIONS for m in models]
    assert len(placed) == len(set(placed)), "a model is placed twice in schema.SECTIONS"
    assert set(placed) == set(schemas), "place every model in schema.SECTIONS (and drop models no schema uses)"
    sections = re.split(r"^### ", text, flags=re.M)[1:]
    by_model = {s.split("\n", 1)[0]: s.split("\n## ", 1)[0] for s in sections}
    assert list(by_model) == placed
    for name, schema in schemas.items():
        rows = re.findall(r"^\| `([^`]+)` \| ", by_model[name], flags=re.M)
        assert sorted(rows) == sorted(schema.get("properties", {})), name
    assert "| `family` | model |" in text
    assert text == fields_markdown()


def test_perfkit_schema_writes_fields_md(tmp_path):
    written = write_schemas(str(tmp_path))
    assert FIELDS_DOC in {os.path.basename(p) for p in written}
    assert (tmp_path / FIELDS_DOC).read_text(encoding="utf-8") == fields_markdown()
