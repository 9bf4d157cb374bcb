"""Reading parameter files: YAML with line numbers, schema validation, includes and frameworks.

Everything a user can get wrong in a file becomes a :class:`~perfkit.errors.Problem` naming the file,
the line, the field path and what was expected; nothing here raises a bare traceback at a user.
"""

from __future__ import annotations

import datetime
import difflib
import functools
import glob
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml
from pydantic import BaseModel, ValidationError

from .errors import ParameterError, Problem, format_loc
from .fmt import numeral
from .params import DEPARTMENT_ID, NODE_ID, STATED_MEASURES, STATED_SERIES, Budget, DepartmentYear, Evaluation, EvaluationList, Framework

YEAR_FILE = re.compile(r"^(\d{4})\.ya?ml$")
YEAR_NAME = re.compile(r"[1-9][0-9]{3}")  # a year as a unit's name: four ASCII digits
INCLUDE_SUFFIXES = (".yaml", ".yml")

# Where the notebooks live in a source checkout; relative parameter paths are also tried from here.
NOTEBOOKS_DIR = Path(__file__).resolve().parents[1] / "notebooks"


# --------------------------------------------------------------------------------------------
# YAML with a map from field path to line
# --------------------------------------------------------------------------------------------

MAX_DEPTH = 50  # levels of nesting; the shipped files use about a dozen
MAX_NODES = 100_000  # values in a file once its aliases are expanded; the shipped files have a few thousand
MAX_MAGNITUDE = 1e15  # no figure of a budget (万元), a count or points comes near; sums of larger ones overflow

# YAML 1.2 (core schema) numbers. PyYAML reads YAML 1.1, where ``1.2e1`` and ``1e5`` are text, ``010`` is
# octal 8, ``1_000`` is 1000 and ``1:30`` is 90; here they are what YAML 1.2 and a reader take them to be
# (12.0, 100000.0, 10) or text (``1_000``, ``1:30``), which a number field then reads whole (``1_000`` as
# 1000, as Python does) or refuses (``1:30``), never in part.
_INT_12 = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT_12 = re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                       r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")
_INT_TAG, _FLOAT_TAG, _STR_TAG = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:str"


class _Refused(yaml.YAMLError):
    """A file the loader will not compose (nesting or alias expansion beyond the limits)."""

    def __init__(self, mark, path: tuple, message: str):
        super().__init__(message)
        self.problem_mark, self.path, self.problem = mark, path, message


class _Limits:
    """Composing with bounded nesting and alias expansion (mixed into a loader before its composer).

    While composing it counts how many values the document holds with its aliases expanded (an alias
    counts the size of what it names) and how deep it nests, and refuses a file over the limits before
    anything expands it: a few hundred bytes of nested aliases ("billion laughs") name billions of values.
    An alias inside the node it names (``&a [*a]``) is refused too. Where each alias is written is kept,
    so the line map can point at it without expanding it.
    """

    limits_while_composing = True  # the loaders with this mixin check the limits as each node is composed

    def _init_limits(self) -> None:
        self._path: list = []
        self._frames: list[list[int]] = []  # [expanded size, height of the tallest child] per open node
        self._expanded: dict[str, tuple[int, int]] = {}  # anchor → (expanded size, height) once composed
        self.alias_lines: dict[tuple[int, Any], int] = {}  # (id(parent), key node id or index) → line

    def _where(self) -> tuple:
        return tuple(p for p in self._path if p is not None)

    def _add(self, size: int, height: int, mark) -> None:
        if len(self._frames) + height > MAX_DEPTH:
            raise _Refused(mark, self._where(), f"nested deeper than {MAX_DEPTH} levels")
        for frame in self._frames[-1:]:
            frame[0] += size
            frame[1] = max(frame[1], height)
            if frame[0] > MAX_NODES:
                raise _Refused(mark, self._where(), f"more than {MAX_NODES} values once its aliases (*name) "
                               "are expanded")

    def fetch_flow_collection_start(self, TokenClass):
        # The scanner reads a flow collection ([…], {…}) ahead to its end; refuse deep ones before it does.
        if self.flow_level >= MAX_DEPTH:
            raise _Refused(self.get_mark(), self._where(), f"nested deeper than {MAX_DEPTH} levels")
        super().fetch_flow_collection_start(TokenClass)

    def compose_node(self, parent, index):
        event = self.peek_event()
        self._path.append(index.value if isinstance(index, yaml.ScalarNode) else index)
        try:
            if isinstance(event, yaml.AliasEvent):
                name = event.anchor
                if name in self.anchors and name not in self._expanded:
                    raise _Refused(event.start_mark, self._where(),
                                   f"the alias *{name} is inside the value &{name} names, which would never end")
                self._add(*self._expanded.get(name, (1, 1)), event.start_mark)
                if parent is not None:
                    key = id(index) if isinstance(index, yaml.Node) else index
                    self.alias_lines[(id(parent), key)] = event.start_mark.line + 1
                return super().compose_node(parent, index)
            if len(self._frames) >= MAX_DEPTH:
                raise _Refused(event.start_mark, self._where(), f"nested deeper than {MAX_DEPTH} levels")
            if isinstance(event, yaml.ScalarEvent) and event.anchor is None and not self.yaml_path_resolvers:
                return self._compose_plain_scalar(event)
            self._frames.append([1, 0])
            node = super().compose_node(parent, index)
            size, height = self._frames.pop()
            if event.anchor is not None:
                self._expanded[event.anchor] = (size, height + 1)
            self._add(size, height + 1, event.start_mark)
            return node
        finally:
            self._path.pop()

    def _compose_plain_scalar(self, event):
        """A scalar without an anchor, composed as PyYAML's Composer does (its tag resolved, the node keeping its
        marks) and counted by :meth:`_add`, without PyYAML's calls around it: nine values in ten are such
        scalars, and composing them is most of reading a file."""
        self.get_event()
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.resolve(yaml.ScalarNode, event.value, event.implicit)
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
        self._add(1, 1, event.start_mark)  # one value at height 1 in its parent (compose_node checked the depth)
        return node



class _Yaml12:
    """Numbers as YAML 1.2 reads them (mixed into a loader before its resolver and constructor)."""

    yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag not in (_INT_TAG, _FLOAT_TAG)]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def construct_object(self, node, deep=False):
        # A plain string (most values) is its node's text, as SafeConstructor.construct_yaml_str gives it, without
        # the bookkeeping (constructed and recursive objects) a collection or an alias needs.
        if node.tag == _STR_TAG and type(node) is yaml.ScalarNode:
            return node.value
        return super().construct_object(node, deep)

    def construct_yaml_int(self, node):
        text = self.construct_scalar(node)
        if text.startswith(("0o", "0x")):
            return int(text[2:], 8 if text[1] == "o" else 16)
        return int(text, 10)


class _Loader(_Limits, _Yaml12, yaml.SafeLoader):
    """The pure-Python SafeLoader with the limits and YAML 1.2 numbers (where PyYAML has no libyaml)."""

    def __init__(self, stream):
        super().__init__(stream)
        self._init_limits()


_LOADERS: list[type] = [_Loader]
if getattr(yaml, "__with_libyaml__", False):
    from yaml._yaml import CParser

    class _CLoader(_Limits, _Yaml12, yaml.composer.Composer, CParser, yaml.constructor.SafeConstructor,
                   yaml.resolver.Resolver):
        """libyaml's parser (10–20× faster than PyYAML's scanner and parser in Python) under PyYAML's own
        composer, so the limits above apply as each node is composed and every node keeps its start mark
        (the line map). libyaml keeps no nesting limit of ours: the composer refuses at :data:`MAX_DEPTH`."""

        def __init__(self, stream):
            CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            self._init_limits()

    _LOADERS.insert(0, _CLoader)

    class _CComposer(_Yaml12, CParser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
        """libyaml's parser with its own composer (PyYAML's CParser composes the nodes in C, marks kept): about
        a quarter less time than :class:`_CLoader` on the shipped files, but without the limits while composing.
        It reads only a text without ``&``, which therefore has no anchor, so no alias can name anything to
        expand; :func:`_line_map`, which walks every node anyway, refuses it past :data:`MAX_DEPTH` or
        :data:`MAX_NODES` (the file is then read again by PyYAML, which says so as it always has)."""

        limits_while_composing = False
        alias_lines: dict = {}  # no anchor, no alias

        def __init__(self, stream):
            CParser.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

    _LOADERS.insert(0, _CComposer)

for _cls in _LOADERS:
    _cls.add_implicit_resolver(_INT_TAG, _INT_12, list("-+0123456789"))
    _cls.add_implicit_resolver(_FLOAT_TAG, _FLOAT_12, list("-+0123456789."))
    _cls.add_constructor(_INT_TAG, _Yaml12.construct_yaml_int)


def _line_map(node: yaml.Node, aliases: dict, path: tuple = (), out: dict | None = None,
              dups: list | None = None, tally: list[int] | None = None) -> dict[tuple, int]:
    """Field path → line. An alias is not expanded: its path maps to where it is written, and the fields
    inside it to that line too. Duplicate keys in a mapping are collected in ``dups`` as (path, first line,
    second line).

    With ``tally`` (a one-item list), the limits are checked here for a document composed without them (it has
    no alias): every node, keys included, is counted into ``tally[0]``, and _Refused is raised past
    :data:`MAX_DEPTH` levels or :data:`MAX_NODES` nodes, or at a key that is not a scalar (not counted here)."""
    out = {} if out is None else out
    out.setdefault(path, node.start_mark.line + 1)
    if tally is not None:
        if len(path) >= MAX_DEPTH:
            raise _Refused(node.start_mark, path, f"nested deeper than {MAX_DEPTH} levels")
        tally[0] += 1 + (len(node.value) if isinstance(node, yaml.MappingNode) else 0)
        if tally[0] > MAX_NODES:
            raise _Refused(node.start_mark, path, f"more than {MAX_NODES} values")
    if isinstance(node, yaml.MappingNode):
        first: dict[tuple[str, Any], int] = {}
        for key, value in node.value:
            k = key.value if isinstance(key, yaml.ScalarNode) else str(key.start_mark)
            line = key.start_mark.line + 1
            out[path + (k,)] = line
            if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                if (key.tag, k) in first and dups is not None:
                    dups.append((path + (k,), first[(key.tag, k)], line))
                first.setdefault((key.tag, k), line)
            elif tally is not None and not isinstance(key, yaml.ScalarNode):
                raise _Refused(key.start_mark, path, "a key that is not a scalar")
            if (id(node), id(key)) not in aliases:
                _line_map(value, aliases, path + (k,), out, dups, tally)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            if (id(node), i) in aliases:
                out[path + (i,)] = aliases[(id(node), i)]
            else:
                _line_map(item, aliases, path + (i,), out, dups, tally)
    return out


@dataclass
class YamlDoc:
    path: str
    data: Any
    lines: dict[tuple, int]

    def line(self, loc: tuple) -> int | None:
        loc = tuple(loc)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.lines.get(())

    def where(self, loc: tuple) -> tuple[str, str, int | None]:
        """(file, field path, line) of a location in this file, as a Problem names them."""
        return self.path, format_loc(loc), self.line(loc)


def _parse(path: str, text: str, loader_class: type) -> tuple[Any, dict[tuple, int]]:
    """(data, line map) of ``text`` parsed by ``loader_class``; YAML errors propagate, duplicate keys are a
    ParameterError naming both lines."""
    loader = loader_class(text)
    dups: list = []
    tally = None if loader_class.limits_while_composing else [0]
    try:
        node = loader.get_single_node()
        lines = _line_map(node, loader.alias_lines, dups=dups, tally=tally) if node is not None else {}
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    if dups:
        raise ParameterError([Problem(path, format_loc(loc), f"duplicate key {loc[-1]!r}: first at line {first}, "
                                      f"again at line {again} (YAML would keep only the last)", again)
                              for loc, first, again in dups])
    return data, lines


def read_yaml(path: str | os.PathLike) -> YamlDoc:
    """Parse a YAML file, keeping the line of every field; problems become ParameterError."""
    path = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ParameterError([Problem(path, "", "file not found")]) from None
    except UnicodeDecodeError as exc:
        line = exc.object.count(b"\n", 0, exc.start) + 1
        raise ParameterError([Problem(path, "", f"not UTF-8 text ({exc.reason} at byte {exc.start}); expected a file "
                                      "saved as UTF-8 (GBK and UTF-16 are not read)", line)]) from None
    except OSError as exc:
        raise ParameterError([Problem(path, "", f"cannot be read: {exc.strerror}")]) from None
    # The fastest loader that can read the text: one composing without the limits reads only a text without
    # anchors (``&``).
    first = next((cls for cls in _LOADERS if cls.limits_while_composing or "&" not in text), _Loader)
    try:
        try:
            data, lines = _parse(path, text, first)
        except yaml.YAMLError:
            if first is _Loader:
                raise
            # The C parser's messages differ from PyYAML's: a file it refuses (or a loader without the limits
            # while composing refuses at them) is parsed again by PyYAML, so the message (and line) is the same
            # wherever perfkit runs, with or without libyaml.
            data, lines = _parse(path, text, _Loader)
    except _Refused as exc:
        raise ParameterError([Problem(path, format_loc(exc.path), exc.problem, exc.problem_mark.line + 1)]) from None
    except yaml.reader.ReaderError as exc:  # a control character: no mark, a position in the text
        line = text.count("\n", 0, exc.position) + 1
        raise ParameterError([Problem(path, "", f"not valid YAML: control character U+{exc.character:04X} is not "
                                      "allowed (expected printable text)", line)]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())  # one line
        if "maximum nesting depth" in problem:  # libyaml's own limit (1000) met before ours
            problem = f"nested deeper than {MAX_DEPTH} levels"
            raise ParameterError([Problem(path, "", problem, line)]) from None
        line, hint = yaml_hint(problem, text, line)
        raise ParameterError([Problem(path, "", f"not valid YAML: {problem}{hint}", line)]) from None
    doc = YamlDoc(path, data, lines)
    if (loc := next(_huge_numbers(data), None)) is not None:
        raise ParameterError([Problem(doc.path, format_loc(loc), f"{_get(data, loc)!r} is too large: expected a "
                                      f"number below {MAX_MAGNITUDE:.0e} in size", doc.line(loc))])
    return doc


# What a YAML parser's complaint usually means in a hand-written parameter file, by the words it starts with.
YAML_HINTS = (
    ("mapping values are not allowed", "a value holding ': ' must be in quotes, or a key is indented under a line "
                                       "that already has a value"),
    ("could not find expected ':'", "a line that is neither 'key: value' nor a list item '- …': a colon missing, or "
                                    "one without a space after it"),
    ("did not find expected key", "a line indented more or less than the keys beside it, or a list item '- …' among "
                                  "keys"),
    ("expected ',' or ']'", "a [ … ] list not closed on its line, or an item holding ': ' without quotes"),
    ("expected ',' or '}'", "a { … } mapping not closed on its line, or a value holding ': ' or ',' without quotes"),
    ("found character '\\t'", "a tab: YAML indents with spaces"),
    ("found unexpected end of stream", "a quote opened and never closed"),
    ("found unknown escape character", "a backslash inside double quotes: use single quotes, or write it twice"),
    ("expected <block end>", "a line indented differently from the keys beside it"),
)
_WIDE_COLON = re.compile(r"^\s*(?:-\s+)?[^\s#:'\"][^:#'\"]*：")  # a key followed by a full-width colon


def yaml_hint(problem: str, text: str, line: int | None) -> tuple[int | None, str]:
    """(line, hint) for a YAML parser's ``problem`` at ``line`` of ``text``: a key written with a full-width colon
    ('spent：468.35') on that line or one of the two before it is named with its own line (the parser notices it
    only later); otherwise what the complaint usually means (:data:`YAML_HINTS`), or '' when none is known."""
    if line is not None:
        rows = text.splitlines()
        for k in range(min(line, len(rows)), max(line - 3, 0), -1):
            if _WIDE_COLON.match(rows[k - 1]):
                fixed = rows[k - 1].strip().replace("：", ": ", 1).replace(":  ", ": ")
                return k, f" (line {k} writes a full-width colon '：' after its key: YAML needs ':' and a space, " \
                          f"as in '{fixed}')"
        if problem.startswith(("expected <block end>", "found unexpected end of stream", "could not find expected")):
            for k in range(min(line, len(rows)), 0, -1):  # a double quote opened and not closed runs on to here
                if _open_quote(rows[k - 1]):
                    return k, f" (line {k} opens a double quote '\"' that is not closed on its line)"
    for words, hint in YAML_HINTS:
        if problem.startswith(words):
            return line, f" ({hint})"
    return line, ""


def _open_quote(row: str) -> bool:
    """Whether a line leaves a double-quoted value open: an odd number of unescaped '"' before any comment."""
    count, escaped = 0, False
    for ch in row:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = count % 2 == 1
        elif ch == '"':
            count += 1
        elif ch == "#" and count % 2 == 0:
            break
    return count % 2 == 1


def _huge_numbers(data: Any, loc: tuple = ()):
    """Field paths of the numbers in ``data`` above :data:`MAX_MAGNITUDE` in size (finite or not: a non-finite
    number is left to the schema, which names it as such)."""
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _huge_numbers(v, loc + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _huge_numbers(v, loc + (i,))
    elif isinstance(data, bool):
        return
    elif isinstance(data, int) and abs(data) > MAX_MAGNITUDE or isinstance(data, float) and math.isfinite(data) \
            and abs(data) > MAX_MAGNITUDE:
        yield loc


def _clean_loc(loc: tuple) -> tuple:
    """Drop pydantic's union bookkeeping from a location.

    A discriminated union adds its own label and then the tag (``tagged-union[…]``, ``'ratio'``);
    a plain union adds the member's type name (``str``, ``float``, ``function-after[…]``).
    """
    out, skip_next = [], False
    for part in loc:
        if skip_next:
            skip_next = False
            continue
        if isinstance(part, str) and part.startswith("tagged-union["):
            skip_next = True
            continue
        if isinstance(part, str) and (part in {"str", "float", "int", "bool", "list[float]", "dict[str,float]"}
                                      or part.startswith(("function-", "list[", "dict[", "nullable["))):
            continue
        out.append(part)
    return tuple(out)


def _is_other_branch(err: dict) -> bool:
    """An error from the union member that was not meant (e.g. 'not a string' for a rule mapping)."""
    return err["type"] in {"string_type", "float_parsing", "float_type"} and isinstance(err.get("input"), (dict, list))


# Id patterns of the schema in words, for a value that does not match one.
_PATTERNS = {
    DEPARTMENT_ID: "an id of lowercase ASCII letters and digits, words joined by '-' (e.g. luohu-fsa); ids are "
                   "names, never paths",
    NODE_ID: "an id of ASCII letters, digits, '_', '.' and '-', starting with a letter or digit, without spaces "
             "(e.g. key-work)",
}


def _shown(given: Any) -> str:
    """A value as the message shows it: text and numbers as written, dates as dates, collections by kind."""
    if isinstance(given, (dict, list)):
        return "a mapping" if isinstance(given, dict) else "a list"
    if isinstance(given, (datetime.date, datetime.datetime)):
        return f"the date {given.isoformat()} (YAML reads an unquoted date as a date)"
    return repr(given)


def _expected(err: dict) -> str:
    kind, msg = err["type"], err["msg"]
    given = err.get("input")
    shown = _shown(given)
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        near = _near_field(err["loc"][-1] if err.get("loc") else None)
        return "unknown field" + (f": did you mean {near!r}?" if near else
                                  " (check the spelling against docs/parameters.md)")
    if kind == "union_tag_invalid":
        ctx = err.get("ctx", {})
        return f"unknown rule family {ctx.get('tag')!r}; expected one of {ctx.get('expected_tags')}"
    if kind == "union_tag_not_found":
        return "a rule needs a `family:` naming its rule family"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        what = "nothing (null)" if given is None else shown
        return f"input should be a valid dictionary: a mapping of fields (got {what})"
    if kind == "string_pattern_mismatch" and (words := _PATTERNS.get(err.get("ctx", {}).get("pattern"))):
        return f"expected {words} (got {shown})"
    if kind == "value_error":  # a model's own check: its sentence says what was expected
        return str(err.get("ctx", {}).get("error") or msg.removeprefix("Value error, "))
    return f"{msg[0].lower() + msg[1:]} (got {shown}){_number_hint(kind, given)}"


_COUNTED = re.compile(r"(\d+|[零〇一二两三四五六七八九十百]+)\s*([^\d\s.,，%％万亿千百元零〇一二两三四五六七八九十]{1,2})")
_FIGURE = re.compile(r"[-+]?(?:\d+(?:[,，]\d{3})+|\d+)(?:\.\d+)?")


def _named_field(err: dict, loc: tuple) -> tuple:
    """A model's own check at ``loc`` that a field of it is required ("spent is required unless …") is located at
    that field, not at the model: (field,), else ()."""
    if err["type"] != "value_error":
        return ()
    m = re.match(r"([a-z][a-z_]*) is required\b", str(err.get("ctx", {}).get("error") or ""))
    return (m.group(1),) if m and m.group(1) in _field_names() and loc[-1:] != (m.group(1),) else ()


def _near_field(key: Any) -> str | None:
    """The schema's field name closest to a misspelt ``key`` ('actaul' → 'actual'), if one is close."""
    if not isinstance(key, str) or key in _field_names():  # a field of another place: its own name helps no one
        return None
    return next(iter(difflib.get_close_matches(key, _field_names(), n=1, cutoff=0.75)), None)


@functools.lru_cache(maxsize=1)
def _field_names() -> tuple[str, ...]:
    """Every field name (and alias) of the parameter models, rule settings included."""
    names: set[str] = set()
    todo = [BaseModel]
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls.__module__.startswith("perfkit."):
            names.update(getattr(cls, "model_fields", {}))
            names.update(f.alias for f in getattr(cls, "model_fields", {}).values() if f.alias)
    return tuple(sorted(names))


def _number_hint(kind: str, given: Any) -> str:
    """What to write instead of text that a number field cannot read: '93.67%' → 93.67 (rates are in percent
    without the sign), '1,234.50' → 1234.50, '500万元' → 500 (amounts are in 万元), '一项' or '3处' → 1 or 3 (a
    count without its measure word); '' when none applies."""
    if kind not in ("float_parsing", "int_parsing") or not isinstance(given, str):
        return ""
    text = given.strip().replace("％", "%")
    if text.endswith("%") and _FIGURE.fullmatch(text[:-1].strip()):
        return f": write {text[:-1].strip()}, the rate in percent without the % sign"
    if _FIGURE.fullmatch(text) and ("," in text or "，" in text):
        return f": write {text.replace(',', '').replace('，', '')}, without the thousands separators"
    m = re.fullmatch(r"([-+]?\d+(?:\.\d+)?)\s*万元", text)
    if m:
        return f": write {m.group(1)}, the amount in 万元 without the unit"
    # a count with its measure word (1项, 一项, 两个, 3处); not a magnitude or money (500万, 3元), whose figure differs
    m = _COUNTED.fullmatch(text.rstrip("。；;，,、"))
    if m and (value := numeral(m.group(1))) is not None:
        return f": write {value:g}, the number without its measure word {m.group(2)}"
    return ""


def validate_model(doc: YamlDoc, model: type[BaseModel], base: tuple = ()) -> Any:
    """Validate ``doc.data`` (or the part at ``base``) against a model; errors name file, line, field."""
    try:
        return model.model_validate(doc.data if not base else _get(doc.data, base))
    except ValidationError as exc:
        raise ParameterError(validation_problems(exc, lambda loc: doc.where(base + loc))) from None


def validation_problems(exc: ValidationError, where: Callable[[tuple], tuple[str, str, int | None]]) -> list[Problem]:
    """One Problem per error of ``exc`` that was meant (not another union member's), located by ``where``:
    a field path inside the validated value → (file, field path, line)."""
    problems = []
    seen = set()
    errors = exc.errors()
    meant = [e for e in errors if not _is_other_branch(e)] or errors
    nulls: dict[tuple, list[str]] = {}  # a null where a value is needed: one line per field, whatever the union
    for err in meant:
        if err.get("input", ...) is None and err["type"] != "missing":
            nulls.setdefault(_clean_loc(err["loc"]), []).append(err["msg"].removeprefix("Input should be "))
    for err in meant:
        loc = _clean_loc(err["loc"])
        loc += _named_field(err, loc)
        key = loc  # one problem per field: the first of the union members a value fits none of (a null: missing)
        if key in seen:
            continue
        seen.add(key)
        f, fld, line = where(loc)
        if loc in nulls:
            kinds = list(dict.fromkeys(nulls[loc]))
            expected = kinds[0] if len(kinds) == 1 else ", ".join(kinds[:-1]) + " or " + kinds[-1]
            problems.append(Problem(f, fld, f"value missing (null): expected {expected}", line))
        else:
            problems.append(Problem(f, fld, _expected(err), line))
    return problems


def _get(data: Any, loc: tuple) -> Any:
    for part in loc:
        data = data[part]
    return data


# --------------------------------------------------------------------------------------------
# Department-years and frameworks
# --------------------------------------------------------------------------------------------


@dataclass
class Located:
    """A loaded evaluation with where it came from, for error messages."""

    evaluation: Evaluation
    file: str
    loc: tuple
    doc: YamlDoc

    def where(self, *more) -> tuple[str, str, int | None]:
        loc = self.loc + tuple(more)
        return self.file, format_loc(loc), self.doc.line(loc)


@dataclass
class Bundle:
    """A department-year with its included evaluations and the frameworks they use."""

    path: str
    params_dir: str
    doc: YamlDoc
    data: DepartmentYear
    evaluations: list[Located]
    frameworks: dict[str, Framework] = field(default_factory=dict)
    framework_files: dict[str, str] = field(default_factory=dict)
    framework_docs: dict[str, YamlDoc] = field(default_factory=dict)  # for locating framework problems

    @property
    def department(self):
        return self.data.department

    @property
    def year(self) -> int:
        return self.data.year

    def input_files(self) -> list[str]:
        """Every file this unit reads, for hashing a run's inputs."""
        files = [self.path, *{loc.file for loc in self.evaluations}, *self.framework_files.values()]
        return sorted(set(files))


def input_states(files: list[str]) -> tuple:
    """(path, mtime in ns, size) of each file and of each folder holding one (a file added beside them changes
    the folder's mtime, and so what an include pattern may match), sorted by path; (path, None, None) for one
    that is gone. Equal states mean a unit read again would be read from the same files."""
    paths = sorted({*files, *(os.path.dirname(f) for f in files)})
    out = []
    for p in paths:
        try:
            st = os.stat(p)
            out.append((p, st.st_mtime_ns, st.st_size))
        except OSError:
            out.append((p, None, None))
    return tuple(out)


def params_dir_of(path: str | os.PathLike) -> str:
    """``parameters/<dept>/<year>.yaml`` → ``parameters``."""
    return str(Path(path).resolve().parent.parent)


def resolve_params_dir(params_dir: str | os.PathLike | None = None) -> str:
    """The parameters directory a notebook should read.

    An absolute path is used as given. A relative path is tried against the working directory and
    then against the repository's ``notebooks/`` folder, so the default ``"../parameters"`` works
    both when a notebook runs in ``notebooks/`` (nbval) and when papermill runs it from elsewhere.
    Empty or None means ``$PERFKIT_PARAMS`` or else the repository's ``parameters/``. A relative path that
    finds a parameters directory both ways, in two different places (``"../parameters"`` run from the repository
    root while a folder ``parameters`` lies beside the checkout), is a ParameterError naming both: neither is
    picked silently.
    """
    if not params_dir:
        params_dir = os.environ.get("PERFKIT_PARAMS") or str(NOTEBOOKS_DIR.parent / "parameters")
    p = Path(params_dir).expanduser()
    candidates = [p] if p.is_absolute() else [Path.cwd() / p, NOTEBOOKS_DIR / p]
    found = list(dict.fromkeys(c.resolve() for c in candidates if (c / "frameworks").is_dir()))
    if len(found) > 1:  # e.g. "../parameters" from the repository root finds a folder beside the checkout
        raise ParameterError([Problem(str(params_dir), "", f"names two parameters directories, {found[0]} (from the "
                                      f"working directory) and {found[1]} (from {NOTEBOOKS_DIR}); neither is chosen "
                                      "silently: pass an absolute path")])
    if found:
        return str(found[0])
    raise FileNotFoundError(
        f"parameters directory {str(params_dir)!r} not found (looked for a folder with frameworks/ at "
        + ", ".join(str(c) for c in candidates) + "); pass an absolute path as params_dir")


def load_framework(framework_id: str, params_dir: str) -> tuple[Framework, YamlDoc]:
    """A framework by id and its file (``doc.path``, with the line of every field)."""
    path = os.path.join(params_dir, "frameworks", f"{framework_id}.yaml")
    if not os.path.exists(path):
        raise ParameterError([Problem(path, "", f"framework {framework_id!r} not found (expected this file)")])
    doc = read_yaml(path)
    if not isinstance(doc.data, dict):
        raise ParameterError([Problem(path, "", f"expected a mapping with id, name and tree, got {_kind(doc.data)}")])
    fw = validate_model(doc, Framework)
    if fw.id != framework_id:
        raise ParameterError([Problem(path, "id", f"expected {framework_id!r} (the file name), got {fw.id!r}",
                                      doc.line(("id",)))])
    return fw, doc


def load(path: str | os.PathLike, params_dir: str | None = None) -> Bundle:
    """Load and schema-check a department-year, its includes and its frameworks.

    Raises ParameterError listing every problem found (all files are checked before raising).
    """
    path = str(path)
    doc = read_yaml(path)
    if not isinstance(doc.data, dict):
        raise ParameterError([Problem(path, "", "expected a mapping with department, year and evaluations, got "
                                      f"{_kind(doc.data)}")])
    data = validate_model(doc, DepartmentYear)
    problems: list[Problem] = []
    p = Path(path)
    if m := YEAR_FILE.match(p.name):
        if int(m.group(1)) != data.year:
            problems.append(Problem(path, "year", f"expected {m.group(1)} (the file name), got {data.year}",
                                    doc.line(("year",))))
    if p.parent.name != data.department.id:
        problems.append(Problem(path, "department.id",
                                f"expected {p.parent.name!r} (the folder name), got {data.department.id!r}",
                                doc.line(("department", "id"))))
    evaluations = [Located(ev, path, ("evaluations", i), doc) for i, ev in enumerate(data.evaluations)]
    root = Path(params_dir or Path(path).absolute().parent.parent)
    for j, pattern in enumerate(data.include):
        included, refused = _include(path, doc, j, pattern, root)
        evaluations += included
        problems += refused
    seen: dict[str, Located] = {}
    for loc in evaluations:
        if loc.evaluation.id in seen:
            f, fld, ln = loc.where("id")
            problems.append(Problem(f, fld, f"evaluation id {loc.evaluation.id!r} is used twice "
                                            f"(also in {seen[loc.evaluation.id].file})", ln))
        seen[loc.evaluation.id] = loc
    problems += check_stated_keys(data.budget, lambda k: (path, f"budget.stated.{k}", doc.line(("budget", "stated", k))))
    for loc in evaluations:
        problems += check_stated_keys(loc.evaluation.budget, lambda k, loc=loc: loc.where("budget", "stated", k))
    pdir = params_dir or params_dir_of(path)
    bundle = Bundle(path, pdir, doc, data, evaluations)
    failed: set[str] = set()
    for loc in evaluations:
        fid = loc.evaluation.framework
        if fid in bundle.frameworks or fid in failed:
            continue
        fw_path = os.path.join(pdir, "frameworks", f"{fid}.yaml")
        if not os.path.exists(fw_path):  # the evaluation names a framework that is not there: its line is wrong
            f, fld, ln = loc.where("framework")
            known = sorted(Path(fw).stem for fw in glob.glob(os.path.join(pdir, "frameworks", "*.yaml")))
            problems.append(Problem(f, fld, f"framework {fid!r} not found (expected {fw_path}); known: "
                                    f"{', '.join(known) or 'none'}", ln))
            failed.add(fid)
            continue
        try:
            bundle.frameworks[fid], bundle.framework_docs[fid] = load_framework(fid, pdir)
            bundle.framework_files[fid] = bundle.framework_docs[fid].path
        except ParameterError as exc:  # the framework's own problems, each naming its file and line, once
            problems += exc.problems
            failed.add(fid)
    if problems:
        raise ParameterError(problems)
    return bundle


def _include(path: str, doc: YamlDoc, j: int, pattern: str, root: Path) -> tuple[list[Located], list[Problem]]:
    """The evaluations of ``include[j]``: the files matching ``pattern`` beside the department-year file.

    Includes are confined to the parameters directory ``root`` (links followed): a file that resolves
    outside it is refused unread. A problem names the include line and the rule, or the included file and
    its line, and never repeats a file's content."""
    line = doc.line(("include", j))

    def refuse(why: str) -> Problem:
        return Problem(path, f"include[{j}]", f"{pattern!r} {why}", line)

    if not pattern.strip():
        return [], [refuse("is empty; expected a file pattern relative to the department's folder")]
    if "\\" in pattern or os.path.isabs(pattern):
        return [], [refuse("is not a pattern relative to the department's folder with '/' between folders; "
                           "includes stay inside the parameters directory")]
    matches = sorted(glob.glob(os.path.join(os.path.dirname(path), pattern)))
    if not matches:
        return [], [Problem(path, f"include[{j}]", f"no file matches {pattern!r}", line)]
    evaluations: list[Located] = []
    problems: list[Problem] = []
    for inc in matches:
        if not resolves_inside(inc, root):
            problems.append(refuse(f"matches {inc}, which is outside the parameters directory {root.resolve()} "
                                   "(links followed); includes stay inside it"))
        elif not (os.path.isfile(inc) and inc.endswith(INCLUDE_SUFFIXES)):
            problems.append(refuse(f"matches {inc}, which is not a .yaml or .yml file"))
        else:
            try:
                idoc = read_yaml(inc)
                if not isinstance(idoc.data, dict):
                    raise ParameterError([Problem(inc, "", "expected a mapping with `evaluations:` "
                                                  f"(included by {path}:{line}), got {_kind(idoc.data)}", 1)])
                lst = validate_model(idoc, EvaluationList)
                evaluations += [Located(ev, inc, ("evaluations", i), idoc) for i, ev in enumerate(lst.evaluations)]
            except ParameterError as exc:
                problems += exc.problems
    return evaluations, problems


def _kind(data: Any) -> str:
    """What a YAML document is, without its content."""
    return {type(None): "an empty file", str: "text", list: "a list"}.get(type(data), f"a {type(data).__name__}")


def resolves_inside(path: str | os.PathLike, root: str | os.PathLike) -> bool:
    """``path`` with every link followed is ``root`` (links followed) or inside it."""
    return Path(path).resolve().is_relative_to(Path(root).resolve())


def unit_name_problem(department: Any, year: Any) -> str | None:
    """Why a department id and year cannot name a department-year, or None. They are names, never paths:
    the id matches the schema's :data:`~perfkit.params.DEPARTMENT_ID` and the year is four digits."""
    if not isinstance(department, str) or not re.fullmatch(DEPARTMENT_ID, department):
        return (f"department {ascii(department)} is not a department id: lowercase ASCII letters and digits, "
                "words joined by '-' (e.g. luohu-fsa); department ids are names, never paths")
    if department == "frameworks":  # the parameters' folder of frameworks, which holds no department-year
        return ("department 'frameworks' is not a department id: the parameters' frameworks/ folder has that "
                "name, and department-years are never looked for in it")
    if isinstance(year, bool) or not YEAR_NAME.fullmatch(str(year) if isinstance(year, (int, str)) else ""):
        return f"year {ascii(year)} is not a year: expected four digits, 1000 to 9999 (e.g. 2022)"
    return None


def discover(params_dir: str | os.PathLike) -> list[str]:
    """Every department-year file under a parameters directory: ``<dept>/<year>.yaml``."""
    out = []
    for dept in sorted(Path(params_dir).iterdir()):
        if not dept.is_dir() or dept.name == "frameworks" or dept.name.startswith("."):
            continue
        out += [str(f) for f in sorted(dept.iterdir()) if f.is_file() and YEAR_FILE.match(f.name)]
    return out


def find_unit(params_dir: str | os.PathLike, department: str, year: int | str) -> str:
    """The parameter file of one department-year; ParameterError naming what exists otherwise, or why the
    department id or year is not a name (:func:`unit_name_problem`), or that the file is a link out of
    ``params_dir``."""
    if why := unit_name_problem(department, year):
        raise ParameterError([Problem(str(params_dir), "", why)])
    base = Path(params_dir) / department
    for ext in ("yaml", "yml"):
        f = base / f"{year}.{ext}"
        if f.exists():
            if not resolves_inside(f, params_dir):
                raise ParameterError([Problem(str(f), "", f"resolves to {f.resolve()}, outside the parameters "
                                              f"directory {Path(params_dir).resolve()} (links followed); "
                                              "a department-year's file stays inside it")])
            return str(f)
    if not base.is_dir():
        known = ", ".join(sorted(d.name for d in Path(params_dir).iterdir() if d.is_dir() and d.name != "frameworks"))
        raise ParameterError([Problem(str(base), "", f"no department {department!r}; known: {known or 'none'}")])
    years = ", ".join(sorted(f.stem for f in base.iterdir() if YEAR_FILE.match(f.name)))
    raise ParameterError([Problem(str(base / f"{year}.yaml"), "", f"no such year; this department has: {years}")])


def check_stated_keys(budget: Budget | None, where) -> list[Problem]:
    """Stated rates must name a known measure (``params.STATED_MEASURES``) and have its shape: one number, or for
    a series (``params.STATED_SERIES``) a list of its length; ``where(key)`` locates one."""
    if budget is None:
        return []
    problems = []
    for key, value in budget.stated.items():
        f, fld, line = where(key)
        if key not in STATED_MEASURES:
            problems.append(Problem(f, fld, f"unknown stated rate {key!r}; expected one of "
                                    f"{', '.join(STATED_MEASURES)}", line))
        elif (n := STATED_SERIES.get(key)) is not None and not (isinstance(value, list) and len(value) == n):
            got = f"a list of {len(value)}" if isinstance(value, list) else f"one number ({value:g})"
            problems.append(Problem(f, fld, f"expected the {n} rates of the series, in percent, as a list of {n} "
                                    f"numbers; got {got}", line))
        elif n is None and isinstance(value, list):
            problems.append(Problem(f, fld, f"expected one rate in percent (a number); got a list of {len(value)}",
                                    line))
    return problems
