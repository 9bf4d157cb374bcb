"""The languages a report is written in, and how each is written — as data, not as ``if en`` branches.

``LANGUAGES`` is the one list of report languages (the first is the default): a new language is one entry
here plus its ``templates/narrative.<code>.yaml``. Everything that differs between languages beyond the
templates' sentences — joining lists, clauses and sentences, heading numbers (一、/（一）/1. against
1/1.1), whether translated names (``name_en``, ``title_en`` …) are used, small counts as words, the
article before a name, quotation marks, the width at which chart labels wrap — is read from the ``style`` block of that file into a
:class:`Language`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any, Iterable

import yaml

from ..fmt import chinese_number

LANGUAGES = ("zh", "en")
_CJK = re.compile(r"[\u3400-\u9fff]")


@functools.lru_cache(maxsize=None)
def template_file(kind: str, language: str) -> dict:
    """``templates/<kind>.<language>.yaml`` of the shipped package (``narrative``: the sentences;
    ``document``: the Word document's and score sheet's fonts and labels), as a nested dict. ValueError for a
    language not in :data:`LANGUAGES` or a file that declares another language."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; expected one of {', '.join(LANGUAGES)}")
    text = resources.files("perfkit.report").joinpath("templates", f"{kind}.{language}.yaml").read_text(encoding="utf-8")
    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml where installed: 10x
    if data.get("language") != language:
        raise ValueError(f"{kind}.{language}.yaml declares language {data.get('language')!r}")
    return data


def load_templates(language: str) -> dict:
    """The narrative templates of a language (one of :data:`LANGUAGES`), as a nested dict."""
    return template_file("narrative", language)


@dataclass(frozen=True)
class Language:
    """How one language is written; built from the ``style`` block of its templates by :meth:`of`."""

    code: str
    list_separator: str  # between items of a list …
    list_last: str  # … and before the last one ("a, b and c" / "a、b、c")
    clause_separator: str  # between clauses of one cell or sentence (；/ ; )
    sentence_separator: str  # between sentences of one paragraph ("" / " ")
    heading_numbers: tuple[str, ...]  # per heading level; deeper levels use the last
    annex_heading_numbers: tuple[str, ...]  # the same within an appendix, below its own heading ("A2.1")
    translated_names: bool  # use name_en, title_en … where given
    number_words: tuple[str, ...]  # small counts as words (0, 1, 2 …); digits beyond
    article: str  # before a proper name ("the ")
    quotes: tuple[str, str]
    label_width: int  # chart labels (indicator names) wrap at about this many display columns
    list_more: str  # after the items a long list names: "{shown}" the named part, "{n}" the whole count
    list_max: int  # a list in prose names at most this many items (the tables list them all)
    untranslated: str  # a name with no translation where names are translated: "{name}" the name as written
    untranslated_text: str  # likewise a passage quoted from the source documents: "{text}" as written

    @classmethod
    @functools.lru_cache(maxsize=None)
    def of(cls, code: str) -> "Language":
        style = load_templates(code)["style"]
        return cls(code=code, list_separator=style["list_separator"], list_last=style["list_last"],
                   clause_separator=style["clause_separator"], sentence_separator=style["sentence_separator"],
                   heading_numbers=tuple(style["heading_numbers"]),
                   annex_heading_numbers=tuple(style.get("annex_heading_numbers") or style["heading_numbers"]),
                   translated_names=bool(style["translated_names"]),
                   number_words=tuple(style["number_words"]), article=style["article"], quotes=tuple(style["quotes"]),
                   label_width=int(style["label_width"]), list_more=style["list_more"],
                   list_max=int(style["list_max"]), untranslated=style["untranslated"],
                   untranslated_text=style["untranslated_text"])

    # ---- joining -------------------------------------------------------------------------------

    def join_list(self, items: Iterable[Any], sep: str | None = None) -> str:
        """Items of a list as prose: 'a、b、c' / 'a, b and c'; with ``sep``, joined by it."""
        items = [str(i) for i in items]
        if items and (sep if sep is not None else self.list_separator)[:1] in "，；、":  # no "。，"
            items = [i.rstrip("。") for i in items[:-1]] + items[-1:]
        if sep is not None:
            return sep.join(items)
        if len(items) <= 2:
            return self.list_last.join(items)
        return self.list_separator.join(items[:-1]) + self.list_last + items[-1]

    def join_some(self, items: Iterable[Any], sep: str | None = None) -> str:
        """A list in prose that names at most ``list_max`` items, duplicates dropped: 'a、b、c等8项' /
        'a, b, c and 5 others'; shorter lists as :meth:`join_list`."""
        items = list(dict.fromkeys(str(i) for i in items))
        if len(items) <= self.list_max:
            return self.join_list(items, sep)
        shown = self.join_list(items[:self.list_max], sep if sep is not None else self.list_separator)
        return self.list_more.format(shown=shown, n=len(items), rest=len(items) - self.list_max)

    def clauses(self, items: Iterable[Any]) -> str:
        """Clauses of one cell or sentence: 'a；b' / 'a; b' (a clause's own full stop dropped before the separator)."""
        items = [str(i) for i in items]
        return self.clause_separator.join([i.rstrip("。") for i in items[:-1]] + items[-1:])

    def sentences(self, items: Iterable[Any]) -> str:
        """Sentences (rendered templates) of one paragraph."""
        return self.sentence_separator.join(str(i) for i in items)

    # ---- words ---------------------------------------------------------------------------------

    def heading_number(self, numbers: tuple[int, ...], annex: bool = False) -> str:
        """The number of a heading at depth ``len(numbers)``: 一、 / （一） / 1. in Chinese; 1 / 1.1 in English.
        ``annex``: a heading within an appendix, whose first number is the appendix's ('A2.1' in English, so that
        it is not read as section 2's first subsection; the Chinese （一） needs no mark)."""
        forms = self.annex_heading_numbers if annex else self.heading_numbers
        form = forms[min(len(numbers), len(forms)) - 1]
        n = numbers[-1]
        return form.format(n=n, cn=chinese_number(n), path=".".join(str(x) for x in numbers))

    def pick(self, native: Any, translated: Any) -> Any:
        """``translated`` where this language uses translated names and one is given, else ``native``."""
        return translated if self.translated_names and isinstance(translated, str) and translated else native

    def name(self, native: Any, translated: Any) -> Any:
        """A name in prose: as :meth:`pick`, and where this language translates names but none is given, the
        name as written once, marked as untranslated ('“金融论坛补贴数量” (Chinese name)')."""
        picked = self.pick(native, translated)
        if self.translated_names and picked is native and isinstance(native, str) and _CJK.search(native):
            return self.untranslated.format(name=native)
        return picked

    def text(self, native: Any, translated: Any) -> Any:
        """A passage (a statement, a problem the source lists) in prose: as :meth:`pick`, and where this language
        translates but no translation is given, the passage as written, marked as quoted in the source language."""
        picked = self.pick(native, translated)
        if self.translated_names and picked is native and isinstance(native, str) and _CJK.search(native):
            return self.untranslated_text.format(text=native)
        return picked

    def grade_label(self, grade: str | None, framework) -> str:
        """A grade as this language names it: 优 / 'Excellent' (the band's ``name_en``); '—' for none."""
        if grade is None:
            return "—"
        band = next((g for g in framework.grades if g.grade == grade), None)
        return self.pick(grade, band.name_en.capitalize() if band is not None and band.name_en else None)

    def number_word(self, n: Any) -> str:
        """Small counts as words where the language writes them so ('one evaluation'); digits otherwise."""
        if isinstance(n, int) and 0 <= n < len(self.number_words):
            return self.number_words[n]
        return str(n)

    def the(self, name: str) -> str:
        """'Shenzhen Local … Bureau' → 'the Shenzhen Local … Bureau' where the language has an article."""
        if not self.article or not name or name.lower().startswith(self.article.lower()):
            return name
        return self.article + name

    def quote(self, text: Any) -> str:
        return f"{self.quotes[0]}{text}{self.quotes[1]}"
