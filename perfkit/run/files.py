"""Writing files so that a file in its final name is always a finished one.

Every file is written to a hidden temporary name beside its final one (unique per process) and moved into
place with ``os.replace``; a reader sees the old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from ..errors import RunError


def check_inside(out_dir: str | os.PathLike, *paths: Path) -> None:
    """Every path, links followed, is inside ``out_dir`` (links followed): RunError naming the first that is
    not, before anything is written there."""
    from ..load import resolves_inside

    for p in paths:
        if not resolves_inside(p, out_dir):
            raise RunError(f"{p} resolves to {p.resolve()}, outside the output directory {Path(out_dir).resolve()} "
                           "(links followed); nothing is written outside it")


def tmp_name(final: Path) -> Path:
    """A hidden name beside ``final`` with the same suffix (papermill wants .ipynb), unique per process."""
    return final.with_name(f".{final.stem}.{os.getpid()}.tmp{final.suffix}")


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a temporary name, synced, then moved into place."""
    tmp = tmp_name(path)
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def remove(*paths: Path) -> None:
    """Delete each file that exists."""
    for p in paths:
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def relative_to(path: Path, root: Path) -> str:
    """``path`` as a POSIX path relative to ``root`` (as the manifest names outputs), else as given."""
    try:
        return path.resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return str(path)
