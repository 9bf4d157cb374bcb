"""A firm's own wording: a templates directory whose ``narrative.<language>.yaml`` files override the shipped
sentences key by key (``perfkit run --templates DIR``, ``Report(..., templates=DIR)``).

An override file holds any subset of the shipped keys, nested as in ``perfkit/report/templates``; a key
it does not give keeps the shipped sentence. It is checked before any report is written: a key the
shipped templates do not have, a value of another kind (a sentence where the shipped file has a group, or
the reverse), a sentence that does not parse as a template, and a placeholder the sentence is not given
(one the shipped sentence does not use) are each a :class:`~perfkit.errors.ParameterError` naming the file,
the key and its line. ``language`` and ``style`` (how the language is written) cannot be overridden.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta

from ..errors import ParameterError, Problem
from ..load import read_yaml
from .language import LANGUAGES, Language, load_templates
from .text import template_environment

TEMPLATES_ENV = "PERFKIT_TEMPLATES"  # a run gives its kernel the templates directory here
FIXED = ("language", "style")  # keys an override may not change
OPEN = (("figures", "units"), ("figures", "magnitudes"))  # glossaries a firm may extend with keys of its own


def _placeholders(source: str, env: jinja2.Environment) -> set[str]:
    return set(meta.find_undeclared_variables(env.parse(source)))


def _check(shipped: Any, given: Any, loc: tuple, doc, env: jinja2.Environment, problems: list[Problem]) -> None:
    key = ".".join(str(p) for p in loc)
    if isinstance(shipped, dict):
        if not isinstance(given, dict):
            problems.append(Problem(doc.path, key, "expected a group of keys, as in the shipped templates",
                                    doc.line(loc)))
            return
        for k, v in given.items():
            if k not in shipped and loc in OPEN:
                if not (isinstance(v, str) or (isinstance(v, list) and len(v) == 2 and all(isinstance(x, str) for x in v))):
                    problems.append(Problem(doc.path, ".".join(str(p) for p in loc + (k,)),
                                            "expected a word or [singular, plural]", doc.line(loc + (k,))))
                continue
            if k not in shipped:
                problems.append(Problem(doc.path, ".".join(str(p) for p in loc + (k,)),
                                        "not a key of the shipped templates", doc.line(loc + (k,))))
                continue
            _check(shipped[k], v, loc + (k,), doc, env, problems)
        return
    if isinstance(shipped, list):
        if not isinstance(given, list) or len(given) != len(shipped) or not all(isinstance(x, str) for x in given):
            problems.append(Problem(doc.path, key, f"expected a list of {len(shipped)} texts, as in the shipped "
                                    "templates", doc.line(loc)))
        return
    if not isinstance(given, str):
        problems.append(Problem(doc.path, key, "expected a sentence (text)", doc.line(loc)))
        return
    try:
        env.from_string(given)  # syntax and filters
        used = _placeholders(given, env)
    except jinja2.TemplateSyntaxError as exc:
        problems.append(Problem(doc.path, key, f"not a valid template: {exc.message}", doc.line(loc)))
        return
    unknown = sorted(used - _placeholders(str(shipped), env))
    if unknown:
        available = sorted(_placeholders(str(shipped), env))
        problems.append(Problem(doc.path, key, f"uses {', '.join('{{ ' + u + ' }}' for u in unknown)}, which this "
                                f"sentence is not given (available: {', '.join(available) or 'none'})",
                                doc.line(loc)))


@functools.lru_cache(maxsize=None)
def _load(directory: str) -> dict[str, dict]:
    root = Path(directory)
    if not root.is_dir():
        raise ParameterError([Problem(directory, "", "templates directory not found")])
    files = {code: root / f"narrative.{code}.yaml" for code in LANGUAGES}
    found = {code: p for code, p in files.items() if p.is_file()}
    stray = sorted(p.name for p in root.glob("narrative.*.yaml") if p.name not in {f.name for f in files.values()})
    problems = [Problem(str(root / name), "", f"not a language of the reports (expected narrative.<{'|'.join(LANGUAGES)}>"
                        ".yaml)") for name in stray]
    if not found and not stray:
        problems.append(Problem(directory, "", f"holds no narrative.<{'|'.join(LANGUAGES)}>.yaml to override the "
                                "shipped sentences"))
    out: dict[str, dict] = {}
    for code, path in found.items():
        env = template_environment(Language.of(code))
        doc = read_yaml(path)
        data = doc.data or {}
        if not isinstance(data, dict):
            problems.append(Problem(str(path), "", "expected keys of the templates at the top level", doc.line(())))
            continue
        for k in FIXED:
            if k in data:
                problems.append(Problem(str(path), k, "cannot be overridden (it says how the language is written)",
                                        doc.line((k,))))
        data = {k: v for k, v in data.items() if k not in FIXED}
        _check({k: v for k, v in load_templates(code).items() if k not in FIXED}, data, (), doc, env, problems)
        out[code] = data
    if problems:
        raise ParameterError(problems)
    return out


def load_overrides(directory: str | os.PathLike | None) -> dict[str, dict]:
    """The checked overrides of a templates directory by language ({} for None or empty); raises
    :class:`~perfkit.errors.ParameterError` naming each bad file, key and line."""
    if not directory:
        return {}
    return _load(str(Path(directory).expanduser().resolve()))

