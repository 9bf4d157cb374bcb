"""The indicator tree: walking it, resolving rule templates, and checking its arithmetic.

A framework's tree states points at every level; only leaves are scored. This module turns the tree
into flat tables (nodes and leaves with their paths) and reports, as findings rather than errors,
where stated points disagree with the children beneath them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from pydantic import BaseModel, ValidationError

from ..errors import Problem
from ..load import validation_problems
from .budget import unknown_measure
from .findings import Finding
from ..params import Framework, Indicator, SumRule
from ..rules.base import RuleBase
from ..rules.zero_if import Condition

# Where a field path stands: loc → (file, field path as written, line); e.g. ``YamlDoc.where``.
Where = Callable[[tuple], tuple[str, str, "int | None"]]

TOLERANCE = 0.005  # half a cent of a point: reports print two decimals


@dataclass
class Node:
    """A node of the tree with its position: ``path`` holds the ids from the root to it."""

    indicator: Indicator
    path: tuple[str, ...]
    names: tuple[str, ...]
    loc: tuple  # where it stands in its YAML file
    parent: "Node | None" = None
    children: list["Node"] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.indicator.id

    @property
    def level(self) -> int:
        return len(self.path)

    @property
    def is_leaf(self) -> bool:
        return not self.indicator.children

    def leaves(self) -> list["Node"]:
        """The leaves under this node (itself if it is one), depth first."""
        out, stack = [], [self]
        while stack:  # one list for the whole subtree, not one per level
            n = stack.pop()
            if n.indicator.children:
                stack.extend(reversed(n.children))
            else:
                out.append(n)
        return out

    @property
    def leaf_points(self) -> float:
        return sum(x.indicator.points for x in self.leaves())


def walk(tree: list[Indicator], base_loc: tuple = ("tree",)) -> list[Node]:
    """All nodes of a tree, depth first, parents before children."""
    out: list[Node] = []

    def visit(ind: Indicator, parent: Node | None, loc: tuple) -> None:
        node = Node(
            ind,
            (parent.path if parent else ()) + (ind.id,),
            (parent.names if parent else ()) + (ind.name,),
            loc,
            parent,
        )
        if parent:
            parent.children.append(node)
        out.append(node)
        for i, child in enumerate(ind.children):
            visit(child, node, loc + ("children", i))

    for i, ind in enumerate(tree):
        visit(ind, None, base_loc + (i,))
    return out


def framework_problems(fw: Framework, where: Where) -> list[Problem]:
    """Errors that make a framework unusable, located in its own file by ``where``: those of its rule
    templates (:func:`rule_problems`) and of its tree (:func:`tree_problems`), if it has one."""
    problems = [p for name, rule in fw.rule_templates.items() for p in rule_problems(rule, ("rule_templates", name),
                                                                                      where)]
    if fw.tree is not None:
        problems += tree_problems(fw.tree, fw, where)
    return problems


def tree_problems(tree: list[Indicator], fw: Framework, where: Where, base_loc: tuple = ("tree",)) -> list[Problem]:
    """Errors that make a tree unusable: no indicator at all, duplicate ids, unknown rule templates, and the
    problems of the rules and zero-if conditions written in it (:func:`rule_problems`)."""
    def problem(loc: tuple, message: str) -> Problem:
        f, fld, line = where(loc)
        return Problem(f, fld, message, line)

    if not tree:
        return [problem(base_loc, "expected at least one indicator (a template framework, whose evaluations bring "
                                  "their own tree, leaves `tree` out)")]
    problems = []
    seen: dict[str, Node] = {}
    for n in walk(tree, base_loc):
        if n.id in seen:
            problems.append(problem(n.loc + ("id",), f"indicator id {n.id!r} is used twice (also at "
                                    f"{'/'.join(seen[n.id].path)}); ids must be unique in a tree"))
        seen[n.id] = n
        rule = n.indicator.rule
        if isinstance(rule, str) and rule not in fw.rule_templates:
            known = ", ".join(fw.rule_templates) or "none"
            problems.append(problem(n.loc + ("rule",), f"unknown rule template {rule!r}; framework {fw.id!r} "
                                    f"defines: {known}"))
        elif not isinstance(rule, str):
            problems += rule_problems(rule, n.loc + ("rule",), where)
        problems += rule_problems(n.indicator.zero_if, n.loc + ("zero_if",), where)
    nodes = list(seen.values())
    for siblings in [[n for n in nodes if n.parent is None]] + [n.children for n in nodes if n.children]:
        weights = [c.indicator.weight for c in siblings]
        if all(w is None for w in weights):
            continue
        if any(w is None for w in weights):
            first = next(c for c in siblings if c.indicator.weight is None)
            problems.append(problem(first.loc + ("weight",), "expected a weight: its siblings are weighted "
                                    f"({', '.join(c.id for c in siblings if c.indicator.weight is not None)}), "
                                    "and siblings are all weighted or none is"))
        elif abs(sum(weights) - 100) > 1e-6:
            problems.append(problem(siblings[0].loc + ("weight",), f"expected the weights of "
                                    f"{', '.join(c.id for c in siblings)} to add up to 100, got {sum(weights):g}"))
    return problems


def leaf_factors(nodes: list[Node], fw: Framework) -> dict[str, float]:
    """Each leaf's multiplier into the total (1 unless block weights are declared), by leaf id.

    A node's *scale* is what its score is worth in the total: a weighted node's is ``weight/100`` of its
    parent's scale (the framework's ``total`` for a level-1 node); an unweighted node's is its leaves' points
    times its parent's scale over the parent's leaves' points (its own leaves' points at level 1). A leaf's
    factor is its scale over its points, so without weights every factor is exactly 1. Shape: {leaf id: factor}.
    """
    scale: dict[tuple, float] = {}
    points: dict[tuple, float] = {}  # each node's leaf_points, summed once (a parent's is asked for each child)

    def leaf_points(n: Node) -> float:
        if n.path not in points:
            points[n.path] = n.leaf_points
        return points[n.path]

    for n in nodes:  # parents come before their children
        w = n.indicator.weight
        if n.parent is None or n.parent.path not in scale:  # a level-1 node (or a subtree taken alone)
            scale[n.path] = fw.total * w / 100 if w is not None else leaf_points(n)
        elif w is not None:
            scale[n.path] = scale[n.parent.path] * w / 100
        elif leaf_points(n.parent) > 0:
            scale[n.path] = leaf_points(n) * (scale[n.parent.path] / leaf_points(n.parent))
        else:
            scale[n.path] = 0.0
    return {n.id: (scale[n.path] / n.indicator.points if n.indicator.points > 0 else 0.0)
            for n in nodes if n.is_leaf}


def sibling_shares(nodes: list[Node], factors: dict[str, float], applicable: dict[str, bool]) -> dict[str, float]:
    """Each leaf's multiplier when the points of what does not apply go to its siblings (``not_applicable:
    siblings``, 不适用指标的分值按比例分配给同级其他指标): a node keeps its (weighted) points, shared among those of its
    children that have an applicable leaf in proportion to their points; a node with none is left out one level up,
    and the level-1 nodes share the whole. ``factors``: :func:`leaf_factors`; ``applicable``: leaf id → applies.
    Every multiplier is 1 where everything applies; a leaf that does not apply gets 0. Shape: {leaf id: multiplier}.
    """
    weight: dict[tuple, float] = {}  # a node's leaves' weighted points
    live: dict[tuple, bool] = {}     # whether any of its leaves applies
    for n in reversed(nodes):  # children before parents
        if n.is_leaf:
            weight[n.path] = n.indicator.points * factors[n.id]
            live[n.path] = applicable[n.id]
        else:
            weight[n.path] = sum(weight[c.path] for c in n.children)
            live[n.path] = any(live[c.path] for c in n.children)

    shares: dict[tuple | None, float] = {}  # by the parent's path (None: level 1): its points over the kept ones'

    def share(parent: Node | None) -> float:
        key = None if parent is None else parent.path
        if key not in shares:
            siblings = [n for n in nodes if n.parent is None] if parent is None else parent.children
            kept = sum(weight[c.path] for c in siblings if live[c.path])
            shares[key] = sum(weight[c.path] for c in siblings) / kept if kept > 0 else 0.0
        return shares[key]

    scale: dict[tuple, float] = {}
    for n in nodes:  # parents before children
        above = 1.0 if n.parent is None else scale[n.parent.path]
        scale[n.path] = above * share(n.parent) if live[n.path] else 0.0
    return {n.id: scale[n.path] for n in nodes if n.is_leaf}


def rule_problems(value: Any, loc: tuple, where: Where) -> list[Problem]:
    """What no evaluation can score, in a rule (or zero-if conditions) at ``loc``, at any depth (parts of a
    ``sum``): a rule's or condition's ``measure`` that names no budget measure, an id used twice in a list (checklist items, parts, …),
    and an alternative reading whose ``set`` does not give a valid rule of the same family."""
    problems = []

    def problem(at: tuple, message: str) -> None:
        f, fld, line = where(at)
        problems.append(Problem(f, fld, message, line))

    for model, at in _models(value, loc):
        name = getattr(model, "measure", None)  # a budget measure's name in a rule or a zero-if condition
        if isinstance(model, (RuleBase, Condition)) and isinstance(name, str) and (why := unknown_measure(name)):
            problem(at + ("measure",), why)
        for field_name in type(model).model_fields:
            items = getattr(model, field_name)
            ids = [getattr(x, "id", None) for x in items] if isinstance(items, list) else []
            for j, item_id in enumerate(ids):
                if item_id is not None and item_id in ids[:j]:
                    problem(at + (field_name, j, "id"), f"id {item_id!r} is used twice in {field_name} (also "
                            f"{field_name}[{ids.index(item_id)}]); ids must be unique in the list")
        if isinstance(model, RuleBase):
            for j, alt in enumerate(model.alternatives):
                if alt.rule is not None:  # a whole rule: its own problems (checked as part of this model)
                    continue
                set_loc = at + ("alternatives", j, "set")
                try:
                    merged = type(model).model_validate({**model.model_dump(), **alt.set})
                except ValidationError as exc:
                    problems += validation_problems(exc, lambda e, s=alt.set, sl=set_loc: where(
                        sl + (e if e and e[0] in s else ())))
                    continue
                name = getattr(merged, "measure", None)  # a measure the reading names must exist too
                if "measure" in alt.set and isinstance(name, str) and (why := unknown_measure(name)):
                    problem(set_loc + ("measure",), why)
    return problems


def _models(value: Any, loc: tuple) -> Iterator[tuple[BaseModel, tuple]]:
    """Every pydantic model in ``value`` (itself, its fields, lists and mappings), with its location."""
    if isinstance(value, BaseModel):
        yield value, loc
        for name in type(value).model_fields:
            yield from _models(getattr(value, name), loc + (name,))
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _models(v, loc + (i,))
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _models(v, loc + (k,))


def resolve_rule(indicator: Indicator, fw: Framework):
    """The leaf's rule with a template name replaced by the framework's template."""
    rule = indicator.rule
    return fw.rule_templates[rule] if isinstance(rule, str) else rule


def points_findings(nodes: list[Node], fw: Framework) -> list[Finding]:
    """Stated node points against their children; leaves against the framework total; criteria text."""
    findings = []
    for n in nodes:
        ind = n.indicator
        if n.children:
            child_sum = sum(c.indicator.points for c in n.children)
            if abs(child_sum - ind.points) > TOLERANCE:
                findings.append(Finding(
                    "NODE_POINTS_MISMATCH", "warning", n.id,
                    f"{ind.name} is stated as {ind.points:g} points but its children sum to {child_sum:g}",
                    {"stated": ind.points, "children": child_sum},
                ))
        if ind.criteria_points is not None and abs(ind.criteria_points - ind.points) > TOLERANCE:
            findings.append(Finding(
                "CRITERIA_POINTS_CONFLICT", "warning", n.id,
                f"{ind.name} weighs {ind.points:g} points but its criteria text speaks of {ind.criteria_points:g}",
                {"points": ind.points, "criteria_points": ind.criteria_points},
            ))
        rule = ind.rule
        if isinstance(rule, SumRule):
            parts = sum(p.points for p in rule.parts)
            if abs(parts - ind.points) > TOLERANCE:
                findings.append(Finding(
                    "PARTS_POINTS_MISMATCH", "warning", n.id,
                    f"{ind.name} weighs {ind.points:g} points but its parts sum to {parts:g}",
                    {"points": ind.points, "parts": parts},
                ))
    leaves = [n for n in nodes if n.is_leaf]
    factors = leaf_factors(nodes, fw)
    leaf_sum = sum(n.indicator.points * factors[n.id] for n in leaves)
    if abs(leaf_sum - fw.total) > TOLERANCE:
        findings.append(Finding(
            "TOTAL_POINTS_MISMATCH", "warning", None,
            f"the leaves' points sum to {leaf_sum:g}, not the framework total {fw.total:g}",
            {"leaves": leaf_sum, "total": fw.total},
        ))
    if fw.levels is not None:
        depths = {n.level for n in leaves}
        if depths - {fw.levels}:
            findings.append(Finding(
                "LEVELS_MISMATCH", "info", None,
                f"the framework says {fw.levels} levels; leaves stand at levels {sorted(depths)}",
                {"levels": fw.levels, "found": sorted(depths)},
            ))
    return findings


def grade_of(total: float, fw: Framework) -> str:
    """The grade band holding a total (rounded to two decimals, as reports print totals)."""
    t = round(float(total), 2)
    for band in fw.grades:
        if t >= band.min:
            return band.grade
    return fw.grades[-1].grade
