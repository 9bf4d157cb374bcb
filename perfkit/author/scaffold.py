"""``perfkit new``: a department-year (or a framework) written for a user to fill in.

:func:`department_year_text` lists every leaf of a framework's tree with the inputs its rule needs, each
as ``null`` with a comment in Chinese and English; :func:`new_department_year` writes it to
``<params>/<department>/<year>.yaml``. What a rule needs is not listed per family here: the leaf's rule is
compiled with no inputs (:func:`perfkit.core.compile.compile_rule`) and every input the family's compile
step asks for becomes a placeholder, so a new family is scaffolded as soon as it exists. The budget fields
the rules' measures need come from :data:`perfkit.core.budget.MEASURES`.

The file written fails ``perfkit validate`` exactly where a value is missing: once for the department's
name, the budget figures and the checklist answers (the schema needs them), then, once those are given, for
the indicators' inputs (the rules need them). Every placeholder is returned as a
:class:`~perfkit.author.yamltext.Missing` so ``perfkit new`` can list them all at once.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..core.budget import MEASURES
from ..core.compile import CompileContext, compile_rule
from ..core.framework import resolve_rule, walk
from ..errors import ParameterError, Problem
from ..load import load_framework, unit_name_problem
from ..params import DEPARTMENT_ID, Budget, Framework, IndicatorInput
from ..rules import REGISTRY
from .yamltext import Missing, YamlText, scalar

# The inputs of an indicator in Chinese (comments of the files written); the English is the field's description.
INPUT_TERMS = {
    "target": "年度指标值", "actual": "实际完成值", "prior_actual": "上年实际值", "value": "实测值（百分比填数字，如 95.5）",
    "values": "各季度末累计执行率（%）", "count": "发现的问题数（没有填 0）", "answers": "各要点是否达到（true / false，或 0–1 的达到程度）",
    "tier": "档次", "score": "评价得分", "reason": "评分理由（酌情扣分须说明理由）",
}
BUDGET_TERMS = {
    "initial": "年初预算（万元）", "adjusted": "调整后预算（万元）", "spent": "实际支出（万元）", "carry_over": "结转结余（万元）",
    "quarterly_spent": "各季度末累计支出（万元，四个数）", "procurement": "政府采购（万元）", "assets": "固定资产（万元）",
    "staff": "人员编制（人）", "three_public": "“三公”经费（万元）", "public_expense": "日常公用经费（万元）",
}
KINDS = ("department", "project", "special_fund")
EVALUATORS = ("self", "third_party")
_ROOT = "\x00leaf"  # the location the compile step reports a leaf's problems under


@dataclass
class Needs:
    """What one leaf needs: input fields (a path below the leaf's entry → what is expected) and budget measures."""

    inputs: dict[tuple, str] = field(default_factory=dict)
    measures: set[str] = field(default_factory=set)


def _rule_needs(rule, points: float, path: tuple, needs: Needs) -> None:
    fam = REGISTRY[rule.family]
    if fam.composite:
        for p in rule.parts:
            _rule_needs(p.rule, p.points, path + ("parts", p.id), needs)
            needs.measures |= {z.when.measure for z in p.zero_if if z.when is not None}
        return
    if getattr(rule, "measure", None):
        needs.measures.add(rule.measure)
    ctx = CompileContext(None, None)
    compile_rule(ctx, rule, points, IndicatorInput(), (_ROOT,) + path)
    for prob in ctx.problems:
        rel = prob.field.split(".")[1:]  # format_loc((_ROOT, *path, field)) → "\x00leaf.parts.x.target"
        if len(rel) > len(path):
            needs.inputs[tuple(rel)] = prob.message


def leaf_needs(indicator, framework: Framework) -> Needs:
    """The inputs and budget measures a leaf's rule (and its zero-if conditions) need."""
    needs = Needs()
    _rule_needs(resolve_rule(indicator, framework), indicator.points, (), needs)
    needs.measures |= {z.when.measure for z in indicator.zero_if if z.when is not None}
    return needs


def budget_fields(measures: set[str]) -> list[str]:
    """The budget block's fields the measures need (``adjusted`` and ``spent`` always), in the block's order."""
    wanted = {"adjusted", "spent"}
    for name in measures:
        m = MEASURES.get(name.removeprefix("budget."))
        if m is not None:
            wanted |= {n.strip() for n in m.needs.split(",")}
    return [f for f in Budget.model_fields if f in wanted]


def _en(description: str | None) -> str:
    """The first clause of a field's description, without its leading Chinese term (``年初预算: the …``)."""
    first = re.split(r"\.\s+(?=[A-Z])", (description or "").split(";")[0])[0].rstrip(".")
    head, sep, tail = first.partition(": ")
    return tail if sep and not head.isascii() else first


def _write_budget(w: YamlText, indent: int, path: tuple, names: list[str]) -> None:
    w.key(indent, path, "budget", note="预算（万元）/ budget, 万元")
    for name in names:
        info = Budget.model_fields[name]
        sub = getattr(info.annotation, "__args__", (info.annotation,))[0]
        if isinstance(sub, type) and hasattr(sub, "model_fields"):  # a block: procurement, assets, staff, …
            w.key(indent + 2, path + ("budget",), name, note=f"{BUDGET_TERMS.get(name, name)} / {_en(info.description)}")
            for f, finfo in sub.model_fields.items():
                if finfo.is_required():
                    w.missing_value(indent + 4, path + ("budget", name), f, _en(finfo.description))
        else:
            w.missing_value(indent + 2, path + ("budget",), name, _en(info.description),
                            note=f"{BUDGET_TERMS.get(name, name)} / {_en(info.description)}")


def _write_inputs(w: YamlText, indent: int, path: tuple, needed: dict[tuple, str], checklist_text: dict) -> None:
    """Nested placeholders: {("target",): msg, ("parts", "p", "count"): msg, ("answers", "item"): msg}."""
    groups: dict[str, dict[tuple, str]] = {}
    for rel, msg in needed.items():
        groups.setdefault(rel[0], {})[rel[1:]] = msg
    for key, rest in groups.items():
        if () in rest:
            term = INPUT_TERMS.get(key, key)
            info = IndicatorInput.model_fields.get(key)
            w.missing_value(indent, path, key, rest[()], note=f"{term} / {_en(info.description) if info else key}")
            continue
        if key == "answers":
            w.key(indent, path, key, note=INPUT_TERMS["answers"] + " / each item: true, false or a share 0–1")
            for item, msg in rest.items():
                w.missing_value(indent + 2, path + (key,), item[0], msg, note=checklist_text.get(item[0], msg))
        else:
            w.key(indent, path, key)
            _write_inputs(w, indent + 2, path + (key,), rest, checklist_text)


def _checklist_text(rule) -> dict[str, str]:
    """Item id → its text and points, for the comment beside each answer (any rule with ``items``)."""
    out = {}
    for r in [rule, *[p.rule for p in getattr(rule, "parts", []) or []]]:
        for item in getattr(r, "items", []) or []:
            out[item.id] = f"{item.text}（{item.points:g}分）"
    return out


def _rule_line(rule) -> str:
    fam = REGISTRY[rule.family]
    return f"规则 / rule: {fam.term} ({rule.family}): {fam.formula}"


@dataclass
class EvaluationSpec:
    """One evaluation of a department-year to write: its framework and what is already known of it.

    ``known`` gives values per leaf id and input field (``{"o1": {"target": "≥20家", "reported_score": 4}}``),
    written instead of a placeholder; leaves in ``unruled`` have no rule yet (their framework row says so) and
    get only what is known of them; ``targets`` are the rows of a 绩效目标表 (PerformanceTarget fields)."""

    framework: Framework
    id: str = "department"
    title: str | None = None
    kind: str | None = None
    evaluator: str | None = None
    known: dict[str, dict] = field(default_factory=dict)
    unruled: set[str] = field(default_factory=set)
    targets: list[dict] = field(default_factory=list)


def department_year_text(department: str, year: int, framework: Framework, *, kind: str | None = None,
                         evaluator: str | None = None) -> tuple[str, list[Missing]]:
    """The text of a department-year to fill in, and its placeholders. ``framework`` must have a tree."""
    return evaluations_text(department, year, [EvaluationSpec(framework, kind=kind, evaluator=evaluator,
                                                              id=_default_id(kind))])


def _default_id(kind: str | None) -> str:
    """The evaluation's id: its kind's (department, project, special-fund), or ``evaluation`` while the kind is
    left to fill in, so that a project's file does not name its evaluation ``department``."""
    return "evaluation" if kind is None else kind.replace("_", "-")


def evaluations_text(department: str, year: int, specs: list[EvaluationSpec], source: str | None = None,
                     how: str = "`perfkit new`") -> tuple[str, list[Missing]]:
    """A department-year with one evaluation per spec, every leaf listed with the inputs its rule needs."""
    for spec in specs:
        if spec.framework.tree is None:
            raise ParameterError([Problem(f"framework {spec.framework.id}", "tree", "is a template without a tree: "
                                          "`perfkit new` needs a framework that lists its indicators")])
    leaves = {spec.id: [n for n in walk(spec.framework.tree) if n.is_leaf] for spec in specs}
    needs = {spec.id: {n.id: (Needs() if n.id in spec.unruled else leaf_needs(n.indicator, spec.framework))
                       for n in leaves[spec.id]} for spec in specs}
    measures = set().union(set(), *(x.measures for per in needs.values() for x in per.values()))
    fids = ", ".join(dict.fromkeys(spec.framework.id for spec in specs))
    w = YamlText()
    w.comment(0, f"{department} {year}年度绩效评价参数，按指标体系 {fids} 生成。",
              "把每个 null 换成数值或文字；`perfkit validate` 列出仍缺的值（文件、行、字段）。",
              f"Parameters of {department} for {year}, written by {how} from framework {fids}.",
              "Replace every null; `perfkit validate FILE` lists the values still missing (file, line, field).",
              "Money in 万元, rates in percent as printed (98.62 means 98.62%).")
    w.key(0, (), "department")
    w.key(2, ("department",), "id", department)
    w.missing_value(2, ("department",), "name", "the department's full name", note="部门全称 / full name as printed")
    w.key(2, ("department",), "name_en", None,
          note="英文名称（可选，英文报告使用）/ English name, optional: English reports use it")
    w.key(0, (), "year", int(year))
    w.key(0, (), "source", source, note="资料来源（可选）/ where the figures come from, optional")
    _write_budget(w, 0, (), budget_fields(measures))
    w.key(0, (), "evaluations")
    for i, spec in enumerate(specs):
        _write_evaluation(w, ("evaluations", i), spec, leaves[spec.id], needs[spec.id])
    return w.text(), w.missing


def _write_evaluation(w: YamlText, ev: tuple, spec: EvaluationSpec, leaves: list, needs: dict[str, Needs]) -> None:
    framework = spec.framework
    w.key(2, ev, "id", spec.id, item=True)
    for key, value, choices, term in (("kind", spec.kind, KINDS, "评价类型：部门整体 / 项目 / 专项资金"),
                                      ("evaluator", spec.evaluator, EVALUATORS, "评价主体：自评 / 第三方")):
        if value is None:
            w.missing_value(4, ev, key, "one of " + " | ".join(choices), note=f"{term} / one of {' | '.join(choices)}")
        else:
            w.key(4, ev, key, value, note=term)
    if spec.title is None:
        w.missing_value(4, ev, "title", "the evaluation's title as printed", note="评价报告标题 / the title as printed")
    else:
        w.key(4, ev, "title", spec.title)
    w.key(4, ev, "framework", framework.id)
    w.key(4, ev, "indicators", note="每个末级指标的输入 / the inputs of every leaf indicator")
    loc = ev + ("indicators",)
    for n in leaves:
        ind, need, known = n.indicator, needs[n.id], spec.known.get(n.id, {})
        path_zh = " > ".join(n.names)
        path_en = " > ".join(filter(None, (x.indicator.name_en or x.indicator.name for x in _ancestry(n))))
        w.comment(6, f"{path_zh}（{ind.points:g}分）/ {path_en} ({ind.points:g} points)")
        if ind.criteria:
            w.comment(6, f"评分标准 / criteria: {ind.criteria}")
        if n.id in spec.unruled:
            w.comment(6, "评分规则尚未确定：先在指标体系中为本指标选定规则 / no rule yet: choose one in the framework first")
            rule = None
        else:
            rule = resolve_rule(ind, framework)
            w.comment(6, _rule_line(rule))
        for m in sorted(need.measures):
            term = MEASURES[m.removeprefix("budget.")].term if m.removeprefix("budget.") in MEASURES else m
            w.comment(6, f"由预算计算 / computed from the budget: {term} ({m})")
        for z in ind.zero_if:
            if z.when is None:
                w.comment(6, f"得0分条件 / zero if: {z.text} → conditions: {{{z.id}: true}}")
        inputs = {k: v for k, v in need.inputs.items() if k[0] not in known}
        given = {k: v for k, v in known.items() if v is not None}
        if not inputs and not given:
            w.raw(f"      {n.id}: {{}}  # 无需输入 / nothing to give" + ("，由预算计算 / computed from the budget"
                                                                        if need.measures else ""))
            continue
        w.key(6, loc, n.id)
        for k, v in given.items():
            w.key(8, loc + (n.id,), k, v, note=f"{INPUT_TERMS.get(k, '报告得分' if k == 'reported_score' else k)}")
        if inputs:
            _write_inputs(w, 8, loc + (n.id,), inputs, _checklist_text(rule) if rule is not None else {})
    # a leaf scored from the 绩效目标表 (a table_scored family) needs rows naming it: one placeholder row each
    table_scored = [n.id for n in leaves if n.id not in spec.unruled
                    and getattr(REGISTRY.get(resolve_rule(n.indicator, framework).family), "table_scored", False)]
    if not spec.targets and not table_scored:
        w.raw("    targets: []  # 绩效目标表（可选）/ the performance-target table, optional")
        return
    if not spec.targets:
        w.key(4, ev, "targets", note="绩效目标表：以下指标按目标完成情况计分，每项至少一行 / rows the table-scored "
              "leaves are scored from, at least one each")
        for j, leaf_id in enumerate(table_scored):
            loc = ev + ("targets", j)
            w.missing_value(6, loc, "name", "the target row's name as written", note="指标名称 / the row's name",
                            item=True)
            w.missing_value(8, loc, "target", "年度指标值 as written", note="年度指标值 / the target as written")
            w.missing_value(8, loc, "actual", "实际完成值 as written", note="实际完成值 / the actual as written")
            w.key(8, loc, "indicator", leaf_id, note="计分的末级指标 / the leaf it is scored for")
        return
    w.key(4, ev, "targets", note="绩效目标表 / the performance-target table")
    for j, t in enumerate(spec.targets):
        first = True
        for k, v in t.items():
            if v is None or v == []:
                continue
            if isinstance(v, list):
                w.raw(" " * 6 + ("- " if first else "  ") + f"{k}: [" + ", ".join(scalar(x) for x in v) + "]")
            else:
                w.key(8 if not first else 6, ev + ("targets", j), k, v, item=first)
            first = False


def _ancestry(node) -> list:
    out = []
    while node is not None:
        out.append(node)
        node = node.parent
    return out[::-1]


def new_department_year(params_dir: str | os.PathLike, department: str, year: int | str, framework_id: str, *,
                        kind: str | None = None, evaluator: str | None = None) -> tuple[Path, list[Missing]]:
    """Write ``<params>/<department>/<year>.yaml`` for ``framework_id``; never overwrites a file.

    Returns the path and the values still missing. Raises ParameterError if the names are not names, the
    framework cannot be loaded or has no tree, or the file exists."""
    if why := unit_name_problem(department, str(year)):
        raise ParameterError([Problem(str(params_dir), "", why)])
    path = Path(params_dir) / department / f"{int(year)}.yaml"
    if path.exists() or path.with_suffix(".yml").exists():
        raise ParameterError([Problem(str(path), "", "already exists; perfkit new never overwrites a file")])
    fw, _ = load_framework(framework_id, str(params_dir))
    text, missing = department_year_text(department, int(year), fw, kind=kind, evaluator=evaluator)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_new((path, text))
    return path, missing


def write_new(*files: tuple[Path, str]) -> None:
    """Write each (path, text) as a new UTF-8 file, never over one that exists (one that appeared meanwhile
    included). All or none: if one cannot be written (a full disk), those this call wrote are removed again and
    OSError names the file that failed, so that running the command again finds none of them in its way."""
    done: list[Path] = []
    try:
        for path, text in files:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            with open(path, "x", encoding="utf-8") as f:  # "x": created here, or FileExistsError
                done.append(Path(path))
                f.write(text)
    except OSError as exc:
        for written in done:
            written.unlink(missing_ok=True)
        if isinstance(exc, FileExistsError) or exc.filename is not None:
            raise
        raise OSError(exc.errno, exc.strerror or str(exc), str(done[-1] if done else files[0][0])) from exc


def framework_text(framework_id: str, levels: int = 3, width: int = 2) -> tuple[str, list[Missing]]:
    """A framework to fill in: ``width`` level-1 indicators, each with one child per level down to the leaves."""
    families = ", ".join(f"{name} ({fam.term})" for name, fam in sorted(REGISTRY.items(), key=lambda kv: kv[1].order))
    w = YamlText()
    w.comment(0, f"指标体系 {framework_id}：由 perfkit new framework 生成；把每个 null 换成内容，按需增删指标。",
              f"Framework {framework_id}, written by `perfkit new framework`: replace every null, add or remove "
              "indicators as needed; the leaves' points must add up to total.",
              "docs/parameters.md describes every field and rule family.")
    w.key(0, (), "id", framework_id)
    w.missing_value(0, (), "name", "the framework's name as published", note="指标体系名称 / name as published")
    w.key(0, (), "source", None, note="出处（文件、附件；可选）/ where it is published, optional")
    w.key(0, (), "total", 100, note="总分 / points distributed")
    w.key(0, (), "levels", levels, note="指标层级数 / depth of the tree")
    w.comment(0, "grades: 不写即用 优90 / 良80 / 中60 / 差0（财预〔2020〕10号）/ omitted: the default bands")
    w.key(0, (), "tree")

    def node(indent: int, loc: tuple, level: int, number: str) -> None:
        zh = "一二三四"[level - 1]
        w.key(indent, loc, "id", f"i{number}", item=True)
        w.missing_value(indent + 2, loc, "name", f"level-{level} indicator name",
                        note=f"{zh}级指标名称 / level-{level} indicator name")
        w.missing_value(indent + 2, loc, "points", "points (分值)", note="分值 / points")
        if level < levels:
            w.key(indent + 2, loc, "children")
            node(indent + 4, loc + ("children", 0), level + 1, number + ".1")
        else:
            w.key(indent + 2, loc, "criteria", None, note="评分标准原文（可选）/ criteria as written, optional")
            w.missing_value(indent + 2, loc, "rule", "a rule: {family: …, …}",
                            note=f"评分规则 / rule, e.g. {{family: ratio}}; families: {families}")

    for i in range(width):
        node(2, ("tree", i), 1, str(i + 1))
    return w.text(), w.missing


def new_framework(params_dir: str | os.PathLike, framework_id: str, levels: int = 3) -> tuple[Path, list[Missing]]:
    """Write ``<params>/frameworks/<id>.yaml`` to fill in; never overwrites a file."""
    if not isinstance(framework_id, str) or not re.fullmatch(DEPARTMENT_ID, framework_id):
        raise ParameterError([Problem(str(params_dir), "", f"framework id {framework_id!r} is not an id: lowercase "
                                      "ASCII letters, digits and hyphens (e.g. city-project-2024)")])
    path = Path(params_dir) / "frameworks" / f"{framework_id}.yaml"
    if path.exists():
        raise ParameterError([Problem(str(path), "", "already exists; perfkit new never overwrites a file")])
    text, missing = framework_text(framework_id, levels)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_new((path, text))
    return path, missing


