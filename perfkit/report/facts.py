"""Facts about an evaluation that decide which sentences a report may print (the conditions of its
templates): whether a published report's scores are recorded, so that the document is a review (复核报告)
rather than an evaluation (评价报告)."""

from __future__ import annotations


def has_reported(result) -> bool:
    """Whether an evaluation records a published report's scores (its total or any indicator's score)."""
    return result.reported_total is not None or bool(result.table["reported_score"].notna().any())
