"""Text per language: the narrative templates and the Jinja environment that renders them.

Every sentence of a report comes from a template keyed by its purpose in
``perfkit/report/templates/narrative.<language>.yaml`` (``zh`` by default, ``en`` on request), rendered
with numbers formatted by ``perfkit.fmt`` as the reports print them. Data text inserted into a
template is tidied (no stray spaces between Chinese characters) and Markdown-escaped.

Escaping belongs to the path, not to the call site: a :class:`Text` escapes the data it inserts for the
medium its output lands in, and :class:`~perfkit.report.tables.Section` passes every Markdown block it is
given through :func:`md_text`, so text that is not already :class:`Safe` (template output, labels) is
escaped as data. HTML tables escape their cells for HTML; charts draw text literally (``plots``).
"""

from __future__ import annotations

import functools

import html
import json
import re
from typing import Any

import jinja2

from ..fmt import money, num, pct, pct0, pct_ratio, pp, pts, ratio, score
from .language import LANGUAGES, Language, load_templates


def merged(base: dict, over: dict) -> dict:
    """``base`` with ``over`` laid on it key by key (groups merged, sentences replaced)."""
    out = dict(base)
    for k, v in over.items():
        out[k] = merged(base[k], v) if isinstance(v, dict) and isinstance(base.get(k), dict) else v
    return out

__all__ = ["LANGUAGES", "Language", "Safe", "Text", "data_text", "load_templates", "md_escape", "md_text",
           "tidy"]


class Safe(str):
    """Text already rendered by a template (escaped as its :class:`Text` escapes): inserted into another one as is."""


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~#])")


def md_escape(text: str) -> str:
    """Data text for a Markdown block, shown literally: ``&``, ``<`` and ``>`` as HTML character references
    (Markdown passes raw HTML through, so no tag, comment or autolink can start), and the characters
    Markdown reads as markup — emphasis, code, headings, tables, link and image brackets — backslash-escaped."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


# Whitespace between two CJK characters or punctuation marks: left over from line folding in YAML.
_CJK_GAP = re.compile(r"(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])\s+(?=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])")


# A full stop (of quoted data text) directly before another punctuation mark of the sentence around it.
_DOUBLE_STOP = re.compile(r"[。．](?=[，；。：、）])")


def tidy(text: str) -> str:
    """Data text as it should print: no stray spaces between Chinese characters."""
    return _CJK_GAP.sub("", text)


def data_text(text: str) -> Safe:
    """Data text (names, quoted report text) for a Markdown block: tidied and Markdown-escaped."""
    return Safe(md_escape(tidy(text)))


def md_text(text: Any) -> Safe:
    """Any text for a Markdown block: template output (:class:`Safe`) as it is, anything else as data."""
    return text if isinstance(text, Safe) else data_text(str(text))


def _escape(value: Any, markdown: bool = True) -> Any:
    """Data text as a template should insert it: tidied, and Markdown-escaped when ``markdown``."""
    if isinstance(value, Safe):
        return value
    if isinstance(value, str):
        return data_text(value) if markdown else tidy(value)
    if isinstance(value, dict):
        return {k: _escape(v, markdown) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_escape(v, markdown) for v in value]
    return value



def _capitalize_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _lcfirst(text: str) -> str:
    """'Basic expenditure' → 'basic expenditure' (not for acronyms such as 'GDP')."""
    if len(text) >= 2 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def unit_word(figures: dict, unit: Any, n: float = 2) -> str:
    """A unit as a language writes it after a number ``n``: the ``figures.units`` glossary of its templates
    (``figures``) where the language translates figures ('家' → 'organisations'), else the unit as written."""
    forms = (figures.get("units") or {}).get(unit) if figures.get("translate") else None
    if forms is None:
        return "" if unit is None else str(unit)
    if isinstance(forms, str):
        return forms
    return forms[0] if n == 1 else forms[1]


def figures_key(data: dict) -> str:
    """The ``figures`` block of a language's templates (with a firm's overrides merged in) as one hashable
    text: the key of the environment whose ``unit_word`` filter reads it."""
    return json.dumps(data.get("figures") or {}, sort_keys=True, ensure_ascii=False)


@functools.lru_cache(maxsize=None)
def template_environment(lang: Language, figures: str | None = None) -> jinja2.Environment:
    """The Jinja environment a language's templates are rendered in (its filters: money, pct, join_list …,
    and unit_word with the glossary ``figures`` (:func:`figures_key`; the shipped templates' by default))."""
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False, trim_blocks=True,
                             lstrip_blocks=True, keep_trailing_newline=False)
    env.filters.update(money=money, pct=pct, pct0=pct0, pct_ratio=pct_ratio, score=score, pts=pts, num=num, pp=pp,
                       ratio=ratio, join_list=lang.join_list, join_some=lang.join_some, lcfirst=_lcfirst, nword=lang.number_word,
                       the=lang.the, capitalize_first=_capitalize_first, quote=lang.quote)
    glossary = json.loads(figures) if figures is not None else (load_templates(lang.code).get("figures") or {})
    env.filters["unit_word"] = functools.partial(unit_word, glossary)
    return env


@functools.lru_cache(maxsize=None)
def compiled(lang: Language, figures: str, source: str) -> jinja2.Template:
    """A template's text compiled in its language's environment (with the glossary ``figures``), once per
    process (and, through :func:`warm`, once per batch worker: the kernels forked by perfkit.run.forkserver
    inherit it). jinja binds filters when it compiles: the glossary is part of the key."""
    return template_environment(lang, figures).from_string(source)


def warm() -> None:
    """Read and compile the shipped templates of every language (what a report would do on first use), so
    that processes forked after this call start with them."""
    def strings(node: Any):
        if isinstance(node, dict):
            for value in node.values():
                yield from strings(value)
        elif isinstance(node, str):
            yield node

    for code in LANGUAGES:
        lang, data = Language.of(code), load_templates(code)
        for source in strings(data):
            try:
                compiled(lang, figures_key(data), source)
            except jinja2.TemplateError:
                pass  # compiled (and its error raised) when a report renders it


class Text:
    """Renders the templates of one language: ``text("results.total", total=86.53, grade="良")``.

    With ``escape`` (the default) data text is Markdown-escaped, for Markdown blocks. Text for an
    HTML table cell, where Markdown is not read, comes from :attr:`plain` (``escape=False``): the
    same templates with data text inserted as is (:func:`html_table` escapes it for HTML).
    """

    def __init__(self, language: str = LANGUAGES[0], escape: bool = True, overrides: dict | None = None):
        self.language = language
        self.lang = Language.of(language)
        self.escape = escape
        self.overrides = overrides or {}  # a firm's sentences over the shipped ones (perfkit.report.overrides)
        self.data = merged(load_templates(language), self.overrides) if self.overrides else load_templates(language)
        self.figures = figures_key(self.data)  # the glossary part of the compiled-template key (:func:`compiled`)
        self._plain: Text | None = None if escape else self

    @property
    def plain(self) -> "Text":
        """The same templates without Markdown escaping: text for HTML table cells."""
        if self._plain is None:
            self._plain = Text(self.language, escape=False, overrides=self.overrides)
        return self._plain

    def raw(self, key: str) -> Any:
        node: Any = self.data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise KeyError(f"no template {key!r} in narrative.{self.language}.yaml")
            node = node[part]
        return node

    def has(self, key: str) -> bool:
        try:
            self.raw(key)
            return True
        except KeyError:
            return False

    def __call__(self, key: str, **context: Any) -> Safe:
        source = self.raw(key)
        if not isinstance(source, str):
            raise KeyError(f"template {key!r} in narrative.{self.language}.yaml is not text")
        out = compiled(self.lang, self.figures, source).render(**_escape(context, self.escape))
        out = _DOUBLE_STOP.sub("", out)  # data text ending in 。 inside a sentence: "目标……。，完成" → "目标……，完成"
        return Safe(self.lang.sentences(re.sub(r"[ \t]*\n[ \t]*", "\n", out).strip().split("\n")))

    def label(self, key: str) -> str:
        """A plain label (column name, heading word) — not a template, and ours: :class:`Safe`."""
        return Safe(self.raw(key))
