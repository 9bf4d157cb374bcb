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


def _image_notebook():
    """A notebook of two PNG outputs: a chart shown by perfkit (its titles as its alt text), an image with
    none; and a Markdown output."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.display import Image
    from matplotlib.figure import Figure

    from perfkit.report import plots

    fig = Figure()
    fig.subplots(1, 2)[0].set_title("各季度末累计执行率")
    fig.axes[1].set_title("序时进度")
    image = Image(data=plots.to_png(fig), format="png", alt=plots.alt_text(fig))
    data, md = InteractiveShell.instance().display_formatter.format(image)
    bare = nbformat.v4.new_output("display_data", data={"image/png": data["image/png"]})
    chart = nbformat.v4.new_output("display_data", data={"image/png": data["image/png"]}, metadata=md)
    words = nbformat.v4.new_output("display_data", data={"text/markdown": "# 标题"})
    cell = nbformat.v4.new_code_cell("x", outputs=[words, chart, bare])
    return nbformat.v4.new_notebook(cells=[cell])


def test_every_image_says_what_it_shows_in_the_reports_language_and_outputs_take_the_focus():
    """What nbconvert's exporter did with BeautifulSoup, done without it: the chart's alt is its titles; an
    image with none gets the report's word for a chart, never nbconvert's English sentence; each output area
    takes the keyboard's focus; the source notebook is not changed."""
    import copy
    import re

    nb = _image_notebook()
    before = copy.deepcopy(nb)
    zh = notebook_html.export_html(nb, "报告", "zh")
    en = notebook_html.export_html(nb, "Report", "en")
    assert nb == before
    assert re.findall(r'<img\b[^>]*\salt="([^"]*)"', zh) == ["各季度末累计执行率；序时进度", "图表"]
    assert re.findall(r'<img\b[^>]*\salt="([^"]*)"', en) == ["各季度末累计执行率；序时进度", "Chart"]
    assert "No description" not in zh + en
    assert len(re.findall(r'<img\b', zh)) == 2
    outputs = re.findall(r'<div class="[^"]*\bjp-OutputArea-output\b[^"]*"[^>]*>', zh)
    assert len(outputs) == 3 and all('tabindex="0"' in tag for tag in outputs)


def test_a_charts_alt_text_is_its_title_or_its_plots_titles():
    from matplotlib.figure import Figure

    from perfkit.report import plots

    fig = Figure()
    fig.subplots(1, 2)
    assert plots.alt_text(fig) is None
    fig.axes[0].set_title("Budget")
    fig.axes[1].set_title("Execution")
    assert plots.alt_text(fig) == "Budget; Execution"
    fig.suptitle("预算")
    assert plots.alt_text(fig) == "预算"
