"""The report as a Word document (``report.docx``): what a :class:`~perfkit.report.document.Report` holds,
rendered with python-docx, whatever its sections are.

Owns the mapping from a report's blocks (:class:`~perfkit.report.tables.Section`: Markdown, HTML tables,
charts) to Word: Markdown headings ``#``/``##``/``###``/``####`` become the styles Title / Heading 1 / 2 / 3
(so Word's navigation pane and the table of contents field read the outline); paragraphs, emphasis and
lists are read with mistune, the Markdown reader nbconvert renders the HTML with, so both documents read a
block alike; HTML tables become Word tables whose header rows repeat on every page; charts are drawn again
at print resolution (:data:`PRINT_DPI`). The page is A4 with the page number in the footer; fonts and sizes
per language come from ``templates/document.<language>.yaml`` (Chinese: 仿宋_GB2312 body, 黑体 headings,
with fallbacks written into the font table).

Text from parameter files goes in as the text of runs: it never becomes a field, a hyperlink or markup.
The only fields are the ones this module writes (the table of contents, the page number). Characters
XML cannot hold (control characters) are dropped. The same report gives the same bytes.
"""

from __future__ import annotations

import base64
import html as html_lib
import functools
import io
import re
from xml.sax.saxutils import escape
from typing import Any, Iterable

import docx
import mistune
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor
from lxml import etree
from lxml import html as lxml_html

from . import plots
from .ooxml import reproducible
from .layout import Cell, Table, column_widths, element_text, html_table_of, markdown_table_of
from .language import template_file

PRINT_DPI = 150  # charts in the document: a 9-inch chart printed 6 inches wide on A4 is about 220 dpi on paper
PAGE = {"width": 21.0, "height": 29.7, "top": 2.54, "bottom": 2.54, "left": 2.8, "right": 2.6}  # A4, cm
HEADER_FILL = "EEF2F7"  # header rows and total rows, as in the HTML tables
TOTAL_FILL = "F7F9FB"
CELL_MARGIN = 60  # twips left and right inside a table cell (Word's default is 108): room for the text
DIFF_COLOR = "B03A2E"  # a recomputed score that differs from the reported one
# Characters XML 1.0 cannot hold (a Word document is XML): dropped from text.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_MARKDOWN = mistune.create_markdown(renderer=None, plugins=["strikethrough", "table"])


@functools.lru_cache(maxsize=None)
def document_style(language: str) -> dict:
    """Fonts, sizes and labels of the Word document and the score sheet in one language
    (``templates/document.<language>.yaml``)."""
    return template_file("document", language)


def xml_text(text: Any) -> str:
    """Text as a Word run can hold it: characters XML cannot hold dropped."""
    return _NOT_XML.sub("", "" if text is None else str(text))


# --------------------------------------------------------------------------------------------
# Styles, page, fonts
# --------------------------------------------------------------------------------------------


def _set_fonts(element, font: dict, lang: dict | None = None) -> None:
    """Latin and East Asian font names (and the language tags) on a style's or run's run properties."""
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), font["latin"])
    fonts.set(qn("w:eastAsia"), font["east_asia"])
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    if lang:
        tag = rpr.find(qn("w:lang"))
        if tag is None:
            tag = OxmlElement("w:lang")
            rpr.append(tag)
        tag.set(qn("w:val"), lang["latin"])
        tag.set(qn("w:eastAsia"), lang["east_asia"])


def _style(doc, name: str, font: dict, bold: bool | None = None, lang: dict | None = None):
    style = doc.styles[name]
    style.font.size = Pt(font["size"])
    style.font.color.rgb = RGBColor(0, 0, 0)
    style.font.italic = False
    if bold is not None:
        style.font.bold = bold
    _set_fonts(style.element, font, lang)
    return style


def _setup_styles(doc, st: dict) -> None:
    fonts = st["fonts"]
    normal = _style(doc, "Normal", fonts["body"], lang=fonts["lang"])
    pf = normal.paragraph_format
    pf.space_before, pf.space_after, pf.line_spacing = Pt(0), Pt(6), 1.25
    title = _style(doc, "Title", fonts["title"], bold=False)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(18)
    # The Title style's bottom border (python-docx's template) is not a Chinese report's look.
    for border in title.element.xpath("./w:pPr/w:pBdr"):
        border.getparent().remove(border)
    for level, font in enumerate(fonts["headings"], 1):
        h = _style(doc, f"Heading {level}", font, bold=False)
        h.paragraph_format.space_before = Pt(12 if level == 1 else 8)
        h.paragraph_format.space_after = Pt(6)
        h.paragraph_format.keep_with_next = True
    for level in range(len(fonts["headings"]) + 1, 10):  # deeper headings look like the deepest styled one
        _style(doc, f"Heading {level}", fonts["headings"][-1], bold=False).paragraph_format.keep_with_next = True
    cap = _style(doc, "Caption", fonts["caption"], bold=False)
    cap.paragraph_format.keep_with_next = True
    cap.paragraph_format.space_before = Pt(6)
    _style(doc, "TOC Heading", fonts["headings"][0], bold=False)
    for name in ("Header", "Footer"):
        _style(doc, name, fonts["footer"])
    if "Table Text" not in [s.name for s in doc.styles]:
        table_text = doc.styles.add_style("Table Text", WD_STYLE_TYPE.PARAGRAPH)
        table_text.base_style = normal
    tt = _style(doc, "Table Text", fonts["table"])
    tt.paragraph_format.space_after = Pt(0)
    tt.paragraph_format.line_spacing = 1.0


def _font_table(doc, fallbacks: dict[str, str]) -> None:
    """Fallbacks in the font table: ``<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋"/>`` (GB2312 charset)."""
    part = next((rel.target_part for rel in doc.part.rels.values() if rel.reltype.endswith("/fontTable")), None)
    if part is None:
        return
    root = etree.fromstring(part.blob)
    names = {f.get(qn("w:name")): f for f in root.findall(qn("w:font"))}
    for name, alt in fallbacks.items():
        font = names.get(name)
        if font is None:
            font = etree.SubElement(root, qn("w:font"))
            font.set(qn("w:name"), name)
        for old in font.findall(qn("w:altName")):
            font.remove(old)
        etree.SubElement(font, qn("w:altName")).set(qn("w:val"), alt)
        font.insert(0, font[-1])  # altName comes first in a w:font
        if font.find(qn("w:charset")) is None and any(ord(c) > 0x2E80 for c in name + alt):
            etree.SubElement(font, qn("w:charset")).set(qn("w:val"), "86")  # GB2312
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _page(doc) -> None:
    for section in doc.sections:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Cm(PAGE["width"]), Cm(PAGE["height"])
        section.top_margin, section.bottom_margin = Cm(PAGE["top"]), Cm(PAGE["bottom"])
        section.left_margin, section.right_margin = Cm(PAGE["left"]), Cm(PAGE["right"])
        section.header_distance, section.footer_distance = Cm(1.5), Cm(1.5)


def _field(paragraph, code: str, result: str = "") -> None:
    """A field (``PAGE``, ``TOC …``) with its last result shown until Word updates it."""
    def char(kind: str):
        run = paragraph.add_run()
        fld = OxmlElement("w:fldChar")
        fld.set(qn("w:fldCharType"), kind)
        if kind == "begin":
            fld.set(qn("w:dirty"), "true")  # Word recomputes it when the document opens
        run._r.append(fld)

    char("begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {code} "
    paragraph.add_run()._r.append(instr)
    char("separate")
    if result:
        paragraph.add_run(result)
    char("end")


def _footer(doc, labels: dict) -> None:
    for section in doc.sections:
        p = section.footer.paragraphs[0] if section.footer.paragraphs else section.footer.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if labels.get("page_before"):
            p.add_run(labels["page_before"])
        _field(p, "PAGE", "1")
        if labels.get("page_after"):
            p.add_run(labels["page_after"])


def _update_fields_on_open(doc) -> None:
    """``<w:updateFields w:val="true"/>``: Word fills in the table of contents' page numbers on opening."""
    settings = doc.settings.element
    el = settings.find(qn("w:updateFields"))
    if el is None:
        el = OxmlElement("w:updateFields")
        # its place in the schema's sequence: before the first of these that the settings hold
        after = next((c for c in settings if c.tag in {qn(f"w:{n}") for n in _AFTER_UPDATE_FIELDS}), None)
        if after is not None:
            after.addprevious(el)
        else:
            settings.append(el)
    el.set(qn("w:val"), "true")


# The elements CT_Settings puts after w:updateFields (ECMA-376 part 1, 17.15.1.78): Word refuses a file whose
# settings are out of order.
_AFTER_UPDATE_FIELDS = ("hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars", "rsids", "mathPr",
                        "attachedSchema", "themeFontLang", "clrSchemeMapping", "doNotIncludeSubdocsInStats",
                        "doNotAutoCompressPictures", "forceUpgrade", "captions", "readModeInkLockDown",
                        "smartTagType", "schemaLibrary", "shapeDefaults", "doNotEmbedSmartTags", "decimalSymbol",
                        "listSeparator")


# --------------------------------------------------------------------------------------------
# Blocks: Markdown (through mistune's syntax tree), HTML (tables), charts
# --------------------------------------------------------------------------------------------


class _Writer:
    """Adds a report's blocks to a python-docx document."""

    def __init__(self, doc, style: dict):
        self.doc = doc
        self.style = style
        self.headings: list[tuple[int, str]] = []
        self.toc_at = None  # the paragraph before which the table of contents goes
        section = doc.sections[0]
        self.text_width = section.page_width - section.left_margin - section.right_margin
        self.table_style = doc.styles["Table Text"].style_id
        self.grid_style = doc.styles["Table Grid"].style_id

    # ---- Markdown ----------------------------------------------------------------------------

    def markdown(self, text: str) -> None:
        for token in _MARKDOWN(text):
            self.block(token)

    def block(self, token: dict, list_prefix: str | None = None, indent: int = 0) -> None:
        kind = token["type"]
        if kind == "heading":
            self.heading(token["attrs"]["level"], token.get("children", []))
        elif kind in ("paragraph", "block_text"):
            p = self.doc.add_paragraph()
            if list_prefix is not None:
                self._list_format(p, list_prefix, indent)
            self.inline(p, token.get("children", []))
        elif kind == "list":
            ordered = token["attrs"].get("ordered", False)
            start = token["attrs"].get("start", 1) or 1
            for i, item in enumerate(token.get("children", [])):
                prefix = f"{start + i}. " if ordered else "• "
                for j, child in enumerate(item.get("children", [])):
                    if child["type"] == "list":
                        self.block(child, indent=indent + 1)
                    else:
                        self.block(child, list_prefix=prefix if j == 0 else "", indent=indent)
        elif kind == "block_quote":
            for child in token.get("children", []):
                self.block(child, list_prefix="", indent=indent + 1)
        elif kind in ("block_code", "block_html"):
            self.doc.add_paragraph(xml_text(token.get("raw", "")).rstrip("\n"))
        elif kind == "table":
            self.table(markdown_table_of(token))
        elif kind == "thematic_break":
            self.doc.add_paragraph()
        # blank_line and anything without text: nothing to add

    def _list_format(self, p, prefix: str, indent: int) -> None:
        hang = Pt(self.style["fonts"]["body"]["size"] * 1.5)
        p.paragraph_format.left_indent = hang * (indent + 1)
        p.paragraph_format.first_line_indent = -hang if prefix else 0
        if prefix:
            p.add_run(prefix)

    def heading(self, level: int, children: list) -> None:
        if level == 1:
            p = self.doc.add_paragraph(style="Title")
        else:
            p = self.doc.add_paragraph(style=f"Heading {min(level - 1, 9)}")
            if self.toc_at is None and level == 2:
                self.toc_at = p
        self.inline(p, children)
        self.headings.append((level, p.text))

    def inline(self, p, children: list, bold: bool = False, italic: bool = False, strike: bool = False) -> None:
        for token in children:
            kind = token["type"]
            if kind in ("text", "codespan", "inline_html"):
                run = p.add_run(_raw_text(token))
                run.bold, run.italic = bold or None, italic or None
                if strike:
                    run.font.strike = True
            elif kind in ("softbreak",):
                p.add_run(" ")
            elif kind == "linebreak":
                p.add_run().add_break()
            elif kind == "strong":
                self.inline(p, token.get("children", []), True, italic, strike)
            elif kind == "emphasis":
                self.inline(p, token.get("children", []), bold, True, strike)
            elif kind == "strikethrough":
                self.inline(p, token.get("children", []), bold, italic, True)
            elif kind in ("link", "image"):  # the text only: a document from parameter files links nowhere
                self.inline(p, token.get("children", []), bold, italic, strike)
            elif "children" in token:
                self.inline(p, token["children"], bold, italic, strike)
            elif "raw" in token:
                p.add_run(_raw_text(token))

    # ---- HTML --------------------------------------------------------------------------------

    def html(self, text: str) -> None:
        try:
            elements = lxml_html.fragments_fromstring(text)
        except Exception:  # noqa: BLE001 - not HTML: keep it as text
            self.doc.add_paragraph(xml_text(text))
            return
        for el in elements:
            if isinstance(el, str):
                if el.strip():
                    self.doc.add_paragraph(xml_text(el.strip()))
                continue
            self.element(el)

    def element(self, el) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in ("style", "script", "template") or not tag:
            return
        if tag == "table":
            self.table(html_table_of(el))
        elif re.fullmatch(r"h[1-6]", tag):
            p = self.doc.add_paragraph(style="Title" if tag == "h1" else f"Heading {int(tag[1]) - 1}")
            p.add_run(xml_text(element_text(el)))
            self.headings.append((int(tag[1]), p.text))
        elif tag == "img":
            src = el.get("src", "")
            if src.startswith("data:image/png;base64,"):
                self.picture(base64.b64decode(src.split(",", 1)[1]))
        elif tag in ("ul", "ol"):
            for i, li in enumerate(el.findall("li"), 1):
                p = self.doc.add_paragraph()
                self._list_format(p, f"{i}. " if tag == "ol" else "• ", 0)
                p.add_run(xml_text(element_text(li)))
        elif tag in ("div", "section", "figure", "details", "body"):
            if el.text and el.text.strip():
                self.doc.add_paragraph(xml_text(el.text.strip()))
            for child in el:
                self.element(child)
                if child.tail and child.tail.strip():
                    self.doc.add_paragraph(xml_text(child.tail.strip()))
        else:
            text = element_text(el)
            if text:
                self.doc.add_paragraph(xml_text(text))

    # ---- tables ------------------------------------------------------------------------------

    def table(self, table: Table) -> None:
        """A Word table, written as XML in one piece (python-docx's cell objects cost milliseconds a cell):
        fixed column widths, header rows marked to repeat on each page (``w:tblHeader``) and kept whole,
        total rows bold on a light fill, numbers right-aligned and unbroken. A long row may run onto the
        next page rather than leave half a page blank."""
        if not table.rows:
            return
        ncols = max(len(r.cells) for r in table.rows)
        if table.caption:
            self.doc.add_paragraph(xml_text(table.caption), style="Caption")
        size = self.style["fonts"]["table"]["size"]
        # in twips (1/20 pt): a display column is half the font size; a cell's margins and a little air
        widths = [int(w) for w in column_widths(table, ncols, self.text_width / 635, unit=size * 10,
                                                pad=2 * CELL_MARGIN + size * 4)]
        out = [f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="{self.grid_style}"/>'
               f'<w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:jc w:val="center"/><w:tblLayout w:type="fixed"/>'
               f'<w:tblCellMar><w:left w:w="{CELL_MARGIN}" w:type="dxa"/><w:right w:w="{CELL_MARGIN}" w:type="dxa"/>'
               '</w:tblCellMar><w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" '
               'w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>']
        out += [f'<w:gridCol w:w="{w}"/>' for w in widths]
        out.append("</w:tblGrid>")
        for row in table.rows:
            cells = row.cells + [Cell("")] * (ncols - len(row.cells))
            out.append("<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>" if row.header else "<w:tr>")
            fill = HEADER_FILL if row.header else TOTAL_FILL if row.strong else None
            for cell, w in zip(cells, widths):
                out.append(f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/>'
                           + (f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>' if fill else "")
                           + ("<w:noWrap/>" if cell.numeric and not row.header else "")
                           + f'</w:tcPr><w:p><w:pPr><w:pStyle w:val="{self.table_style}"/>'
                           + ('<w:jc w:val="right"/>' if cell.numeric and not row.header else "") + "</w:pPr>")
                rpr = ("<w:b/>" if row.header or cell.header or row.strong else "") + (
                    f'<w:color w:val="{DIFF_COLOR}"/>' if cell.diff else "")
                lines = xml_text(cell.text).split("\n")
                for k, line in enumerate(lines):
                    out.append("<w:r>" + (f"<w:rPr>{rpr}</w:rPr>" if rpr else "") + (
                        "<w:br/>" if k else "") + f'<w:t xml:space="preserve">{escape(line)}</w:t></w:r>')
                out.append("</w:p></w:tc>")
            out.append("</w:tr>")
        out.append("</w:tbl>")
        self.doc.element.body.add_p().addprevious(parse_xml("".join(out)))  # the paragraph after the table stays

    # ---- pictures ----------------------------------------------------------------------------

    def figure(self, fig) -> None:
        png = plots.to_png(fig, dpi=PRINT_DPI)
        width_in = fig.get_figwidth()
        self.picture(png, min(self.text_width, int(width_in * 914400)))

    def picture(self, png: bytes, width=None) -> None:
        p = self.doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.keep_together = True
        p.add_run().add_picture(io.BytesIO(png), width=width or self.text_width)

    # ---- table of contents -------------------------------------------------------------------

    def contents(self) -> None:
        """A TOC field over Heading 1–2 before the first numbered section (a report's chapters and their
        parts; the navigation pane shows every level); its shown result lists those headings, and Word adds
        the page numbers when it updates the field on opening."""
        if self.toc_at is None:
            return
        heading = self.toc_at.insert_paragraph_before(self.style["labels"]["contents"], style="TOC Heading")
        heading.paragraph_format.page_break_before = True
        p = self.toc_at.insert_paragraph_before()
        _field(p, 'TOC \\o "1-2" \\h \\z \\u')
        # the result between 'separate' and 'end': the headings as plain lines
        runs = p._p.findall(qn("w:r"))
        end = runs[-1]
        for k, (level, text) in enumerate((lv, tx) for lv, tx in self.headings if 2 <= lv <= 3):
            r = OxmlElement("w:r")
            if k:
                r.append(OxmlElement("w:br"))
            if level > 2:
                t0 = OxmlElement("w:t")
                t0.set(qn("xml:space"), "preserve")
                t0.text = "    " * (level - 2)
                r.append(t0)
            t = OxmlElement("w:t")
            t.set(qn("xml:space"), "preserve")
            t.text = xml_text(text)
            r.append(t)
            end.addprevious(r)
        self.toc_at.paragraph_format.page_break_before = True


def _raw_text(token: dict) -> str:
    """A Markdown text token as the characters it shows: mistune keeps character references (``&lt;``,
    how the report escapes data text) as written in its syntax tree; HTML shows them as ``<``."""
    raw = token.get("raw", "")
    return xml_text(raw if token["type"] == "codespan" else html_lib.unescape(raw))


def _set_style(paragraph, style_id: str) -> None:
    """A paragraph's style by its id (python-docx's lookup by name costs milliseconds a cell)."""
    ppr = paragraph._p.get_or_add_pPr()
    ps = ppr.find(qn("w:pStyle"))
    if ps is None:
        ps = OxmlElement("w:pStyle")
        ppr.insert(0, ps)
    ps.set(qn("w:val"), style_id)


# --------------------------------------------------------------------------------------------
# The document
# --------------------------------------------------------------------------------------------


def blocks_document(blocks: Iterable[tuple[str, Any]], language: str, title: str = "") -> bytes:
    """A Word document of report blocks (``("md", text)``, ``("html", text)``, ``("fig", Figure)``), as bytes."""
    st = document_style(language)
    doc = docx.Document()
    _page(doc)
    _setup_styles(doc, st)
    _font_table(doc, st.get("fallbacks", {}))
    _footer(doc, st["labels"])
    props = doc.core_properties
    props.title, props.author, props.last_modified_by = xml_text(title)[:255], "", ""  # Word's limit
    props.language = st["fonts"]["lang"]["latin"]
    writer = _Writer(doc, st)
    for kind, content in blocks:
        if kind == "md":
            writer.markdown(content)
        elif kind == "html":
            writer.html(content)
        elif kind == "fig":
            writer.figure(content)
        else:
            raise ValueError(f"a report block of unknown kind {kind!r}")
    writer.contents()
    _update_fields_on_open(doc)
    # the empty first paragraph python-docx's template starts with
    body = doc.element.body
    first = body[0] if len(body) else None
    if first is not None and first.tag == qn("w:p") and not first.xpath(".//w:t"):
        body.remove(first)
    buf = io.BytesIO()
    doc.save(buf)
    return reproducible(buf.getvalue())


def report_document(report) -> bytes:
    """``report.docx`` of a :class:`~perfkit.report.document.Report`: every section in order, as bytes."""
    blocks = [b for section in report.sections() for b in section.blocks]
    first = next((c for k, c in blocks if k == "md" and c.lstrip().startswith("# ")), "")
    title = first.lstrip()[2:].split("\n", 1)[0] if first else ""
    return blocks_document(blocks, report.language, _plain(title))


def _plain(markdown_text: str) -> str:
    tokens = _MARKDOWN(markdown_text)

    def flat(children) -> str:
        return "".join(_raw_text(c) if "raw" in c else flat(c.get("children", [])) for c in children)

    return flat(tokens).strip()
