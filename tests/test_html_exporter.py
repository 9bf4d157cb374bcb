"""One HTML exporter per language and process: a batch worker reuses it for every report, and what it writes
is what a fresh exporter writes."""

import nbformat

from perfkit.report import notebook_html

from conftest import ROOT


def test_the_reused_exporter_writes_what_a_fresh_one_writes():
    nb = nbformat.read(ROOT / "notebooks" / "evaluation.ipynb", as_version=4)  # its stored outputs
    other = nbformat.read(ROOT / "notebooks" / "methodology.ipynb", as_version=4)
    notebook_html.exporter.cache_clear()
    first = notebook_html.export_html(nb, "报告甲", "zh")
    notebook_html.export_html(other, "报告乙", "zh")
    again = notebook_html.export_html(nb, "报告甲", "zh")
    assert notebook_html.exporter("zh") is notebook_html.exporter("zh")
    notebook_html.exporter.cache_clear()
    assert again == first == notebook_html.export_html(nb, "报告甲", "zh")
    assert "<title>报告甲</title>" in first and "报告乙" not in again
    assert notebook_html.exporter("en") is not notebook_html.exporter("zh")
