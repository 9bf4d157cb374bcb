"""The documents written beside a unit's client HTML: ``report.docx`` (Word), ``report.xlsx`` (the score sheet)
and ``report.pdf`` (the HTML printed by headless Chromium, where one is installed).

The Word document and the score sheet are rendered from the same department-year the notebook reported on
(as the batch's validation loaded and scored it in this process, once for both languages), through the report
layer (:mod:`perfkit.report.word`, :mod:`perfkit.report.export`). Each file is written atomically and named
in the unit's record. The PDF is optional: when it is not made, the record's warnings say why (no Chromium,
Chromium failed or timed out), and ``perfkit run`` prints that line. The PDFs of one process are printed by
one Chromium kept open (:mod:`perfkit.run.chromium`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .chromium import QUIET_FLAGS, BrowserError, BrowserTimeout, browser_for
from .files import atomic_write_bytes, relative_to, remove
from .units import DOCUMENTS

# Where Chromium may be; $PERFKIT_CHROMIUM names another (or "none" to skip the PDF).
CHROMIUM_ENV = "PERFKIT_CHROMIUM"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
PDF_TIMEOUT = 180  # seconds Chromium may take to print one report
PDF_NOT_MADE = "report PDF not made"  # how the warning of a missing PDF starts


def write_documents(rec, bundle, udir: Path, names, out_dir: Path, html_path: Path,
                    templates: str | None = None, documents: tuple[str, ...] = DOCUMENTS, results=None) -> None:
    """Write the unit's Word document, score sheet and PDF beside ``html_path`` (already written), those of
    them named in ``documents``; record them in ``rec.outputs``; a PDF that could not be made is a line in
    ``rec.warnings``. An earlier run's document not asked for this time is removed (it would no longer match
    the report). ``templates``: the sentence overrides the notebook used (``--templates``), so the Word
    document says what the HTML says. ``results``: the bundle's scoring results when the caller has them (the
    batch's validation scored the unit already); scored here otherwise."""
    docx, xlsx, pdf = udir / names.docx, udir / names.xlsx, udir / names.pdf
    remove(*(udir / getattr(names, kind) for kind in DOCUMENTS if kind not in documents))
    if ("docx" in documents or "xlsx" in documents) and results is None:
        from ..core.scoring import score_bundle

        results = score_bundle(bundle)
    if "docx" in documents:
        from ..report.document import Report
        from ..report.word import report_document

        atomic_write_bytes(docx, report_document(Report(bundle, results, rec.language, templates=templates)))
        rec.outputs["docx"] = relative_to(docx, out_dir)
    if "xlsx" in documents:
        from ..report.export import xlsx_bytes

        atomic_write_bytes(xlsx, xlsx_bytes(bundle, results, rec.language))
        rec.outputs["xlsx"] = relative_to(xlsx, out_dir)
    if "pdf" not in documents:
        return
    why = print_pdf(html_path, pdf)
    if why is None:
        rec.outputs["pdf"] = relative_to(pdf, out_dir)
    else:
        remove(pdf)  # an earlier run's PDF no longer matches this report
        rec.warnings.append(f"{PDF_NOT_MADE} ({names.pdf}): {why}")


def find_chromium() -> str | None:
    """The Chromium to print with: ``$PERFKIT_CHROMIUM`` if set (``none``: none), else the first on PATH."""
    chosen = os.environ.get(CHROMIUM_ENV)
    if chosen:
        return None if chosen.lower() == "none" else shutil.which(chosen) or (chosen if os.path.isfile(chosen) else None)
    return next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)


def print_pdf(html_path: Path, pdf: Path, timeout: float = PDF_TIMEOUT) -> str | None:
    """Print an HTML file to ``pdf`` (A4 and margins from the page's print CSS) with headless Chromium,
    atomically. Returns None when written, else why not, in words.

    The page is printed by this process's Chromium, kept open between reports (:mod:`perfkit.run.chromium`:
    the settings of ``--print-to-pdf``, without a browser's start-up per report; the shipped reports came out
    byte for byte the command's PDF but for its creation time, and the tests check pages, page size and
    fonts); if that browser cannot be started or fails on the page, by ``chromium --print-to-pdf``."""
    chromium = find_chromium()
    if chromium is None:
        if os.environ.get(CHROMIUM_ENV, "").lower() == "none":
            return f"${CHROMIUM_ENV} is 'none'"
        return (f"no Chromium found (looked for {', '.join(CHROMIUM_NAMES)} on PATH, or ${CHROMIUM_ENV}); "
                "scripts/bootstrap.sh --with-browser installs one")
    try:
        data = browser_for(chromium).print_pdf(html_path, timeout)
    except BrowserTimeout:  # that browser was killed: the next report starts another
        return f"{chromium} did not finish printing within {timeout:.0f} s"
    except BrowserError:
        return _print_with_command(chromium, html_path, pdf, timeout)
    if not data.startswith(b"%PDF"):
        return _print_with_command(chromium, html_path, pdf, timeout)
    atomic_write_bytes(pdf, data)
    return None


def _print_with_command(chromium: str, html_path: Path, pdf: Path, timeout: float) -> str | None:
    """:func:`print_pdf` by one ``chromium --headless --print-to-pdf`` command."""
    with tempfile.TemporaryDirectory(prefix="perfkit-pdf-") as tmp:
        out = Path(tmp) / "report.pdf"
        cmd = [chromium, *QUIET_FLAGS, f"--user-data-dir={tmp}/profile",
               "--no-pdf-header-footer", "--run-all-compositor-stages-before-draw", "--virtual-time-budget=10000",
               f"--print-to-pdf={out}", Path(html_path).resolve().as_uri()]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return f"{chromium} did not finish printing within {timeout:.0f} s"
        except OSError as exc:
            return f"{chromium} could not be started ({exc.strerror or exc})"
        if not out.is_file() or out.stat().st_size == 0 or not out.read_bytes().startswith(b"%PDF"):
            tail = " ".join(proc.stderr.split())[-300:]
            return f"{chromium} exited {proc.returncode} without a PDF" + (f": {tail}" if tail else "")
        atomic_write_bytes(pdf, out.read_bytes())
    return None
