"""The indicator tree: walking it, resolving rule templates, and checking its arithmetic.

A framework's tree states points at every level; only leaves are scored. This module turns the tree
into flat tables (nodes and leaves with their paths) and reports, as findings rather than errors,
where stated points disagree with the children beneath them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import Problem, format_loc
from .findings import Finding
from ..params import Framework, Indicator, SumRule

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
        return [self] if self.is_leaf else [x for c in self.children for x in c.leaves()]

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


def structure_problems(nodes: list[Node], fw: Framework, file: str, lines) -> list[Problem]:
    """Errors that make a tree unusable: duplicate ids and unknown rule templates."""
    problems = []
    seen: dict[str, Node] = {}
    for n in nodes:
        if n.id in seen:
            problems.append(Problem(file, format_loc(n.loc + ("id",)), f"indicator id {n.id!r} is used twice "
                                    f"(also at {'/'.join(seen[n.id].path)}); ids must be unique in a tree",
                                    lines(n.loc + ("id",))))
        seen[n.id] = n
        rule = n.indicator.rule
        if isinstance(rule, str) and rule not in fw.rule_templates:
            known = ", ".join(fw.rule_templates) or "none"
            problems.append(Problem(file, format_loc(n.loc + ("rule",)),
                                    f"unknown rule template {rule!r}; framework {fw.id!r} defines: {known}",
                                    lines(n.loc + ("rule",))))
    return problems



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
    leaf_sum = sum(n.indicator.points for n in leaves)
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
