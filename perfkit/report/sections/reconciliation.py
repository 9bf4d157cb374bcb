"""Section 4 核对: the reconciliation findings of each main evaluation in sentences, grouped by severity,
and the portfolio's findings counted by code."""

from __future__ import annotations

from ...core.findings import DATA_CODES
from ..sentences import finding_counts
from ..facts import has_reported
from ..tables import Section

SEVERITIES = ("error", "warning", "info")
GROUPS = ("error", "data", "warning", "info")  # the annex's groups: warnings on the figures entered apart


def group_of(f) -> str:
    """The annex group of a finding: its severity, or ``data`` for a warning on the figures as entered."""
    return "data" if f.severity == "warning" and f.code in DATA_CODES else f.severity


def section(report, n: int) -> Section:
    """Section 4: the reconciliation findings of each main evaluation, in plain sentences."""
    sec = Section()
    sec.heading(2, report.section_heading(n, "reconciliation"))
    for r, _, heading in report.main_evaluations(n, portfolio_follows=True):
        if heading is not None:
            sec.heading(3, heading)
        findings_block(report, sec, r)
    if report.portfolio:
        sec.heading(3, report.numbered((n, len(report.main) + 1), report.heading("portfolio")))
        _portfolio_findings(report, sec)
    return sec


def findings_block(report, sec: Section, r) -> None:
    """How many findings of each severity, then each finding in a sentence under its severity."""
    t = report.t
    reported = has_reported(r)
    if not r.findings:
        sec.md(t("reconciliation.none", reported=reported))
        return
    counts = [t("reconciliation.count", severity=g, n=n) for g in GROUPS
              if (n := sum(group_of(f) == g for f in r.findings))]
    sec.md(t("reconciliation.intro", reported=reported, counts=counts))
    for s in GROUPS:
        items = [report.finding_sentence(r, f) for f in r.findings if group_of(f) == s]
        if items:
            sec.strong(t(f"reconciliation.severity.{s}", reported=reported))
            sec.bullets(items)


def error_counts(results) -> dict[str, int]:
    """Error findings counted by code, in the order the codes first occur."""
    counts: dict[str, int] = {}
    for r in results:
        for f in r.findings:
            if f.severity == "error":
                counts[f.code] = counts.get(f.code, 0) + 1
    return counts


def _portfolio_findings(report, sec: Section) -> None:
    rs = report.portfolio
    n_error = sum(any(f.severity == "error" for f in r.findings) for r in rs)
    sec.md(report.t("reconciliation.intro_portfolio", n=len(rs), n_error=n_error,
                    summary=finding_counts(report.t, error_counts(rs))))
