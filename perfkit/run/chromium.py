"""One headless Chromium per process, kept open to print the reports' PDFs over its DevTools pipe.

``chromium --headless --print-to-pdf=FILE URL`` starts a browser for every report: about 1 s and 1.7 s of
CPU before it reads the page, a quarter to two fifths of what printing a report costs (issue 13). Here a
batch worker starts Chromium once, with ``--remote-debugging-pipe`` (the DevTools protocol as JSON
messages, each ended by a NUL byte, read by Chromium on its file descriptor 3 and written on 4), and for
each report opens a tab, loads the page, waits for its fonts, prints it as the command line's
``--print-to-pdf`` does (the page's own CSS page size and margins, its backgrounds, no header or footer),
and closes the tab.

Chromium exits when the pipe closes (this process ended, however it ended) and at this process's exit
(:func:`shutdown`); a browser that died is started again for the next report. What goes wrong is a
:class:`BrowserError` saying what, which :func:`perfkit.run.documents.print_pdf` answers by printing
that report with the command line instead.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from .files import private_dir

# The command line's flags for a quiet, profile-less headless browser (perfkit.run.documents uses the same).
QUIET_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run")
START_TIMEOUT = 60.0  # seconds a browser may take to answer its first message
CLOSE_TIMEOUT = 5.0  # seconds it may take to exit when asked, before it is killed

# What --print-to-pdf with --no-pdf-header-footer asks of the page (Chromium's headless command handler):
# the page's CSS @page size and margins, background colours and images, no header or footer.
PRINT_PARAMS = {"printBackground": True, "preferCSSPageSize": True, "displayHeaderFooter": False}
# A page is printed when it has loaded and its web fonts are ready (the command line's virtual-time budget
# waited for the same).
FONTS_READY = "document.fonts.ready.then(() => document.fonts.status)"


# argv: the two pipe ends (descriptor numbers), then Chromium's command line.
_MOVE_AND_EXEC = ("import os, sys; a, b = int(sys.argv[1]), int(sys.argv[2]); os.dup2(a, 3); os.dup2(b, 4); "
                  "os.close(a); os.close(b); os.execvp(sys.argv[3], sys.argv[3:])")


class BrowserError(RuntimeError):
    """Chromium could not be started, did not answer in time, or refused a command."""


class BrowserTimeout(BrowserError):
    """Chromium did not answer in time."""


class Browser:
    """A running headless Chromium (``executable``) driven over its DevTools pipe; thread-safe (one page is
    printed at a time)."""

    def __init__(self, executable: str, timeout: float = START_TIMEOUT):
        self.executable = executable
        self.lock = threading.Lock()
        self.home = private_dir("perfkit-chromium-")
        self.stderr = tempfile.TemporaryFile()
        self.buffer = bytearray()
        self.events: list[dict[str, Any]] = []
        self.next_id = 0
        to_browser, self.write_fd = os.pipe()
        self.read_fd, from_browser = os.pipe()
        # Chromium reads the protocol on descriptor 3 and writes it on 4: a small Python program moves the
        # pipes there (subprocess keeps descriptors under their own numbers, and a POSIX shell cannot name
        # one above 9) and then becomes Chromium. Their ends are first given numbers above 4, so that moving
        # one cannot close the other.
        to_browser, from_browser = (_above_4(fd) for fd in (to_browser, from_browser))
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _MOVE_AND_EXEC, str(to_browser), str(from_browser), executable,
                 *QUIET_FLAGS, "--remote-debugging-pipe", f"--user-data-dir={self.home}/profile", "about:blank"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.stderr,
                pass_fds=(to_browser, from_browser), start_new_session=True)  # its processes: one group to kill
        except OSError as exc:
            self._release()
            raise BrowserError(f"{executable} could not be started ({exc.strerror or exc})") from None
        finally:
            os.close(to_browser)
            os.close(from_browser)
        try:
            self.call("Browser.getVersion", timeout=timeout)
        except BrowserError:
            self.close()
            raise

    # ---- the protocol --------------------------------------------------------------------------------

    def _said(self) -> str:
        self.stderr.seek(0)
        tail = " ".join(self.stderr.read().decode("utf-8", "replace").split())[-300:]
        return f": {tail}" if tail else ""

    def _receive(self, deadline: float) -> dict[str, Any]:
        while (end := self.buffer.find(b"\0")) < 0:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([self.read_fd], [], [], wait)[0]:
                raise BrowserTimeout(f"{self.executable} did not answer in time")
            chunk = os.read(self.read_fd, 1 << 20)
            if not chunk:
                code = self.proc.poll()
                raise BrowserError(f"{self.executable} closed its DevTools pipe"
                                   + (f" (exit code {code})" if code is not None else "") + self._said())
            self.buffer += chunk
        message = json.loads(bytes(self.buffer[:end]))
        del self.buffer[:end + 1]
        return message

    def call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None,
             timeout: float = START_TIMEOUT) -> dict[str, Any]:
        """Send one command and return its result; events that come first are kept for :meth:`wait_for`."""
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        try:
            os.write(self.write_fd, json.dumps(message).encode("utf-8") + b"\0")
        except OSError as exc:
            raise BrowserError(f"{self.executable} is gone ({exc.strerror or exc}){self._said()}") from None
        deadline = time.monotonic() + timeout
        while True:
            answer = self._receive(deadline)
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise BrowserError(f"{method}: {answer['error'].get('message', answer['error'])}")
                return answer.get("result", {})
            if "method" in answer:
                self.events.append(answer)

    def wait_for(self, event: str, session: str, timeout: float) -> dict[str, Any]:
        """The first event named ``event`` of ``session`` (one that came already, or the next)."""
        deadline = time.monotonic() + timeout
        while True:
            for i, e in enumerate(self.events):
                if e.get("method") == event and e.get("sessionId") == session:
                    return self.events.pop(i)
            self.events.append(self._receive(deadline))

    # ---- printing ------------------------------------------------------------------------------------

    def print_pdf(self, html_path: str | os.PathLike, timeout: float) -> bytes:
        """The page at ``html_path`` printed as the command line's ``--print-to-pdf`` prints it; BrowserError
        when it cannot be, BrowserTimeout (the browser killed) when it is not done within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout

        def left() -> float:
            return max(deadline - time.monotonic(), 0.0)

        with self.lock:
            self.events.clear()
            target = self.call("Target.createTarget", {"url": "about:blank"}, timeout=left())["targetId"]
            try:
                session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True},
                                    timeout=left())["sessionId"]
                self.call("Page.enable", session=session, timeout=left())
                went = self.call("Page.navigate", {"url": Path(html_path).resolve().as_uri()}, session=session,
                                 timeout=left())
                if went.get("errorText"):
                    raise BrowserError(f"{html_path}: {went['errorText']}")
                self.wait_for("Page.loadEventFired", session, left())
                self.call("Runtime.evaluate", {"expression": FONTS_READY, "awaitPromise": True}, session=session,
                          timeout=left())
                data = self.call("Page.printToPDF", PRINT_PARAMS, session=session, timeout=left())["data"]
            except BrowserTimeout:
                self._kill()  # the page may still be loading or printing: the next report gets a new browser
                raise
            finally:
                if self.alive():
                    try:
                        self.call("Target.closeTarget", {"targetId": target}, timeout=CLOSE_TIMEOUT)
                    except BrowserError:
                        pass
                self.events.clear()
        return base64.b64decode(data)

    # ---- life ----------------------------------------------------------------------------------------

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        """Ask Chromium to exit, kill it if it does not, and remove its profile."""
        if self.alive():
            try:
                self.call("Browser.close", timeout=CLOSE_TIMEOUT)
            except BrowserError:
                pass
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=CLOSE_TIMEOUT)
        self._kill()  # it, if it did not exit, and what is left of its processes before its profile goes
        self._release()

    def _kill(self) -> None:
        """Kill every process of the browser (its own process group) and reap the browser."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except OSError:
            pass
        self.proc.wait()

    def _release(self) -> None:
        for fd in (self.write_fd, self.read_fd):
            try:
                os.close(fd)
            except OSError:
                pass
        self.write_fd = self.read_fd = -1
        self.stderr.close()
        for _ in range(3):  # a process of the browser that was still exiting may have written one more file
            shutil.rmtree(self.home, ignore_errors=True)
            if not os.path.exists(self.home):
                break
            time.sleep(0.1)


def _above_4(fd: int) -> int:
    """The same pipe end under a descriptor number of at least 5 (``fd`` is closed)."""
    if fd > 4:
        return fd
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 5)
    os.close(fd)
    return moved


_browsers: dict[str, Browser] = {}
_failed: dict[str, str] = {}  # executable → why it could not be started (not tried again in this process)
_browsers_lock = threading.Lock()


def browser_for(executable: str) -> Browser:
    """This process's running browser for ``executable``, started on first use (and again after it died);
    BrowserError if it cannot be started (remembered: the next call raises the same at once)."""
    with _browsers_lock:
        if executable in _failed:
            raise BrowserError(_failed[executable])
        browser = _browsers.get(executable)
        if browser is not None and browser.alive():
            return browser
        if browser is not None:
            browser.close()
        try:
            browser = _browsers[executable] = Browser(executable)
        except BrowserError as exc:
            _browsers.pop(executable, None)
            _failed[executable] = str(exc)
            raise
        return browser


def shutdown() -> None:
    """Close every browser of this process (at exit)."""
    with _browsers_lock:
        for browser in _browsers.values():
            browser.close()
        _browsers.clear()


atexit.register(shutdown)
