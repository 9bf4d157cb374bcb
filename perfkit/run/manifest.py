"""The run manifest, ``<out>/manifest.json``: one record per unit and language (:class:`UnitRecord`: status,
timings, input hashes, versions, outputs, the cause of a failure), merged under a lock and written atomically.

``reports/README.md`` describes the file for its readers.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import RunError
from .files import atomic_write_text, check_inside, tmp_name
from .units import discover_units, language_order

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = 1
VERSIONED_PACKAGES = ("perfkit", "pandas", "numpy", "matplotlib", "papermill", "nbconvert", "nbclient", "ipykernel")

# Statuses of a unit in the manifest.
OK, FAILED, INVALID, ERROR = "ok", "failed", "invalid", "error"


def now() -> str:
    """The current UTC time as the manifest records it (ISO 8601, milliseconds)."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


@lru_cache(maxsize=1)
def versions() -> dict[str, str]:
    """Python's version and those of :data:`VERSIONED_PACKAGES` ("not installed" where absent)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in VERSIONED_PACKAGES:
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


@dataclass
class UnitRecord:
    """What one run of one unit in one language did: the manifest entry."""

    department: str
    year: int
    language: str
    status: str = ERROR
    started: str | None = None
    finished: str | None = None
    duration_s: float | None = None
    title: str | None = None
    inputs: dict[str, Any] | None = None
    versions: dict[str, str] = field(default_factory=dict)
    kernel: dict[str, str] | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    error: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == OK

    @property
    def key(self) -> tuple[str, int, str]:
        return self.department, self.year, self.language

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "UnitRecord":
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})


def record_order(department: str, year: int, language: str) -> tuple:
    """How records are listed: by department, year, then language in the order of ``units.LANGUAGES``."""
    return department, year, language_order(language)


@contextlib.contextmanager
def locked(out_dir: Path):
    """Hold a lock on the directory ``out_dir`` itself (POSIX ``flock`` on its descriptor); processes merging
    records into one manifest take turns, and no lock file is left behind."""
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock (atomic replace still keeps the file whole)
        yield
        return
    fd = os.open(out_dir, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def read_manifest(out_dir: str | os.PathLike) -> dict[str, Any] | None:
    """The manifest under ``out_dir``; None if there is none or it is not one of this format."""
    path = Path(out_dir) / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) and data.get("format") == MANIFEST_FORMAT else None


def write_manifest(out_dir: str | os.PathLike, records: list[UnitRecord], *, params_dir=None, notebook=None,
                   replace: bool = False) -> Path:
    """Merge records into ``<out_dir>/manifest.json`` (by department, year, language) and write it atomically.

    ``replace=True`` drops entries of units that are no longer under ``params_dir`` (a full batch). RunError
    naming the file if it cannot be written (a full disk)."""
    out_dir = Path(out_dir)
    try:
        return _write_manifest(out_dir, records, params_dir, notebook, replace)
    except OSError as exc:  # a full disk: a sentence naming the file, not a traceback
        path = Path(exc.filename or out_dir / MANIFEST_NAME)
        raise RunError(f"cannot write the manifest {path}: {exc.strerror or exc}; expected room for it "
                       "(the reports written are on disk, their entries are not)") from None


def _write_manifest(out_dir: Path, records: list[UnitRecord], params_dir, notebook, replace: bool) -> Path:
    with locked(out_dir):
        old = read_manifest(out_dir) or {}
        units = {(u["department"], u["year"], u["language"]): u for u in old.get("units", [])}
        if replace and params_dir is not None:
            present = {(d, y) for d, y in discover_units(params_dir)}
            units = {k: v for k, v in units.items() if (k[0], k[1]) in present}
        for r in records:
            units[r.key] = r.to_dict()
        entries = sorted(units.values(), key=lambda u: record_order(u["department"], u["year"], u["language"]))
        counts: dict[str, int] = {}
        for u in entries:
            counts[u["status"]] = counts.get(u["status"], 0) + 1
        manifest = {
            "format": MANIFEST_FORMAT,
            "written": now(),
            "params_dir": str(Path(params_dir).resolve()) if params_dir else old.get("params_dir"),
            "notebook": str(Path(notebook).resolve()) if notebook else old.get("notebook"),
            "summary": {"units": len(entries), **dict(sorted(counts.items()))},
            "units": entries,
        }
        path = out_dir / MANIFEST_NAME
        check_inside(out_dir, path, tmp_name(path))
        atomic_write_text(path, json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    return path
