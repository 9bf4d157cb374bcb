"""Office Open XML packages (``.docx``, ``.xlsx``) written byte for byte the same from the same content.

python-docx and openpyxl stamp the zip entries and ``docProps/core.xml`` with the time of writing;
perfkit's outputs must not change when nothing but the clock did (the project's reproducibility rule),
so every package passes through :func:`reproducible` before it is written.
"""

from __future__ import annotations

import io
import re
import zipfile

#: The date every entry and document property carries: the zip format's earliest (1980-01-01).
FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)
_FIXED_W3CDTF = "1980-01-01T00:00:00Z"
_CORE_DATES = re.compile(rb"(<dcterms:(?:created|modified)\b[^>]*>)[^<]*(</dcterms:(?:created|modified)>)")


def reproducible(data: bytes) -> bytes:
    """The package ``data`` with every zip entry dated :data:`FIXED_DATE_TIME` and the created/modified
    properties in ``docProps/core.xml`` set to the same instant; entry order and content otherwise kept."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _CORE_DATES.sub(rb"\g<1>" + _FIXED_W3CDTF.encode() + rb"\g<2>", content)
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_DATE_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, content)
    return out.getvalue()
