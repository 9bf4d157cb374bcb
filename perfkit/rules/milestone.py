"""milestone (按期完成): full points when the actual date is on or before the planned one, minus
``per_month`` points for each month late, floor 0.

Source: Beijing 2021 project forms (seed 004), 时效指标 rows with dates: S33 局机关基础网络安全防护项目
(采购 2月 → 4月, 中期 8月 → 9月, 验收 2022年2月 → 5月) and S34 (招标 6月 → 7月, 测评 2021年12月 → 2022年8月)
received full marks although late, while D0 deducts 产出进度 for the same kind of delay. Dates are read
as forms write them — "2022年2月", "2021年12月底", "2022-05", "2月" (a month without a year takes the
rule's ``year``) — at the resolution of a month: a milestone due in February and done in April is two
months late, whatever the day. The deduction is in points, as the criteria texts state theirs
("每延期1个月扣1分"); a share of W is ``per_month = share × W``.
"""

from __future__ import annotations

import re
from typing import Literal

import numpy as np
from pydantic import Field

from .base import ArrayLike, Family, Phrase, RuleBase, arr, clip_to_points

_FULL_WIDTH = str.maketrans("０１２３４５６７８９－／．", "0123456789-/.")
_ISO = re.compile(r"^\s*(\d{4})\s*[-./]\s*(\d{1,2})(?:\s*[-./]\s*\d{1,2})?")
_ZH = re.compile(r"^\s*(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月")


class MilestoneRule(RuleBase):
    """按期完成: ``max(W − k·m, 0)``, m the whole months by which the input ``actual`` date is later than
    the ``target`` date (0 when on time or early), k ``per_month`` points."""

    family: Literal["milestone"] = Field(description="`milestone`: 按期完成, a deduction per month late.")
    per_month: float = Field(
        gt=0,
        description="k: points deducted for each month the milestone is late (e.g. 1 for 每延期1个月扣1分); "
        "a share of W is written as that share times W.",
    )
    year: int | None = Field(
        None,
        ge=1990,
        le=2100,
        description="The year of dates written without one (\"2月\"), normally the budget year. Null (default): "
        "every date must give its year.",
    )


def month_index(text, year: int | None = None) -> int | None:
    """A date as forms write it, as a count of months (year × 12 + month − 1); None if it is not one.

    "2022年2月", "2021年12月底", "2022-05", "2022.5", "２月" (full-width) and "2月" with ``year`` given.
    """
    if text is None or isinstance(text, (int, float)):
        return None
    s = str(text).translate(_FULL_WIDTH)
    m = _ISO.match(s) or _ZH.match(s)
    if m is None:
        return None
    y = int(m.group(1)) if m.group(1) else year
    month = int(m.group(2))
    if y is None or not 1 <= month <= 12:
        return None
    return y * 12 + month - 1


def months_text(index: float) -> str:
    y, m = divmod(int(index), 12)
    return f"{y}-{m + 1:02d}"


def milestone(points: ArrayLike, months_late: ArrayLike, per_month: ArrayLike) -> np.ndarray:
    """按期完成: ``max(W − k·max(m, 0), 0)``, m the months late (negative or 0: on time or early).

    Source: Beijing 2021 forms S33 (采购 2月→4月, 中期 8月→9月, 验收 2022年2月→5月: 2, 1 and 3 months late).
    """
    W = arr(points)
    return clip_to_points(W - arr(per_month) * np.maximum(arr(months_late), 0.0), W)


def evaluate(W, a: dict) -> np.ndarray:
    return milestone(W, a["done"] - a["planned"], a["per_month"])


def compile_rule(ctx, rule: MilestoneRule, points: float, inputs, loc: tuple) -> dict | None:
    out = {}
    for key, name in (("planned", "target"), ("done", "actual")):
        raw = getattr(inputs, name, None) if inputs is not None else None
        index = month_index(raw, rule.year)
        if index is None:
            hint = "" if rule.year else ', or "2月" once the rule gives a `year`'
            ctx.problem(loc + (name,), f'required by the milestone rule: a date with its month ("2022年2月", '
                        f'"2022-05"{hint})' + (", and it is missing" if raw is None else f", got {raw!r}"))
        out[key] = index
    if None in out.values():
        return None
    return {**out, "per_month": rule.per_month}


def explain(a: dict, W: float, score: float) -> str:
    late = max(a["done"] - a["planned"], 0)
    return f"{W:g} − {a['per_month']:g} × {late:g} ({months_text(a['planned'])} → {months_text(a['done'])})"


FAMILY = Family(
    name="milestone", term="按期完成", formula="max(W − k·months late, 0)", source="Beijing forms S33, S34",
    settings=MilestoneRule, score=milestone, evaluate=evaluate, compile=compile_rule, explain=explain,
    describe=lambda rule, points, unit: Phrase("milestone", {"per_month": rule.per_month}), order=130,
    target_based=True, lower_is_better=lambda args: True, ceiling=True,
)
