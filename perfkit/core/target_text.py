"""What a target (年度指标值) or an actual (实际完成值) says, read once, as data.

A cell of a 绩效目标表 is read by a small grammar: a tokenizer (:func:`tokens`) and a few productions
(:func:`read_target`). The result, a :class:`Reading`, holds the comparison (≥ ≤ = or a range), the
bounds with their inclusiveness, the unit and its magnitude (万/亿 before 元), and the *kind* of target:

``quantity``  a count or an amount ("≥11家", "不少于420条", "2-3个", "十名以内"); a place in a ranking
              ("第8名", "前三名") is at most that place, lower is better
``rate``      a percentage ("≥95%", "95%及以上", "90%-95%")
``ceiling``   an upper limit on spending ("不超出财政预算100.3万元"; a cost row's money amount)
``date``      a deadline or a date ("2023年12月底前", "2月", "第三季度"), bounds as month indices
``duration``  a time limit ("3个工作日内", "30天以内"), bounds in the unit written
``growth``    a change against the previous year ("较上年增长10%", "同比下降5%"), signed: a decline is
              a negative change, so "下降5%" is met by a change of −5% or less
``words``     no measurable value ("显著提升", "满意"); reported as such, never guessed
``not_applicable``  不适用 / 不涉及 / 无

Where the reading is not certain (a bare date read as a deadline, "提高5%" with no base, a sentence
with a number in it, a bare zero "0次" read as none allowed: at most 0, as no count falls below it) ``notes``
says what was understood; a parameter file overrides the reading with
explicit fields (``target_value``, ``direction``, ``kind``). :func:`met` decides whether an actual
meets a target from the comparison alone, so the direction of every kind is stated in one place.

Grammar (tokens in capitals; ``[]`` optional; the productions are tried in this order)::

    reading   := OP_PRE* TEXT* core SUFFIX* TEXT*
    core      := level | growth | date | duration | range | amount
    level     := BASE? CHANGE (至|到) amount           (the level reached: 提高至 ≥, 下降至 ≤, unless written)
    growth    := BASE? CHANGE OP_PRE* amount          (增长|提高… positive, 下降|减少… negative)
    date      := NUM 年 [NUM 月] [底|末|初] | NUM 月 [底|末] | 第? NUM 季度 | 上半年 | 下半年 | NUM-NUM (ISO)
    duration  := NUM 个? (工作日|日|天|小时|周|个月) 
    range     := amount SEP amount                    (a unit on either end applies to both)
    amount    := (NUM | CNUM) UNIT?
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from dataclasses import dataclass, field, replace

from ..fmt import chinese_numeral, numeral

# ---- tokens ----------------------------------------------------------------------------------

# Comparison words before a value, longest first ("不少于" before "少于").
PREFIX_OPS = {
    "大于或等于": ">=", "小于或等于": "<=", "高于或等于": ">=", "低于或等于": "<=", "大于等于": ">=", "小于等于": "<=",
    "不少于": ">=", "不低于": ">=", "不小于": ">=", "至少": ">=",
    "不超过": "<=", "不超出": "<=", "不高于": "<=", "不大于": "<=", "不多于": "<=", "控制在": "<=", "最多": "<=",
    "达到": ">=", "大于": ">", "超过": ">", "高于": ">", "多于": ">", "小于": "<", "低于": "<", "少于": "<",
    ">=": ">=", "<=": "<=", "≥": ">=", "≧": ">=", "≤": "<=", "≦": "<=", ">": ">", "<": "<", "=": "==",
}
# Comparison words after a value. 前 / 底前 / 以前 make a date a deadline; 内 / 以内 make a limit.
SUFFIX_OPS = {
    "及以上": ">=", "以上": ">=", "及以下": "<=", "以下": "<=", "以内": "<=", "之内": "<=", "底前": "<=",
    "以前": "<=", "之前": "<=", "前": "<=", "内": "<=", "左右": "~",
}
CHANGE_WORDS = {"增长": 1, "提高": 1, "提升": 1, "上升": 1, "增加": 1, "增幅": 1,
                "下降": -1, "减少": -1, "降低": -1, "降幅": -1, "压减": -1, "压缩": -1}
BASE_WORDS = ("较上一年度", "较上年度", "较上年", "比上年", "较去年", "比去年", "同比", "环比", "较基期")
DURATION_UNITS = ("个工作日", "工作日", "个月", "小时", "天", "日", "周")
SEPARATORS = ("-", "~", "—", "–", "至", "到")
LEVEL_WORDS = ("至", "到")  # after a change word, the level it reaches ("提高至95%", "下降到10%")
APPROX_BEFORE = ("约", "大约", "约为", "近", "将近", "接近", "逾")  # words before a figure that make it approximate
APPROX_AFTER = ("余", "多")  # … and between a figure and its unit
NOT_APPLICABLE = ("不适用", "不涉及", "无", "/", "—")
RANK_WORDS = ("第", "前")  # a place (第8名, 全国第一) or the top places (前三名, 排名前10位) before a figure
RANK_UNITS = ("名", "位", "强")  # … and after it, if anything
MONEY = ("元",)
# Magnitude words that lead a unit, longest first; 万元 is 元 at 1e4.
SCALES = (("万亿", 1e12), ("亿", 1e8), ("千万", 1e7), ("百万", 1e6), ("万", 1e4), ("千", 1e3))
# A figure for each period rather than for the year ("每月不少于2次", "每季度1次", "月均1000人次"): the words and how
# many such periods make a year; and the words that say an actual is the year's total ("全年12次", "累计15次").
PER_PERIOD = {"每个月": 12, "每月": 12, "平均每月": 12, "月均": 12, "月度": 12, "每两个月": 6, "每两月": 6,
              "每个季度": 4, "每季度": 4, "每季": 4, "季均": 4, "季度": 4, "每周": 52, "周均": 52, "每旬": 36,
              "每天": 365, "每日": 365, "日均": 365, "每半年": 2, "半年": 2}
PER_PERIOD_UNITS = {"月": 12, "季度": 4, "季": 4, "周": 52, "旬": 36, "天": 365, "日": 365, "半年": 2}  # "1次/月"
YEAR_TOTAL_WORDS = ("全年", "年度", "一年", "累计", "合计", "共计", "总计", "共")
_YEAR_SPAN = re.compile(r"1[-~—–至到]12月|截至年底|截止年底|到年底")  # "1-12月开展20次": the whole year
# A target set against last year's level with no figure of its own ("不低于上年", "保持上年水平", "与上年持平",
# "较上年有所提高"): the words for last year, the comparison before them, and what may follow them.
PRIOR_YEAR_WORDS = ("上一年度", "上年度", "上一年", "上年", "去年", "前一年")  # not 往年: the years before, not one
PRIOR_OPS = {"不低于": ">=", "不少于": ">=", "不小于": ">=", "不差于": ">=", "达到": ">=", "保持": ">=",
             "保持在": ">=", "持平于": ">=", "高于": ">", "多于": ">", "大于": ">", "超过": ">", "优于": ">",
             "不高于": "<=", "不超过": "<=", "不多于": "<=", "不大于": "<=", "控制在": "<=",
             "低于": "<", "少于": "<", "小于": "<", ">=": ">=", ">": ">", "<=": "<=", "<": "<", "≥": ">=", "≤": "<="}
PRIOR_TAILS = {"持平": ">=", "以上": ">=", "及以上": ">=", "以下": "<=", "及以下": "<="}
PRIOR_CHANGES = {"提高": ">", "提升": ">", "增长": ">", "增加": ">", "上升": ">", "改善": ">",
                 "下降": "<", "降低": "<", "减少": "<"}


def _alternation(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_TOKEN = re.compile(
    rf"(?P<ISO>(?:19|20)\d\d\s*[-/]\s*\d{{1,2}}(?:\s*[-/]\s*\d{{1,2}})?(?![\d.]))"
    rf"|(?P<NUM>(?:\d+(?:,\d{{3}})*(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?)"
    rf"|(?P<BASE>{_alternation(BASE_WORDS)})"
    rf"|(?P<CHANGE>{_alternation(CHANGE_WORDS)})"
    rf"|(?P<OP>{_alternation(PREFIX_OPS)})"
    rf"|(?P<SUFFIX>{_alternation(SUFFIX_OPS)})"
    rf"|(?P<UNITW>个百分点|百分点)"
    rf"|(?P<HALF>上半年|下半年)"
    rf"|(?P<QUARTER>第?[一二三四1234]季度)"
    rf"|(?P<CNUM>[零〇一二两三四五六七八九十百千]+)"
    rf"|(?P<SEP>{_alternation(SEPARATORS)})"
    rf"|(?P<SPACE>\s+)"
    rf"|(?P<CHAR>.)",
    re.S,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str


# A rate written as a fraction in words: 百分之九十五 (95%), 千分之三 (3‰), 万分之五 (0.5‰).
_FRACTION = re.compile(r"(百|千|万)分之(\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千]+)")


def _fraction(m: re.Match) -> str:
    v = numeral(m.group(2))
    if v is None:
        return m.group(0)
    return {"百": f"{v:g}%", "千": f"{v:g}‰", "万": f"{v / 10:g}‰"}[m.group(1)]


# … and a share written as a fraction: 2/3, 三分之二 (66.67%)
_SHARE = re.compile(r"(?<![\d./-])(\d{1,2})/(\d{1,3})(?![\d./-])|([一二两三四五六七八九十]+)分之([一二两三四五六七八九十]+)")


def _share(m: re.Match) -> str:
    a, b = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))  # a/b, or b分之a
    part, whole = numeral(a), numeral(b)
    if not part or not whole or part >= whole or whole > 10:  # a common fraction, not a day (12/31) or a ratio
        return m.group(0)
    return f"{100 * part / whole:.2f}%"


def normalise(text: str) -> str:
    """Full-width digits and signs to their ASCII forms (NFKC: "９５％" → "95%", "＞" → ">"), and a rate in words
    to its figure ("千分之三" → "3‰", "百分之九十五" → "95%", "万分之五" → "0.5‰")."""
    # circled numbers (①②…) mark list items, not figures: NFKC would turn them into digits
    text = re.sub("[\u2460-\u2473\u24f5-\u24fe\u2776-\u2793]", " ", text)
    return _SHARE.sub(_share, _FRACTION.sub(_fraction, unicodedata.normalize("NFKC", text).replace("～", "~")))


def tokens(text: str) -> list[Token]:
    """The tokens of a cell: numbers, comparison words, change words, separators; other characters
    are merged into TEXT runs (units and words)."""
    out: list[Token] = []
    for m in _TOKEN.finditer(normalise(text)):
        kind, value = m.lastgroup, m.group(0)
        if kind == "SPACE":
            continue
        if kind == "UNITW":  # a unit holding a numeral character (百分点) is a unit, not a number
            out.append(Token("TEXT", value))
            continue
        if kind == "CHAR":
            if out and out[-1].kind == "TEXT":
                out[-1] = Token("TEXT", out[-1].text + value)
            else:
                out.append(Token("TEXT", value))
            continue
        out.append(Token(kind, value))
    return out


# ---- the reading -----------------------------------------------------------------------------


# What the grammar understood where it is unsure, by code: the English of ``Reading.notes`` (the command line's
# words); a report words each code in its language (``targets.notes.<code>`` of the narrative templates).
NOTES = {
    "period_end": "a period: read as due by its end",
    "date_as_deadline": "a date without 前: read as a deadline at its month's end",
    "month_without_year": "a month without its year",
    "change_without_base": "a change without its base: read as against the previous year",
    "rate_change_unstated": "a rate raised by a percentage: read as the change in percent, relative or in points "
                            "not stated",
    "about_figure": "左右: read as about the figure, met at or above it",
    "approximate_figure": "约, 近, 逾, 余 or 多 with the figure: read as the figure itself",
    "figure_in_sentence": "a figure in a sentence: read as {value:g}",
    "cost_amount_ceiling": "a cost row's amount: read as a ceiling on spending",
    "cost_figure_ceiling": "a cost row's figure: read as a ceiling on spending",
    "zero_as_limit": "a bare zero: read as none allowed (at most 0)",
    "place_as_limit": "a place in a ranking: read as that place or better",
    "prior_level": "against last year's level: read as last year's actual, {value:g} (prior_actual)",
    "prior_level_unknown": "against last year's level, which the row does not give (prior_actual): not judged",
    "prior_level_units": "against last year's level, given in another unit than the actual: not judged",
    "growth_from_prior": "a change judged by this year's level against last year's actual, {value:g} (prior_actual)",
    "per_period_total": "the year's total against a target for each of {value:g} periods a year: divided by "
                        "{value:g}",
    "per_period_unstated": "a figure that does not say its period against a target for each of {value:g} periods a "
                           "year: compared as written, no ambition judged",
    "per_period_converted": "a figure for another period than the target's: converted to the target's period "
                            "({value:g} a year)",
}


def _note(code: str, value: float | None = None) -> str:
    return NOTES[code].format(value=value) if value is not None else NOTES[code]


@dataclass(frozen=True)
class Reading:
    """A target or an actual as data. Bounds are in ``unit`` at magnitude ``scale`` (130亿元: lo 130,
    unit 元, scale 1e8); dates are month indices (year × 12 + month − 1); a growth is a signed change
    in percent. ``lo``/``hi`` None: unbounded on that side. ``value`` is the single figure the cell
    states (a range's lower end)."""

    text: str
    kind: str
    comparator: str | None = None  # ">=", ">", "<=", "<", "==", "range", or None (a bare figure)
    lo: float | None = None
    hi: float | None = None
    lo_inclusive: bool = True
    hi_inclusive: bool = True
    unit: str | None = None  # the unit without its magnitude word: 元, %, 家, 月, 工作日
    scale: float = 1.0  # the magnitude word's factor (万 → 1e4)
    magnitude: str | None = None  # the magnitude word as written (万, 亿)
    base: str | None = None  # growth: the base word (较上年, 同比)
    year_given: bool = True  # dates: whether the year was written
    periods: int = 1  # how many of the periods the figure counts make a year: 每月 → 12, 每季度 → 4 (PER_PERIOD)
    notes: tuple[str, ...] = field(default_factory=tuple)  # what was understood where unsure (:data:`NOTES`)

    @property
    def note_codes(self) -> tuple[str, ...]:
        """The codes of :attr:`notes` (keys of :data:`NOTES`), for a report to word in its language."""
        return tuple(c for n in self.notes for c, text in NOTES.items() if n == text or (
            "{" in text and n.startswith(text.split("{")[0])))

    @property
    def measurable(self) -> bool:
        return self.lo is not None or self.hi is not None

    @property
    def value(self) -> float | None:
        """The figure the cell states: the bound it names, a range's lower end, a bare figure."""
        return self.lo if self.lo is not None else self.hi

    @property
    def upper(self) -> float | None:
        return self.hi if self.comparator == "range" else None

    @property
    def unit_text(self) -> str | None:
        """The unit as written, magnitude word included (万元, 亿, %)."""
        if self.magnitude is None:
            return self.unit
        return self.magnitude + (self.unit or "")

    @property
    def direction(self) -> str | None:
        """Which way is better: ``positive`` for ≥, ``negative`` for ≤ (ceilings, deadlines, limits),
        ``equal`` for = and ranges; None for a bare figure or words."""
        return {">=": "positive", ">": "positive", "<=": "negative", "<": "negative", "==": "equal",
                "range": "equal"}.get(self.comparator or "")


def _scale_of(unit: str | None) -> tuple[str | None, str | None, float]:
    """(magnitude word, unit without it, factor) of a unit as written."""
    if not unit:
        return None, unit, 1.0
    for word, factor in SCALES:
        if unit.startswith(word) and (len(unit) == len(word) or unit[len(word):] in MONEY or len(unit) > len(word)):
            rest = unit[len(word):] or None
            return word, rest, factor
    return None, unit, 1.0


def _number(tok: Token) -> float | None:
    if tok.kind == "NUM":
        v = float(tok.text.replace(",", ""))
        return v if math.isfinite(v) else None
    if tok.kind == "CNUM":
        return chinese_numeral(tok.text)
    return None


def _clean_unit(text: str | None) -> str | None:
    if text is None:
        return None
    t = text.strip().strip("。，,；;:：()（）")
    return t or None


def _unit_of(toks: list[Token], i: int) -> tuple[str | None, int]:
    """The unit right after a number at ``toks[i - 1]``: a TEXT token (its first word), or None; a magnitude
    written as a numeral before it is part of it ("2千人": 千人)."""
    if i + 1 < len(toks) and toks[i].kind == "CNUM" and toks[i].text in ("千", "百") and toks[i + 1].kind == "TEXT":
        unit, k = _unit_of(toks, i + 1)
        return (toks[i].text + unit if unit else toks[i].text), k
    if i < len(toks) and toks[i].kind == "TEXT":
        text = toks[i].text
        for word in DURATION_UNITS + ("个百分点", "百分点"):
            if text.startswith(word):
                return word.removeprefix("个") if "百分点" in word else word, i + 1
        # A unit is short; the rest of a long TEXT run is words after the figure.
        m = re.match(r"[%‰]|[万亿千百]*[^\s，。；,;、（）()]{0,3}", text)
        unit = _clean_unit(m.group(0) if m else None)
        return unit, i + 1
    return None, i


def _op(tok: Token) -> str:
    return PREFIX_OPS[tok.text] if tok.kind == "OP" else SUFFIX_OPS[tok.text]


def _bounds(op: str | None, v: float) -> dict:
    if op in (">=", None, "==", "~"):
        return {"lo": v, "hi": v if op in ("==",) else None} if op != "~" else {"lo": v, "hi": v}
    if op == ">":
        return {"lo": v, "lo_inclusive": False}
    if op == "<=":
        return {"hi": v}
    if op == "<":
        return {"hi": v, "hi_inclusive": False}
    raise ValueError(op)


_MONTH = re.compile(r"^(?:(\d{4})年)?(\d{1,2})月(底|末|初|份|中旬|上旬|下旬)?")
_YEAR_ONLY = re.compile(r"^(\d{4})年(底|末)?")
_YEAR_MONTH_TEXT = re.compile(r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月")


def _date(text: str, year: int | None) -> tuple[float, float, bool] | None:
    """(first month, last month, year written) of a date written at the start of ``text``."""
    s = normalise(text).replace(" ", "")
    if m := _NUMERIC_DATE.match(s):
        y, mo = int(m.group(1)), int(m.group(2))
        return (y * 12 + mo - 1,) * 2 + (True,) if 1 <= mo <= 12 else None
    if m := _MONTH.match(s):
        y = int(m.group(1)) if m.group(1) else year
        mo = int(m.group(2))
        if not 1 <= mo <= 12:
            return None
        yy = y if y is not None else 0
        return (yy * 12 + mo - 1,) * 2 + (m.group(1) is not None,)
    q = re.match(r"^(?:(\d{4})年)?第?([一二三四1234])季度", s)
    if q:
        y = int(q.group(1)) if q.group(1) else (year or 0)
        n = {"一": 1, "二": 2, "三": 3, "四": 4}.get(q.group(2)) or int(q.group(2))
        return (y * 12 + 3 * (n - 1), y * 12 + 3 * n - 1, q.group(1) is not None)
    h = re.match(r"^(?:(\d{4})年)?(上|下)半年", s)
    if h:
        y = int(h.group(1)) if h.group(1) else (year or 0)
        first = 0 if h.group(2) == "上" else 6
        return (y * 12 + first, y * 12 + first + 5, h.group(1) is not None)
    if m := _YEAR_ONLY.match(s):
        y = int(m.group(1))
        return (y * 12, y * 12 + 11, True)
    if re.match(r"^年(?:底|末|内)", s):  # 年底前, 年内: the end of the budget year
        return ((year or 0) * 12 + 11,) * 2 + (False,)
    return None


# A date written with numbers only ("2022-02", "2022.2", "2022/2/28"): a plausible year, and not an amount
# ("1288.2万元", "2022.5万元" are quantities, not dates).
_NUMERIC_DATE = re.compile(r"^((?:19|20)\d\d)[-./](\d{1,2})(?:[-./]\d{1,2})?(?![\d.]|\s*(?:[万亿千百]|元|%))")
_DATE_START = re.compile(r"(?:\d{4}\s*年\s*)?(?:\d{1,2}\s*月|第?[一二三四1234]季度|[上下]半年)|\d{4}\s*年\s*(?:底|末)"
                         r"|(?<![\d年零〇一二两三四五六七八九十百])年(?:底|末|(?=内))"
                         r"|(?:19|20)\d\d\s*[-./]\s*\d{1,2}(?:\s*[-./]\s*\d{1,2})?(?![\d.]|\s*(?:[万亿千百]|元|%))")


_AS_OF = re.compile(r"(?:截至|截止到?|到)(?:(?:19|20)\d\d年|年)?(?:\d{1,2}月)?(?:\d{1,2}日)?(?:底|末|初)?(?:前|时)?"
                    r"|(?:(?:19|20)\d\d年)?1[-~—–至到]12月份?")  # … and the whole year: "1-12月开展20次"


def _read_date(text: str, norm: str, year: int | None) -> Reading | None:
    """A date or deadline anywhere in the cell ("2023年12月底前", "验收 2022年2月", "第三季度")."""
    starts = [m for m in _DATE_START.finditer(norm.replace(" ", ""))]
    if not starts:
        return None
    s = norm.replace(" ", "")
    dates = []
    for m in starts:
        d = _date(s[m.start():], year)
        if d is not None:
            dates.append((m, d))
    if not dates:
        return None
    notes = []
    (m0, (first, last, given)), = dates[:1]
    if not given and s[:m0.start()].endswith(("次年", "翌年", "明年", "下一年", "下年")):  # "次年3月底前"
        first, last, given = first + 12, last + 12, year is not None
    tail = s[m0.end():]
    if len(dates) >= 2 and re.match(r"^[^\d]{0,3}(?:-|~|—|至|到)", s[m0.end():dates[1][0].start()] or "-"):
        # A period "2021年1月至2021年12月": the deadline is its end.
        last = dates[1][1][1]
        comparator, lo, hi = "<=", None, last
        notes.append(_note("period_end", None))
    else:
        deadline = bool(re.search(r"前|内|截止|完成", tail))
        comparator, lo, hi = "<=", None, last
        if not deadline:
            notes.append(_note("date_as_deadline", None))
    if year is None and not given:
        notes.append(_note("month_without_year", None))
    return Reading(text=text, kind="date", comparator=comparator, lo=lo, hi=hi, unit="月",
                   year_given=given or year is not None, notes=tuple(notes))


def read_target(raw, *, cost: bool = False, year: int | None = None) -> Reading:
    """Read a target or actual cell.

    ``raw``: the cell as written (text or a number). ``cost``: the row is a cost row (成本指标), so a
    money amount without a comparison is a ceiling on spending. ``year``: the year of dates written
    without one ("2月"), normally the budget year. Never raises: what cannot be read is ``words``.

    >>> r = read_target("95%及以上"); (r.kind, r.comparator, r.lo, r.unit)
    ('rate', '>=', 95.0, '%')
    >>> r = read_target("同比下降5%"); (r.kind, r.comparator, r.hi)
    ('growth', '<=', -5.0)
    """
    try:
        return _read_target(raw, cost, year)
    except TypeError:  # an unhashable cell (never from a validated parameter file): read it without the memo
        return _read_target.__wrapped__(raw, cost, year)


# A Reading is a frozen value of (raw, cost, year) alone, and validating a department-year reads each cell
# several times (compile, reconciliation, target checks, reading notes; Beijing 2021: 2,849 readings of 517
# cells), so each is read once per process. typed: 1, 1.0 and True are different cells ("1", "1", "True").
@functools.lru_cache(maxsize=4096, typed=True)
def _read_target(raw, cost: bool, year: int | None) -> Reading:
    if raw is None:
        return Reading(text="", kind="words")
    if isinstance(raw, bool):
        return Reading(text=str(raw), kind="words")
    if isinstance(raw, (int, float)):
        if not math.isfinite(raw):
            return Reading(text=str(raw), kind="words")
        v = float(raw)
        kind = "ceiling" if cost else "quantity"
        if not cost and v == 0:
            return Reading(text=f"{raw:g}", kind=kind, comparator="<=", hi=0.0, notes=(_note("zero_as_limit"),))
        return Reading(text=f"{raw:g}", kind=kind, comparator="<=" if cost else None,
                       lo=None if cost else v, hi=v if cost else None)
    text = str(raw).strip()
    norm = normalise(text)
    if norm in NOT_APPLICABLE:
        return Reading(text=text, kind="not_applicable")
    toks = tokens(text)
    # growth: BASE? CHANGE OP* amount
    change = next((i for i, t in enumerate(toks) if t.kind == "CHANGE"), None)
    if change is not None and change + 1 < len(toks) and toks[change + 1].kind == "SEP" and \
            toks[change + 1].text in LEVEL_WORDS:
        # level := BASE? CHANGE (至|到) amount: the level reached is the target ("提高至95%" is at least 95%, not a
        # rise of 95%; "压减至100万元以内" at most 100万元), the way of the change unless the cell says otherwise
        return _amount(text, toks[change + 2:], cost, implied=">=" if CHANGE_WORDS[toks[change].text] > 0 else "<=")
    if change is not None and any(t.kind == "NUM" for t in toks[change + 1:]) and all(
            _is_base_year(toks, i) for i in range(change) if toks[i].kind == "NUM"):
        return _growth(text, toks, change)
    compact = norm.replace(" ", "")
    if (m := _AS_OF.match(compact)) and re.search(r"\d", compact[m.end():]):
        # "截至12月底完成85%", "截至2024年底，覆盖率达到95%": the date says when; the figure is the target
        return replace(_read_target(compact[m.end():].lstrip("，,：:"), cost, year), text=text)
    if (d := _read_date(text, norm, year)) is not None and not any(t.kind == "TEXT" and t.text.startswith(
            ("个工作日", "工作日", "天")) for t in toks):
        return d
    if (op := _prior_level(compact)) is not None:
        return Reading(text=text, kind="prior_level", comparator=op, base="上年")
    if _RECURRING_DEADLINE.search(compact):  # "每月10日前": a day of each month, neither a count nor one date
        return Reading(text=text, kind="words")
    r = _amount(text, toks, cost)
    if r.measurable and r.kind == "quantity":
        periods = per_period(compact)
        if r.unit and (m := re.fullmatch(r"(.+)/(" + _alternation(PER_PERIOD_UNITS) + ")", r.unit)):  # "1次/月"
            r, periods = replace(r, unit=m.group(1)), PER_PERIOD_UNITS[m.group(2)]
        if periods > 1:
            r = replace(r, periods=periods)
    return r


_PER_PERIOD_LONGEST_FIRST = sorted(PER_PERIOD.items(), key=lambda kv: -len(kv[0]))  # 每两个月 before 每月
_PERIOD_WORDS = (*PER_PERIOD, *YEAR_TOTAL_WORDS)  # words before a Chinese numeral that make it a count ("全年四次")
_RECURRING_DEADLINE = re.compile(r"(?:每|月度|季度)[^\d，,；;。]*?\d{1,2}(?:日|号)(?:前|之前|以前|内)")
_CLAUSE = re.compile(r"[，,；;。]")


def _figure_clause(compact: str) -> str:
    """The words before a cell's first figure, in the clause that holds it: "每月开展宣传活动，全年不少于12场" gives
    "全年不少于" (the figure is the year's), "每月开展2次" gives "每月开展"."""
    m = re.search(r"\d|[零〇一二两三四五六七八九十百千](?=[次场期人家项篇份件]|个(?!月|季))", compact)
    return _CLAUSE.split(compact[:m.start()] if m else compact)[-1]


def per_period(compact: str) -> int:
    """How many of the periods a figure is written for make a year (每月 → 12, 每季度 → 4, 每周 → 52), read from
    the words before the figure in its clause; 1 when they name none, or name the year too ("每月开展，全年不少于12场")."""
    head = _figure_clause(compact)
    if any(w in head for w in YEAR_TOTAL_WORDS):
        return 1
    return next((n for word, n in _PER_PERIOD_LONGEST_FIRST if word in head), 1)


def year_total(compact: str) -> bool:
    """Whether an actual says it is the year's total: "全年开展12次", "累计培训15期", "2024年共开展20次", "1-12月开展20次",
    "截至年底开展30次"."""
    head = _figure_clause(re.sub(r"^(?:19|20)\d\d年(?:度)?", "", compact))
    return any(w in head for w in YEAR_TOTAL_WORDS) or bool(_YEAR_SPAN.search(compact))


_PRIOR = _alternation(PRIOR_YEAR_WORDS)
# what may stand before the comparison: the measure's name ("满意度不低于上年") or an aim ("力争高于上年"), in words
_SUBJECT = r"(?:[\u4e00-\u9fff]{0,8}?)"
_PRIOR_LEVEL = re.compile(
    rf"^{_SUBJECT}(?:与|和|同)?(?P<op>{_alternation(PRIOR_OPS)})?(?:{_PRIOR})(?:同期)?(?:的)?"
    rf"(?:平均)?(?:水平|实际完成值|实际值|实际数|实际|完成值|完成数|数值|标准|值|数)?(?P<tail>{_alternation(PRIOR_TAILS)})?$")
_PRIOR_CHANGE = re.compile(
    rf"^{_SUBJECT}(?:较|比|相比|对比)(?:{_PRIOR})(?:同期)?(?:水平)?(?:有所|进一步|明显|稳步|持续|继续)?"
    rf"(?P<change>{_alternation(PRIOR_CHANGES)})$")
# fixed phrases after last year's words: "持平或略有增长", "稳中有升", "只增不减"
PRIOR_PHRASES = {"持平或略有增长": ">=", "持平或略增": ">=", "持平或有所增长": ">=", "持平或增长": ">=", "只增不减": ">=",
                 "不减少": ">=", "不下降": ">=", "不降低": ">=", "稳中有升": ">", "稳中有增": ">"}
_PRIOR_PHRASE = re.compile(
    rf"^{_SUBJECT}(?:与|和|同|较|比)?(?:{_PRIOR})(?:同期)?(?:水平)?(?P<phrase>{_alternation(PRIOR_PHRASES)})$")


def _prior_level(compact: str) -> str | None:
    """The comparison of a target set against last year's level with no figure of its own, or None:
    "不低于上年" and "保持上年水平" are >=, "高于上年" and "较上年有所提高" are >, "不高于去年同期" <=; a cell
    with a digit is not one ("较上年增长5%" is a growth)."""
    compact = re.sub(r"[（(](?:19|20)\d\d年度?[)）]", "", compact)  # "不低于上年（2023年）" names the year, no figure
    if re.search(r"\d", compact):
        return None
    if (m := _PRIOR_LEVEL.match(compact)) is not None:
        if m.group("op") is None and m.group("tail") is None:
            return None  # "上年水平" alone names a level, not a comparison with it
        return PRIOR_OPS[m.group("op")] if m.group("op") else PRIOR_TAILS[m.group("tail")]
    if (m := _PRIOR_CHANGE.match(compact)) is not None:
        return PRIOR_CHANGES[m.group("change")]
    if (m := _PRIOR_PHRASE.match(compact)) is not None:
        return PRIOR_PHRASES[m.group("phrase")]
    return None


def against_prior(target: Reading, prior: Reading | None, actual: Reading | None = None) -> Reading:
    """A ``prior_level`` target ("不低于上年") with last year's actual as its figure: the comparison it names on the
    reading of the row's ``prior_actual`` (its unit and magnitude), kind ``quantity`` or ``rate``, noted
    ``prior_level``; unchanged but noted ``prior_level_unknown`` (not measurable) where there is no such figure, or
    ``prior_level_units`` where ``actual`` (the row's actual, read) is in another unit (人 against 家). Any other
    reading is returned as it is."""
    if target.kind != "prior_level":
        return target
    if prior is not None and actual is not None and prior.unit and actual.unit and prior.unit != actual.unit and \
            {prior.unit, actual.unit} != {"%", "‰"}:  # 1.3万人 against 120家: two different things
        return replace(target, notes=target.notes + (_note("prior_level_units"),))
    if prior is None or prior.value is None or prior.kind not in ("quantity", "rate") or prior.comparator not in (
            None, "=="):
        return replace(target, notes=target.notes + (_note("prior_level_unknown"),))
    v = prior.value
    return replace(target, kind=prior.kind, unit=prior.unit, scale=prior.scale, magnitude=prior.magnitude,
                   **_bounds(target.comparator, v), notes=target.notes + (_note("prior_level", v),))


def _is_base_year(toks: list[Token], i: int) -> bool:
    """A year written as the base of a change ("较2020年降低50%")."""
    return (re.fullmatch(r"(19|20)\d\d", toks[i].text) is not None and i + 1 < len(toks)
            and toks[i + 1].text.startswith("年"))


def _growth(text: str, toks: list[Token], change: int) -> Reading:
    sign = CHANGE_WORDS[toks[change].text]
    base = next((t.text for t in toks[:change] if t.kind == "BASE"), None)
    if base is None and any(_is_base_year(toks, i) for i in range(change)):
        base = "".join(t.text for t in toks[:change] if t.kind != "OP")
    ops = [_op(t) for t in toks if t.kind in ("OP", "SUFFIX") and _op(t) != "~"]
    j = next(i for i in range(change + 1, len(toks)) if toks[i].kind == "NUM")
    v = _number(toks[j])
    unit, k = _unit_of(toks, j + 1)
    op = ops[0] if ops else ">="
    # a range of changes ("较上年增长5%-10%", "下降3-5个百分点"): inside it, signed
    if k < len(toks) and toks[k].kind == "SEP" and k + 1 < len(toks) and toks[k + 1].kind == "NUM":
        v2 = _number(toks[k + 1])
        if v2 is not None and v is not None and v2 >= v:
            unit = unit or _unit_of(toks, k + 2)[0]
            lo, hi = sorted((sign * v, sign * v2))
            op, b = "range", {"lo": lo, "hi": hi}
    notes = []
    if base is None:
        notes.append(_note("change_without_base", None))
    if unit == "%" and base is None:
        notes.append(_note("rate_change_unstated", None))
    if op == "range":
        return Reading(text=text, kind="growth", comparator="range", unit=unit, base=base or "较上年",
                       notes=tuple(notes), **b)
    # "下降5%" is a change of −5% or less: the comparison on the decline flips on the signed change.
    flipped = {">=": "<=", ">": "<", "<=": ">=", "<": ">", "==": "=="}[op] if sign < 0 else op
    b = _bounds(flipped, sign * v) if flipped != "==" else {"lo": sign * v, "hi": sign * v}
    return Reading(text=text, kind="growth", comparator=flipped, unit=unit, base=base or "较上年",
                   notes=tuple(notes), **b)


def _amount(text: str, toks: list[Token], cost: bool, implied: str | None = None) -> Reading:
    """An amount, a range or a limit; ``implied``: the comparison a word before the tokens gave (a change to a
    level), used where the cell writes none of its own."""
    nums = [i for i, t in enumerate(toks) if t.kind == "NUM" and _number(t) is not None]
    # the year of a sentence is not its figure ("2024年培训480人次"), nor is a plan beside what was done
    # ("计划500人，实际完成480人": the figure after 实际)
    nums = [i for i in nums if not _is_base_year(toks, i)] or nums
    said = next((k for k, t in enumerate(toks) if t.kind == "TEXT" and "实际" in t.text), None)
    if said is not None and any(i > said for i in nums):
        nums = [i for i in nums if i > said]
    if not nums:  # a Chinese numeral counts only as a figure with its unit ("十名以内", "第八名", "三个"), a place,
        # or a count for a period or the year ("每季度不少于一次", "全年四次")
        def for_period(i: int) -> bool:
            return any(t.kind == "TEXT" and any(w in t.text for w in _PERIOD_WORDS) for t in toks[:i])

        nums = [i for i, t in enumerate(toks) if t.kind == "CNUM" and _number(t) is not None
                and (i == 0 or toks[i - 1].kind == "OP" or toks[i - 1].text.endswith(RANK_WORDS) or for_period(i))
                and (sum(len(t.text) for t in toks if t.kind == "TEXT") <= 3
                     or (i >= 1 and toks[i - 1].text.endswith(RANK_WORDS)) or for_period(i))]
    if not nums:
        return Reading(text=text, kind="words")
    i = nums[0]
    if i + 2 < len(toks) and toks[i + 1].kind == "TEXT" and toks[i + 1].text in (":", "∶") and \
            toks[i + 2].kind == "NUM":
        return Reading(text=text, kind="words")  # a ratio or a time of day (10:1, 1∶3, 12:30): no single figure
    negative = i >= 1 and toks[i - 1].kind == "SEP" and toks[i - 1].text == "-" and i == 1
    prefix = [_op(t) for t in toks[:i] if t.kind == "OP"]
    lead_text = "".join(t.text for t in toks[:i] if t.kind in ("TEXT", "CNUM"))
    v1 = _number(toks[i]) * (-1 if negative else 1)
    unit1, k = _unit_of(toks, i + 1)
    notes = []
    comparator, b = None, {}
    # range := amount SEP amount
    if k < len(toks) and toks[k].kind == "SEP" and k + 1 < len(toks) and toks[k + 1].kind in ("NUM", "CNUM"):
        v2 = _number(toks[k + 1])
        unit2, k = _unit_of(toks, k + 2)
        if v2 is not None and v2 >= v1:
            unit1 = unit1 or unit2
            comparator, b = "range", {"lo": v1, "hi": v2}
    # a comparison word right after the figure and its unit ("名以内", "%及以上", "个工作日内")
    suffix = [_op(toks[k])] if k < len(toks) and toks[k].kind == "SUFFIX" else []
    if comparator is None:
        op = prefix[-1] if prefix else (suffix[0] if suffix else implied)
        if op == "~":
            notes.append(_note("about_figure", None))
            op = None
        comparator = op
        b = _bounds(op, v1)
        if op is None and v1 == 0:
            # A bare zero ("0次", "零事故", "0%"): nothing counted can fall below it, so a target of zero can only
            # mean none allowed; read as higher-is-better it would be met by any count at all.
            comparator, b = "<=", {"hi": 0.0}
            notes.append(_note("zero_as_limit"))
    # a ranking: a place (第8名) or the top places (前三名) is lower-is-better, whatever comparison word a form
    # puts before it ("达到前三名"); "十名以内", "前10名以内" already say so
    rank = i >= 1 and toks[i - 1].text.endswith(RANK_WORDS) and (unit1 is None or unit1 in RANK_UNITS)
    if rank:
        unit1 = unit1 or "名"
        if comparator in (None, ">=", "=="):
            if toks[i - 1].text.endswith("第") or comparator is not None:
                notes.append(_note("place_as_limit"))
            comparator, b = "<=", {"hi": v1}
    # an approximate figure: 约/近/逾 before it, 余/多 between it and its unit ("2760余人", "1000多万元")
    if unit1 and (m := re.match(r"([万亿千百]*)[余多](.*)$", unit1)):  # "2760余人", "1.2万余人", "1000多万元"
        unit1 = (m.group(1) + m.group(2)) or None
        notes.append(_note("approximate_figure", None))
    elif lead_text.endswith(APPROX_BEFORE):
        notes.append(_note("approximate_figure", None))
    magnitude, unit, scale = _scale_of(unit1)
    if lead_text and len(lead_text) > 4:
        notes.append(_note("figure_in_sentence", v1))
    if unit == "%" or unit == "‰":
        kind = "rate"
    elif unit is not None and any(unit.endswith(w) or unit.startswith(w) for w in DURATION_UNITS) and \
            comparator in ("<=", "<"):
        kind = "duration"
    elif unit is not None and (unit in MONEY or unit.startswith("元/")) and (
            (cost and comparator not in (">=", ">")) or comparator in ("<=", "<") or (
            comparator is None and re.search(r"控制|不超|以内|上限", lead_text))):
        kind = "ceiling"
        if comparator is None:
            comparator, b = "<=", {"hi": v1}
            notes.append(_note("cost_amount_ceiling", None))
    elif cost and unit is None and comparator is None:  # "153万" on a cost row: money written without 元
        kind, comparator, b = "ceiling", "<=", {"hi": v1}
        notes.append(_note("cost_figure_ceiling", None))
    else:
        kind = "quantity"
    return Reading(text=text, kind=kind, comparator=comparator, unit=unit, scale=scale, magnitude=magnitude,
                   notes=tuple(notes), **b)


# ---- met ---------------------------------------------------------------------------------------


def rescale_between(value: float | None, unit: str | None, other: str | None) -> float | None:
    """``value``, written in ``unit`` (as written, magnitude word included), on the magnitude of ``other``: 654 in
    亿 against 万亿 → 0.0654; 420000 in 元 against 万元 → 42. Rescaled only when the magnitudes differ and both write
    the same unit apart from the magnitude word, or one writes the magnitude alone (8000万 against 亿元: 0.8), and ‰
    against % is converted (0.6% against ‰: 6); a bare number (no unit written) is taken as written, as forms
    write the unit once, and so are different units (户 against 人). The one rule of
    :func:`rescaled` and :meth:`perfkit.core.quantity.Quantity.comparable`."""
    if value is None:
        return None
    _, base, a = _scale_of(unit)
    _, other_base, b = _scale_of(other)
    if {base, other_base} == {"%", "‰"} and a == b == 1:  # 0.6% against ‰ is 6‰
        return value * 10 if base == "%" else value / 10
    # a magnitude written alone ("8000万" against "≥1亿元") is the other's unit at that magnitude
    if a == b or not unit or not other or (base != other_base and base is not None and other_base is not None):
        return value
    return value * a / b


def rescaled(actual: Reading, target: Reading) -> float | None:
    """The actual's figure on the target's magnitude (654亿 against 0.5万亿 → 65400 … in 亿; 420000元 against
    50万元 → 42), by :func:`rescale_between`."""
    return rescale_between(actual.value if actual.kind != "ceiling" else actual.hi, actual.unit_text,
                           target.unit_text)


def met(target: Reading, actual: float) -> bool | None:
    """Whether ``actual`` (a number on the target's scale: a month index for dates, a signed change in
    percent for growth) meets ``target``; None when the target holds no measurable value.

    A ≥ target is met at or above its bound, a ≤ target (a ceiling, a deadline, a time limit) at or
    below it, a range inside it; a bare figure is met at or above it (a quantity promised), except a
    ceiling; "=" is met at or above its figure (the reports count an overshot "=42家" as 已完成).
    """
    if not target.measurable or actual is None or not math.isfinite(actual):
        return None
    c = target.comparator
    if c in (None, "==") and target.kind != "ceiling":
        return actual >= target.value
    lo_ok = target.lo is None or (actual >= target.lo if target.lo_inclusive else actual > target.lo)
    hi_ok = target.hi is None or (actual <= target.hi if target.hi_inclusive else actual < target.hi)
    return lo_ok and hi_ok


def completion(target: Reading, actual: float) -> float | None:
    """The completion ratio of one row, capped at 1 (财预〔2020〕10号 self-evaluation: 实际完成值 /
    年度指标值; for an upper limit 年度指标值 / 实际完成值): 1 when met; None when not measurable.

    Dates and growth have no ratio: met is 1, missed 0."""
    ok = met(target, actual)
    if ok is None:
        return None
    if ok:
        return 1.0
    if target.kind in ("date", "growth"):
        return 0.0
    if target.comparator == "range" and target.hi is not None and actual > target.hi:  # above the range: as a ceiling
        return max(0.0, min(1.0, target.hi / actual)) if actual > 0 else 0.0
    if target.direction == "negative" or target.kind == "ceiling":
        bound = target.hi
        return max(0.0, min(1.0, bound / actual)) if actual > 0 and bound is not None and bound >= 0 else 0.0
    bound = target.lo if target.lo is not None else target.value
    return max(0.0, min(1.0, actual / bound)) if bound and bound > 0 else 0.0


def shortfall(target: Reading, actual: float) -> float | None:
    """How far a missed target was missed, in the target's unit (months late for a date); 0 when met."""
    ok = met(target, actual)
    if ok is None:
        return None
    if ok:
        return 0.0
    if target.hi is not None and actual > target.hi:
        return actual - target.hi
    if target.lo is not None:
        return target.lo - actual
    return abs(actual - (target.value or 0.0))


def describe(r: Reading) -> str:
    """What was understood, in a short language-neutral form (for tables and test messages)."""
    if not r.measurable:
        return r.kind

    def b(x):
        if r.kind == "date":
            y, m = divmod(int(x), 12)
            return f"{y}-{m + 1:02d}" if r.year_given else f"{m + 1}月"
        return f"{x:g}{r.unit_text or ''}"

    if r.comparator == "range":
        return f"{r.kind} [{b(r.lo)}, {b(r.hi)}]"
    if r.lo is not None and r.hi is not None:
        return f"{r.kind} = {b(r.lo)}"
    if r.lo is not None:
        return f"{r.kind} {'≥' if r.lo_inclusive else '>'} {b(r.lo)}"
    return f"{r.kind} {'≤' if r.hi_inclusive else '<'} {b(r.hi)}"
