"""Notebook cells executed by an IPython shell in a process forked from the warm server: no Jupyter kernel.

A Jupyter kernel is a process that runs an IPython shell and talks to its client over ZeroMQ: five sockets,
a heartbeat, a session with signed messages, an event loop. For a batch of reports run by perfkit itself,
all of that stands between the cells and their outputs and costs each report about a second (issue 13).
Here the fork server (:mod:`perfkit.run.forkserver`, which has imported perfkit, pandas, matplotlib and
IPython) forks a child per report; the child makes an IPython ``InteractiveShell``, connects to a Unix socket
the client listens on, and runs the cells the client sends, one at a time, sending back each output as a
Jupyter message would carry it (``stream``, ``display_data``, ``update_display_data``, ``execute_result``,
``error``, ``clear_output``) and, per cell, the reply ipykernel would give (status, execution count, error
name, value and traceback). The client (:mod:`perfkit.run.cells`) turns those messages into
outputs with nbformat's ``output_from_msg``, as nbclient does, so the executed notebook is the one a kernel
would have produced: the same cells, outputs, images and execution counts (``tests/test_forkserver.py``
compares them for every shipped unit).

What the shell is given is what ipykernel gives its shell: ``sys.stdout`` and ``sys.stderr`` that become
``stream`` outputs; a display publisher and a display hook that become ``display_data`` and
``execute_result``; tracebacks that become ``error`` outputs; matplotlib's inline backend, which configures
itself against the running shell when the notebook first draws. Stream text is joined while nothing else is
output in between (a kernel joins it by timing, every 0.2 s: here it does not depend on timing). The child's
file descriptors 1 and 2 go to the unit's stderr file: what a C library or ``os.system`` writes there is
among the unit's stderr lines (the manifest's warnings), where ipykernel would forward it into the cell's
output. ``!command`` lines are IPython's piped ``system`` and land in the cell's output, as in a kernel.

One child runs ONE notebook and exits when the client closes the socket; the client kills its process
group in any case (a timeout, an error, the end). This module is imported by the child only.
"""

from __future__ import annotations

import io
import json
import select
import socket
import sys
import time
from typing import Any

# Besides the output messages a Jupyter kernel sends on its IOPub channel (``stream``, ``display_data``,
# ``update_display_data``, ``execute_result``, ``error``, ``clear_output``), the child sends these:
FLUSH = "flush"  # the stream output so far ends here (``sys.stdout.flush()``)
REPLY = "execute_reply"  # the last word on every cell
HELLO = "hello"  # the shell is ready (with ipykernel's language_info)


class Channel:
    """One JSON object per line over a connected Unix socket (the client's or the child's end)."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.buffer = bytearray()

    def send(self, msg: dict[str, Any]) -> None:
        from jupyter_client.jsonutil import json_default  # bytes → base64, dates → ISO 8601, as a kernel sends

        self.sock.sendall(json.dumps(msg, default=json_default, ensure_ascii=False).encode("utf-8") + b"\n")

    def receive(self, timeout: float | None = None) -> dict[str, Any] | None:
        """The next message, or None when the other end closed the socket; TimeoutError when none came
        within ``timeout`` seconds (None: wait as long as it takes)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while (end := self.buffer.find(b"\n")) < 0:
            wait = None if deadline is None else deadline - time.monotonic()
            if wait is not None and (wait <= 0 or not select.select([self.sock], [], [], wait)[0]):
                raise TimeoutError()
            try:
                chunk = self.sock.recv(1 << 20)
            except OSError:
                chunk = b""
            if not chunk:
                return None
            self.buffer += chunk
        line = bytes(self.buffer[:end])
        del self.buffer[:end + 1]
        return json.loads(line)

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


# --------------------------------------------------------------------------------------------
# The child
# --------------------------------------------------------------------------------------------


class _Output(io.TextIOBase):
    """``sys.stdout`` / ``sys.stderr`` of the shell: each write is a ``stream`` message (the client joins
    consecutive ones of the same name into one output)."""

    def __init__(self, name: str, channel: Channel):
        super().__init__()
        self.name = name
        self.channel = channel
        self.written = False  # since the last flush

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if text:
            self.channel.send({"msg_type": "stream", "content": {"name": self.name, "text": text}})
            self.written = True
        return len(text)

    def flush(self) -> None:
        """What was written since the last flush is one output (a kernel's flush sends it as one message)."""
        if self.written:
            self.written = False
            self.channel.send({"msg_type": FLUSH, "content": {"name": self.name}})


def _make_shell(channel: Channel):
    """The child's IPython shell (the singleton ``get_ipython()`` returns), its outputs sent on ``channel``."""
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from ipykernel.compiler import XCachingCompiler
    from traitlets import Type
    from traitlets.config import Config

    class Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
            channel.send({"msg_type": "update_display_data" if update else "display_data",
                          "content": {"data": data, "metadata": metadata or {}, "transient": transient or {}}})

        def clear_output(self, wait=False):
            channel.send({"msg_type": "clear_output", "content": {"wait": wait}})

    class Hook(DisplayHook):
        content: dict[str, Any] | None = None

        def start_displayhook(self):
            self.content = {"data": {}, "metadata": {}}

        def write_output_prompt(self):
            self.content["execution_count"] = self.prompt_count

        def write_format_data(self, format_dict, md_dict=None):
            self.content["data"] = format_dict
            self.content["metadata"] = md_dict or {}

        def finish_displayhook(self):
            if self.content and self.content["data"]:
                channel.send({"msg_type": "execute_result", "content": self.content})
            self.content = None

    class Shell(InteractiveShell):
        display_pub_class = Type(Publisher)
        displayhook_class = Type(Hook)
        compiler_class = Type(XCachingCompiler)  # ipykernel's: cells compiled as files named by their hash
        last_traceback: list[str] | None = None

        def _showtraceback(self, etype, evalue, stb):
            self.last_traceback = stb
            channel.send({"msg_type": "error", "content": {"traceback": stb, "ename": str(etype.__name__),
                                                           "evalue": str(evalue)}})

    config = Config()
    config.HistoryManager.enabled = False  # no SQLite file and no history-saving thread
    return Shell.instance(config=config)


def _reply(shell, result) -> dict[str, Any]:
    """ipykernel's ``execute_reply`` content for the result of ``run_cell``."""
    content: dict[str, Any] = {"execution_count": shell.execution_count - 1}
    error = result.error_before_exec if result.error_before_exec is not None else result.error_in_exec
    if result.success:
        content["status"] = "ok"
    else:
        content.update(status="error", traceback=shell.last_traceback or [], ename=type(error).__name__,
                       evalue=str(error))
    return content


def serve_cells(path: str) -> None:
    """In the forked child: connect to the client's socket ``path``, make the shell, then run each cell the
    client sends (``{"code": …}``) and answer with its outputs and reply, until the client closes."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    channel = Channel(sock)
    sys.stdout = _Output("stdout", channel)
    sys.stderr = _Output("stderr", channel)
    shell = _make_shell(channel)
    from ipykernel.ipkernel import IPythonKernel

    channel.send({"msg_type": HELLO, "content": {"language_info": IPythonKernel.language_info}})
    while (request := channel.receive()) is not None:
        result = shell.run_cell(request["code"], store_history=True, cell_id=request.get("cell_id"))
        channel.send({"msg_type": REPLY, "content": _reply(shell, result)})
        shell.last_traceback = None
