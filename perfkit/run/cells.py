"""The client of a kernel-less child (:mod:`perfkit.run.shell`): runs a papermill-managed notebook's cells
in a process forked from the warm server, with nbclient's semantics.

:func:`execute_managed_notebook` is what papermill's engine ``perfkit`` does (:mod:`perfkit.run.papermill_engine`).
It walks the cells as papermill's ``PapermillNotebookClient`` does (``cell_start``; execute; on an error
``cell_exception`` and stop; ``cell_complete``), and executes each as nbclient's ``NotebookClient`` would:

- markdown, raw and empty code cells are not sent, nor cells tagged ``skip-execution``;
- the outputs are cleared, then built from the child's messages as nbformat's ``output_from_msg`` does:
  ``clear_output`` (``wait`` until the next output), ``display_id`` updates across cells, the execution
  count from the reply; stream text is joined while nothing else comes in between;
- an error reply raises nbclient's ``CellExecutionError`` (papermill then marks the cell and writes its error
  cell), unless ``allow_errors`` or the cell is tagged ``raises-exception``;
- a cell running past ``execution_timeout`` seconds raises ``CellTimeoutError``; a child that dies raises
  ``DeadKernelError``; both as nbclient would, and the child's process group is killed.

The notebook's ``language_info`` is ipykernel's. A kernel spec that does not start ipykernel on this
interpreter, or a fork server that cannot start, leaves the notebook to papermill's ``nbclient`` engine with a
kernel started the ordinary way (the reason is the first line of the kernel's stderr).
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import socket
import time
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from . import forkserver
from .files import private_dir
from .shell import FLUSH, HELLO, REPLY, Channel

SKIP_TAG = "skip-execution"  # nbclient's skip_cells_with_tag
ALLOW_ERROR_TAG = "raises-exception"
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"  # what ipykernel sets when MPLBACKEND is unset


class ChildGone(Exception):
    """The child closed its socket (it died) before its reply."""


class Receiver:
    """The client's end of the child's socket (a :class:`~perfkit.run.shell.Channel`) and the child's process."""

    def __init__(self, sock: socket.socket, pid: int, start: str | None):
        self.channel = Channel(sock)
        self.pid = pid
        self.start = start

    def send(self, msg: dict[str, Any]) -> None:
        try:
            self.channel.send(msg)
        except OSError:
            raise ChildGone() from None

    def receive(self, timeout: float | None) -> dict[str, Any]:
        """The next message; TimeoutError after ``timeout`` seconds (None: none), ChildGone at end of file."""
        msg = self.channel.receive(timeout)
        if msg is None:
            raise ChildGone()
        return msg

    def kill(self) -> None:
        """Kill the child's process group (it is its own session), if the child is still the same process."""
        if forkserver._start_time(self.pid) == self.start and self.start is not None:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except OSError:
                pass
        self.channel.close()


# The fields of each output type, from its message's content (what nbformat's ``output_from_msg`` takes;
# it also validates each output against the notebook schema, about 2 ms an output: the whole notebook is
# validated once when papermill writes it).
_OUTPUT_FIELDS = {"stream": ("name", "text"), "display_data": ("data", "metadata"),
                  "execute_result": ("data", "metadata", "execution_count"), "error": ("ename", "evalue", "traceback")}


def output_from_msg(kind: str, content: dict[str, Any]):
    """The notebook output a message of type ``kind`` makes (nbformat's ``output_from_msg``, unvalidated)."""
    from nbformat import from_dict

    return from_dict({"output_type": kind, **{f: content[f] for f in _OUTPUT_FIELDS[kind]}})


@lru_cache(maxsize=8)
def _kernel_spec(name: str):
    from jupyter_client.kernelspec import KernelSpecManager

    return KernelSpecManager().get_kernel_spec(name)


def _timestamp() -> str:
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


def _stderr_path(fd: int) -> str:
    return f"/proc/{os.getpid()}/fd/{fd}"


def _settings(kwargs: dict[str, Any]) -> tuple[dict[str, str], str, int]:
    """(extra environment, working directory, stderr file descriptor) from the config perfkit passes
    (``PerfkitKernelManager``'s traits, :func:`perfkit.run.engine.kernel_config`); papermill's own command
    line passes none: its environment, its working directory, its stderr."""
    config = kwargs.get("config")
    manager = config.get("PerfkitKernelManager", {}) if config is not None else {}
    env = dict(manager.get("kernel_env", {}) or {})
    cwd = manager.get("kernel_cwd") or os.getcwd()
    stderr = manager.get("kernel_stderr", -1)
    return env, str(cwd), stderr if isinstance(stderr, int) and stderr >= 0 else 2


def fork_command(kernel_name: str, extra: dict[str, str]):
    """(kernel spec, interpreter command, ipykernel's arguments, environment) of a child forked for this
    kernel spec with the variables ``extra``; or, when it cannot be forked, why not in words."""
    spec = _kernel_spec(kernel_name)
    how = forkserver.forkable(list(spec.argv))
    if how is None:
        return f"the kernel {kernel_name!r} does not start ipykernel on this Python ({' '.join(spec.argv[:3])} …)"
    options, args = how
    env = {**os.environ, **(spec.env or {}), **extra}
    env.setdefault("MPLBACKEND", INLINE_BACKEND)
    return spec, [spec.argv[0], *options], args, {k: str(v) for k, v in env.items()}


def share_server(kernel_name: str, extra: dict[str, str]) -> str | None:
    """Start the fork server the children of this kernel spec (with the variables ``extra``, less those of
    one report) are forked from, listening for other processes (:func:`perfkit.run.forkserver.share`), and
    return its address; None when there can be none (each process then starts its own, as without)."""
    how = fork_command(kernel_name, extra)
    if isinstance(how, str):
        return None
    _, python, _, env = how
    try:
        return forkserver.share(python, env)
    except (forkserver.ForkServerError, OSError):  # share() re-raises an OSError (no socket, no interpreter)
        return None


def start_child(kernel_name: str, kwargs: dict[str, Any], start_timeout: float) -> Receiver | str:
    """A child forked by the warm server for this kernel spec, connected; or, when there can be none, the
    reason in words (the caller then runs the notebook with a kernel started the ordinary way)."""
    extra, cwd, stderr = _settings(kwargs)
    how = fork_command(kernel_name, extra)
    if isinstance(how, str):
        return how
    spec, python, args, env = how
    where = private_dir("perfkit-cells-")
    try:
        path = os.path.join(where, "s")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listener.bind(path)
            listener.listen(1)
            try:
                pid, start = forkserver.server_for(python, env).fork(
                    list(spec.argv), args, cwd, env, _stderr_path(stderr), socket=path)
            except forkserver.ForkServerError as exc:
                return str(exc)
            deadline = time.monotonic() + start_timeout
            while True:  # the child connects, or dies, or takes too long
                ready, _, _ = select.select([listener], [], [], 0.2)
                if ready:
                    conn, _ = listener.accept()
                    break
                if forkserver._start_time(pid) != start or time.monotonic() > deadline:
                    if forkserver._start_time(pid) == start:
                        os.killpg(pid, signal.SIGKILL)
                    return "the forked child did not connect (see the lines above)"
        finally:
            listener.close()
    finally:
        shutil.rmtree(where, ignore_errors=True)
    child = Receiver(conn, pid, start)
    try:
        hello = child.receive(start_timeout)
    except (TimeoutError, ChildGone):
        child.kill()
        return "the forked child did not start its shell (see the lines above)"
    if hello.get("msg_type") != HELLO:
        child.kill()
        return f"the forked child said {hello.get('msg_type')!r} first"
    child.language_info = hello["content"]["language_info"]
    return child


class CellRunner:
    """nbclient's per-cell logic over a :class:`Receiver` (see the module's docstring)."""

    def __init__(self, nb, child: Receiver, timeout: float | None, allow_errors: bool = False,
                 on_output=None):
        self.nb = nb
        self.child = child
        self.timeout = timeout
        self.allow_errors = allow_errors
        self.on_output = on_output
        self.display_ids: dict[str, dict[int, list[int]]] = {}
        self.clear_next = False
        self.flushed = None  # the stream output a flush ended: the next text of its stream is a new output

    def execute_cell(self, cell, index: int) -> None:
        from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

        if cell.cell_type != "code" or not cell.source.strip():
            return
        tags = cell.metadata.get("tags", [])
        if SKIP_TAG in tags:
            return
        timing = cell.metadata["execution"] = {}
        try:
            self.child.send({"code": cell.source, "cell_id": cell.get("id")})
            timing["iopub.status.busy"] = timing["iopub.execute_input"] = _timestamp()
            cell.outputs = []
            self.clear_next = False
            while True:
                msg = self.child.receive(self.timeout)
                if msg["msg_type"] == REPLY:
                    break
                self.handle(cell, index, msg)
        except TimeoutError:
            self.child.kill()
            raise CellTimeoutError.error_from_timeout_and_cell("Cell execution timed out", self.timeout, cell) from None
        except ChildGone:
            self.child.kill()
            raise DeadKernelError("Kernel died") from None
        reply = msg["content"]
        timing["shell.execute_reply"] = timing["iopub.status.idle"] = _timestamp()
        cell.execution_count = reply["execution_count"]
        if reply["status"] == "error" and not (self.allow_errors or ALLOW_ERROR_TAG in tags):
            raise CellExecutionError.from_cell_and_msg(cell, reply)

    def handle(self, cell, index: int, msg: dict[str, Any]) -> None:
        kind, content = msg["msg_type"], msg["content"]
        if kind == FLUSH:
            self.flushed = cell.outputs[-1] if cell.outputs else None
            return
        transient = content.get("transient")
        display_id = transient.get("display_id") if transient else None
        if display_id and kind in ("execute_result", "display_data", "update_display_data"):
            self.update_display(display_id, content)
        if "execution_count" in content:
            cell.execution_count = content["execution_count"]
        if kind == "clear_output":
            if content.get("wait"):
                self.clear_next = True
            else:
                self.clear(cell, index)
            return
        if kind == "update_display_data":
            return
        if self.clear_next:
            self.clear(cell, index)
            self.clear_next = False
        outs = cell.outputs
        if kind == "stream" and outs and outs[-1].output_type == "stream" and outs[-1].name == content["name"] \
                and outs[-1] is not self.flushed:
            outs[-1].text += content["text"]
            out = outs[-1]
        else:
            out = output_from_msg(kind, content)
            if display_id:
                self.display_ids.setdefault(display_id, {}).setdefault(index, []).append(len(outs))
            outs.append(out)
        if self.on_output is not None:
            self.on_output(out if kind != "stream" else output_from_msg(kind, content))

    def clear(self, cell, index: int) -> None:
        cell.outputs[:] = []
        for cells in self.display_ids.values():
            if index in cells:
                cells[index] = []

    def update_display(self, display_id: str, content: dict[str, Any]) -> None:
        if display_id not in self.display_ids:
            return
        out = output_from_msg("display_data", content)
        for cell_index, positions in self.display_ids[display_id].items():
            outputs = self.nb.cells[cell_index].outputs
            for position in positions:
                outputs[position]["data"] = out["data"]
                outputs[position]["metadata"] = out["metadata"]


def _logger(log_output: bool, stdout_file, stderr_file):
    """What papermill's ``log_output`` / ``stdout_file`` / ``stderr_file`` do with each output."""
    if not (log_output or stdout_file or stderr_file):
        return None
    import logging

    log = logging.getLogger("papermill")

    def emit(out) -> None:
        if out.output_type == "stream":
            text = "".join(out.text)
            target = stdout_file if out.name == "stdout" else stderr_file
            if log_output:
                (log.info if out.name == "stdout" else log.warning)(text)
            if target:
                target.write(text)
                target.flush()
        elif log_output and "text/plain" in out.get("data", {}):
            log.info("".join(out.data["text/plain"]))

    return emit


def execute_managed_notebook(nb_man, kernel_name: str, log_output: bool = False, stdout_file=None,
                             stderr_file=None, start_timeout: float = 60, execution_timeout: float | None = None,
                             **kwargs: Any):
    """papermill's ``Engine.execute_managed_notebook`` for the engine ``perfkit`` (see the module's
    docstring); returns ``nb_man.nb``, executed."""
    child = start_child(kernel_name, kwargs, start_timeout)
    if isinstance(child, str):
        from papermill.engines import NBClientEngine

        _, _, stderr = _settings(kwargs)
        os.write(stderr, f"perfkit: {child}; this kernel was started the ordinary way\n".encode("utf-8"))
        return NBClientEngine.execute_managed_notebook(nb_man, kernel_name, log_output=log_output,
                                                       stdout_file=stdout_file, stderr_file=stderr_file,
                                                       start_timeout=start_timeout,
                                                       execution_timeout=execution_timeout, **kwargs)
    from nbclient.exceptions import CellExecutionError

    nb = nb_man.nb
    runner = CellRunner(nb, child, execution_timeout or kwargs.get("timeout"), bool(kwargs.get("allow_errors")),
                        _logger(log_output, stdout_file, stderr_file))
    try:
        for index, cell in enumerate(nb.cells):
            try:
                nb_man.cell_start(cell, index)
                runner.execute_cell(cell, index)
            except CellExecutionError as exc:
                nb_man.cell_exception(nb.cells[index], cell_index=index, exception=exc)
                break
            finally:
                nb_man.cell_complete(nb.cells[index], cell_index=index)
        nb.metadata["language_info"] = child.language_info
    finally:
        child.kill()
    return nb
