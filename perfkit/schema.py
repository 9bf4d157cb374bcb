"""The published schema of parameter files, generated from the pydantic models in ``params``.

``perfkit schema`` writes two things to ``docs/schema/``: the JSON Schema of each kind of file, and
``fields.md``, a field-by-field reference for people writing parameter files. Both come from the
models (types and constraints from the JSON Schema, defaults and order from the models themselves),
so neither can drift from the code. The output is deterministic: regenerating it changes nothing
unless the models changed.
"""

from __future__ import annotations

import contextlib
import json
import os
from typing import Any

from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from . import params
from .params import DepartmentYear, EvaluationList, Framework
from .rules import REGISTRY

SCHEMAS = {
    "framework.schema.json": Framework,
    "department-year.schema.json": DepartmentYear,
    "evaluations.schema.json": EvaluationList,
}

FIELDS_DOC = "fields.md"

# Sections of fields.md and the models in each, in reading order: a department-year file from the top
# down, then frameworks, the rule families (each followed by its own pieces), then pieces shared by many.
SECTIONS: list[tuple[str, str, list[type[BaseModel]]]] = [
    (
        "Department-year files",
        "`parameters/<department-id>/<year>.yaml`, and the files its `include:` pulls in.",
        [
            params.DepartmentYear,
            params.Department,
            params.KeyTask,
            params.Budget,
            params.BudgetLine,
            params.PriorYear,
            params.SpendControl,
            params.ControlLine,
            params.Procurement,
            params.Assets,
            params.AssetLine,
            params.Staff,
            params.Evaluation,
            params.EvaluationWork,
            params.Statement,
            params.Project,
            params.IndicatorInput,
            params.PerformanceTarget,
            params.Reported,
            params.EvaluationList,
        ],
    ),
    (
        "Frameworks",
        "`parameters/frameworks/<framework-id>.yaml`, and the indicator tree an evaluation may bring inline.",
        [params.Framework, params.Indicator],
    ),
    (
        "Rule families",
        "A leaf's `rule`, a rule template and a part's `rule` are each one of these, chosen by `family`. "
        "W is the indicator's (or part's) points; every family clips its score to [0, W].",
        [  # each family's settings, then the pieces its module documents beside them
            model for fam in REGISTRY.values() for model in (fam.settings, *fam.models)
        ],
    ),
    (
        "Shared pieces",
        "Used by several of the models above.",
        [params.ZeroIf, params.Condition, params.Alternative, params.Interval, params.GradeBand],
    ),
]


def schema_documents() -> dict[str, dict]:
    return {name: model.model_json_schema() for name, model in SCHEMAS.items()}


# --------------------------------------------------------------------------------------------
# fields.md
# --------------------------------------------------------------------------------------------


def model_schemas(documents: dict[str, dict] | None = None) -> dict[str, dict]:
    """The JSON Schema of every model the documents define, by model name (roots and ``$defs``)."""
    out: dict[str, dict] = {}
    for doc in (documents or schema_documents()).values():
        root = {k: v for k, v in doc.items() if k != "$defs"}
        for name, schema in [(doc["title"], root), *doc.get("$defs", {}).items()]:
            if name in out and out[name] != schema:
                raise ValueError(f"model {name!r} has different schemas in different documents")
            out[name] = schema
    return out


def _anchor(heading: str) -> str:
    """The anchor GitHub gives a heading made of words, digits and spaces."""
    return "-".join(heading.lower().split())


def _cell(text: str) -> str:
    """Text fit for one Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def _code(value: Any) -> str:
    return f"`{value}`"


def _json(value: Any) -> str:
    """A value as compact JSON, whole floats without their ``.0`` (90, not 90.0)."""

    def tidy(x):
        if isinstance(x, float) and x.is_integer():
            return int(x)
        if isinstance(x, list):
            return [tidy(v) for v in x]
        if isinstance(x, dict):
            return {k: tidy(v) for k, v in x.items()}
        return x

    return json.dumps(tidy(to_jsonable_python(value)), ensure_ascii=False, separators=(", ", ": "))


def _bounds(s: dict) -> list[str]:
    out = []
    for key, sym in (("exclusiveMinimum", ">"), ("minimum", "≥"), ("exclusiveMaximum", "<"), ("maximum", "≤")):
        if key in s:
            out.append(f"{sym} {s[key]:g}")
    lo, hi = s.get("minItems"), s.get("maxItems")
    if lo is not None and lo == hi:
        out.append(f"{lo} items")
    else:
        if lo:
            out.append(f"at least {lo}")
        if hi is not None:
            out.append(f"at most {hi}")
    if "pattern" in s:
        out.append(f"pattern {_code(s['pattern'])}")
    return out


def type_text(s: dict) -> str:
    """A JSON Schema fragment as a short type for the reference table, e.g. ``array of [Band](#band)``."""
    if "$ref" in s:
        name = s["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{_anchor(name)})"
    if "discriminator" in s and "oneOf" in s:
        tag = s["discriminator"]["propertyName"]
        if tag == "family":
            return "rule (by `family`, see [Rule families](#rule-families))"
        return " or ".join(type_text(x) for x in s["oneOf"]) + f" (by {_code(tag)})"
    if "anyOf" in s:
        return " or ".join(type_text(x) for x in s["anyOf"])
    if "const" in s:
        return _code(_json(s["const"]))
    if "enum" in s:
        return " or ".join(_code(_json(v)) for v in s["enum"])
    kind = s.get("type")
    if kind == "array":
        text = "array of " + _inner(s.get("items", {}))
    elif kind == "object":
        extra = s.get("additionalProperties")
        text = "map of string to " + (_inner(extra) if isinstance(extra, dict) else "any")
    elif kind is None:
        text = "any"
    else:
        text = kind
    bounds = _bounds(s)
    return text + (f" ({', '.join(bounds)})" if bounds else "")


def _inner(s: dict) -> str:
    """The type of an array's items or a map's values, bracketed when it is a choice."""
    text = type_text(s)
    return f"({text})" if " or " in text else text


def _field_order(model: type[BaseModel]) -> list[str]:
    """The fields as declared, except that those every rule shares (``reading``, …) follow the rule's own."""
    shared = set(params.RuleBase.model_fields) if issubclass(model, params.RuleBase) else set()
    return [f for f in model.model_fields if f not in shared] + [f for f in model.model_fields if f in shared]


def _default_text(model: type[BaseModel], name: str, required: bool) -> str:
    if required:
        return "required"
    info = model.model_fields[name]
    return "default " + _code(_json(info.get_default(call_default_factory=True)))


def _first_paragraph(text: str) -> str:
    return " ".join(text.strip().split("\n\n", 1)[0].split())


def _model_section(model: type[BaseModel], schema: dict) -> list[str]:
    name = model.__name__
    lines = [f"### {name}", ""]
    if schema.get("description"):
        lines += [_first_paragraph(schema["description"]), ""]
    props = schema.get("properties", {})
    required = set(schema.get("required", []))
    if set(props) != set(model.model_fields):
        raise ValueError(f"{name}: the schema's properties differ from the model's fields")
    lines += ["| field | type | required / default | description |", "|---|---|---|---|"]
    for field in _field_order(model):
        prop = props[field]
        lines.append("| " + " | ".join([
            _code(field),
            _cell(type_text(prop)),
            _cell(_default_text(model, field, field in required)),
            _cell(prop.get("description", "")),
        ]) + " |")
    return lines + [""]


def _rule_family_index(schemas: dict[str, dict]) -> list[str]:
    """A table of ``family`` values and the models that define them, from the discriminator mapping."""
    mapping: dict[str, str] = {}
    for schema in schemas.values():
        for prop in schema.get("properties", {}).values():
            stack = [prop]
            while stack:
                s = stack.pop()
                if isinstance(s, dict):
                    if s.get("discriminator", {}).get("propertyName") == "family":
                        mapping.update(s["discriminator"]["mapping"])
                    stack += list(s.values())
                elif isinstance(s, list):
                    stack += s
    lines = ["| `family` | model |", "|---|---|"]
    for family, ref in sorted(mapping.items()):
        model = ref.rsplit("/", 1)[-1]
        lines.append(f"| {_code(family)} | [{model}](#{_anchor(model)}) |")
    return lines + [""]


def fields_markdown(documents: dict[str, dict] | None = None) -> str:
    """``docs/schema/fields.md``: every model with its fields' types, defaults and descriptions."""
    schemas = model_schemas(documents)
    placed = [m for _, _, models in SECTIONS for m in models]
    unplaced = sorted(set(schemas) - {m.__name__ for m in placed})
    sections = list(SECTIONS)
    if unplaced:  # a new model still gets documented, at the end, until it is given a place above
        sections.append(("Other models", "Not yet placed in the reference's order.",
                         [getattr(params, name) for name in unplaced]))
    out = [
        "# Parameter file fields",
        "",
        "<!-- Generated by `perfkit schema` from perfkit/params.py; do not edit by hand. -->",
        "",
        "Every field of every parameter-file model: its type, whether it is required or its default, and what "
        "it means. The JSON Schema beside this file is generated from the same models; "
        "[../parameters.md](../parameters.md) explains the files with examples.",
        "",
        "Money is in 万元; rates and shares are percentages as the reports print them (`98.62` means 98.62%) "
        "unless a field says it is a share between 0 and 1. Unknown keys are errors.",
        "",
    ]
    for title, intro, models in sections:
        out += [f"- [{title}](#{_anchor(title)}): "
                + ", ".join(f"[{m.__name__}](#{_anchor(m.__name__)})" for m in models if m.__name__ in schemas)]
    out.append("")
    for title, intro, models in sections:
        out += [f"## {title}", "", intro, ""]
        if title == "Rule families":
            out += _rule_family_index(schemas)
        for model in models:
            if model.__name__ in schemas:
                out += _model_section(model, schemas[model.__name__])
    return "\n".join(out).rstrip("\n") + "\n"


def write_schemas(out_dir: str) -> list[str]:
    os.makedirs(out_dir, exist_ok=True)
    written = []
    documents = schema_documents()
    texts = {name: json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
             for name, doc in documents.items()}
    texts[FIELDS_DOC] = fields_markdown(documents)
    for name, text in texts.items():
        path = os.path.join(out_dir, name)
        try:
            with open(path, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
        except OSError as exc:  # a full disk: no half of a schema left, and the file named
            with contextlib.suppress(OSError):
                os.remove(path)
            raise OSError(exc.errno, exc.strerror or str(exc), exc.filename or path) from None
        written.append(path)
    return written
