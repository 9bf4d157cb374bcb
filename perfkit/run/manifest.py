"""The run manifest, ``<out>/manifest.json``: one record per unit and language (:class:`UnitRecord`: status,
timings, input hashes, versions, outputs and their hashes, the cause of a failure), merged under a lock and
written atomically.

A batch does not rewrite the manifest after every unit (that made its controller's time grow with the
square of the number of units): each finished unit is appended as one JSON line to
``<out>/manifest.journal.jsonl`` (:func:`append_journal`, synced), and ``manifest.json`` is rewritten from the
last one and the journal now and then and at the end (:func:`write_manifest`, which then empties the journal).
:func:`read_manifest` reads both, so what it returns is truthful even after a batch was killed between two
rewrites; the next write folds the journal in.

``reports/README.md`` describes the files for their readers.
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
JOURNAL_NAME = "manifest.journal.jsonl"
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
    output_hashes: dict[str, str] = field(default_factory=dict)  # sha256 of each file in ``outputs``
    stamp: dict[str, str] | None = None  # perfkit version, source and templates hashes (units.code_stamp)
    skipped: bool = False  # this batch found the unit unchanged and kept the report of the run recorded here
    error: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)
    # what the index page shows of each evaluation, from this run's scoring (report.index_page.scored_rows)
    scored: list[dict[str, Any]] | None = None

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


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) and data.get("format") == MANIFEST_FORMAT else None


def read_journal(out_dir: str | os.PathLike) -> list[dict[str, Any]]:
    """The unit entries appended to ``<out_dir>/manifest.journal.jsonl`` since the manifest was last written,
    in the order they finished; a last line cut short by a crash is left out."""
    try:
        text = (Path(out_dir) / JOURNAL_NAME).read_text(encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError):
        return []
    entries = []
    for line in text.splitlines():
        with contextlib.suppress(json.JSONDecodeError):
            entry = json.loads(line)
            if isinstance(entry, dict) and {"department", "year", "language", "status"} <= entry.keys():
                entries.append(entry)
    return entries


def read_manifest(out_dir: str | os.PathLike) -> dict[str, Any] | None:
    """The manifest under ``out_dir`` with the journal's entries merged in (later ones win); None if there is
    neither a manifest of this format nor a journal."""
    data = _read_json(Path(out_dir) / MANIFEST_NAME)
    journal = read_journal(out_dir)
    if not journal:
        return data
    data = dict(data or {"format": MANIFEST_FORMAT, "units": []})
    units = {_key(u): u for u in data.get("units", [])}
    units.update((_key(u), u) for u in journal)
    data["units"] = _sorted(units.values())
    data["summary"] = _summary(data["units"])
    return data


def _key(u: dict[str, Any]) -> tuple:
    return u["department"], u["year"], u["language"]


def _sorted(entries) -> list[dict[str, Any]]:
    return sorted(entries, key=lambda u: record_order(*_key(u)))


def _summary(entries: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for u in entries:
        counts[u["status"]] = counts.get(u["status"], 0) + 1
    skipped = sum(1 for u in entries if u.get("skipped"))
    return {"units": len(entries), **dict(sorted(counts.items())), **({"skipped": skipped} if skipped else {})}


def append_journal(out_dir: str | os.PathLike, record: UnitRecord) -> None:
    """Append one finished unit to ``<out_dir>/manifest.journal.jsonl`` (one line, synced): the cost of
    recording a unit does not grow with the number recorded before it. OSError if it cannot be written."""
    out_dir = Path(out_dir)
    line = json.dumps(record.to_dict(), ensure_ascii=False) + "\n"
    with locked(out_dir):
        path = out_dir / JOURNAL_NAME
        check_inside(out_dir, path)
        with open(path, "a", encoding="utf-8") as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())


def write_manifest(out_dir: str | os.PathLike, records: list[UnitRecord], *, params_dir=None, notebook=None,
                   replace: bool = False) -> Path:
    """Merge the journal and ``records`` into ``<out_dir>/manifest.json`` (by department, year, language), write
    it atomically and empty the journal.

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
        units = {_key(u): u for u in old.get("units", [])}
        if replace and params_dir is not None:
            present = {(d, y) for d, y in discover_units(params_dir)}
            units = {k: v for k, v in units.items() if (k[0], k[1]) in present}
        for r in records:
            units[r.key] = r.to_dict()
        entries = _sorted(units.values())
        manifest = {
            "format": MANIFEST_FORMAT,
            "written": now(),
            "params_dir": str(Path(params_dir).resolve()) if params_dir else old.get("params_dir"),
            "notebook": str(Path(notebook).resolve()) if notebook else old.get("notebook"),
            "summary": _summary(entries),
            "units": entries,
        }
        path = out_dir / MANIFEST_NAME
        check_inside(out_dir, path, tmp_name(path), out_dir / JOURNAL_NAME)
        atomic_write_text(path, json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
        with contextlib.suppress(FileNotFoundError):
            (out_dir / JOURNAL_NAME).unlink()  # its entries are in the file just written
    return path
