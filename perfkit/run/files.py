"""Writing files so that a file in its final name is always a finished one.

Every file is written to a hidden temporary name beside its final one (unique per process) and moved into
place with ``os.replace``; a reader sees the old file or the new one, never half of one. The temporary names
of a process that is gone (a killed run) are removed by the next run (:func:`sweep_temporaries`), and the
output directory is checked before any unit runs (:func:`check_out_dir`).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import threading
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


def check_out_dir(out_dir: str | os.PathLike) -> Path:
    """The output directory, made if missing, checked writable before any unit runs (temporary files of a
    killed run removed); RunError naming it and what was expected otherwise."""
    out = Path(out_dir)
    expected = "expected a directory perfkit can write the reports to (made if missing)"
    if out.exists() and not out.is_dir():
        raise RunError(f"output directory {out} (--out) is a file; {expected}")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RunError(f"output directory {out} (--out) cannot be made ({exc.strerror or exc}); {expected}") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise RunError(f"output directory {out} (--out) is not writable (permissions); {expected}")
    sweep_temporaries(out)
    return out


def tmp_name(final: Path) -> Path:
    """A hidden name beside ``final`` with the same suffix (papermill wants .ipynb), unique per process."""
    return final.with_name(f".{final.stem}.{os.getpid()}.tmp{final.suffix}")


_TMP_NAME = re.compile(r"\..+\.(\d+)\.tmp(?:\.[^.]*)?")


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists (of any user)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists, owned by someone else
        return True
    return True


def private_dir(prefix: str) -> str:
    """A new private temporary folder ``<tmp>/<prefix><pid>-<random>`` (:func:`tempfile.mkdtemp`), named after this
    process so that a later run can tell one left by a process that was killed before it could remove it; this
    process's first call for ``prefix`` removes such folders first (:func:`sweep_once`)."""
    sweep_once(prefix)
    return tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-")


_SWEPT: set[str] = set()
_SWEPT_LOCK = threading.Lock()


def sweep_once(prefix: str) -> None:
    """:func:`sweep_private` the first time this process asks for ``prefix``; nothing after."""
    with _SWEPT_LOCK:
        first = prefix not in _SWEPT
        _SWEPT.add(prefix)
    if first:
        sweep_private(prefix)


def sweep_private(prefix: str) -> list[str]:
    """Remove this user's files and folders ``<tmp>/<prefix><pid>-…`` whose process is gone (killed before it could
    remove them: SIGKILL, a lost machine). This process's own, another live process's and another user's are left
    alone. Returns the paths removed."""
    name = re.compile(re.escape(prefix) + r"(\d+)-[^/]+")
    gone = []
    try:
        entries = list(os.scandir(tempfile.gettempdir()))
    except OSError:
        return []
    for entry in entries:
        m = name.fullmatch(entry.name)
        if not m or int(m.group(1)) == os.getpid() or pid_alive(int(m.group(1))):
            continue
        try:
            if entry.stat(follow_symlinks=False).st_uid != os.getuid():
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
        except OSError:
            continue  # removed meanwhile, or not ours to remove
        gone.append(entry.path)
    return gone


def sweep_temporaries(folder: Path) -> None:
    """Remove the temporary files (:func:`tmp_name`) in ``folder`` left by processes that are gone (a run
    killed or interrupted before it could clean up); those of running processes, this one included, stay."""
    try:
        names = list(folder.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return
    remove(*(p for p in names if (m := _TMP_NAME.fullmatch(p.name)) and int(m.group(1)) != os.getpid()
             and not pid_alive(int(m.group(1)))))


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a temporary name, synced, then moved into place."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary name, synced, then moved into place."""
    tmp = tmp_name(path)
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:  # a full disk, a folder made read-only: name the file meant, not its temporary name
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
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
