"""Warm kernels: a Jupyter kernel for each report, forked from a process that has already imported perfkit.

A fresh kernel costs a report about 0.5 s to start Python and ipykernel, 1–2 s to import perfkit and the
libraries the report uses (pandas, NumPy, matplotlib, pydantic, SALib) and 0.5 s to stop (issue 13), more
than the report's own computation. Here a *fork server* is started once, in the kernel's environment: a
Python process that imports those modules (:data:`WARM_MODULES`) and ipykernel, and then waits. A batch of
several worker processes starts one for all of them (:func:`share`: the workers ask it over a Unix socket,
and it forks only for a worker of its own interpreter and environment; a worker it refuses starts its own);
any other process starts its own on first use (:func:`server_for`). For each report it forks a child that
becomes an ordinary ipykernel on the connection file jupyter_client wrote (``IPKernelApp.launch_instance``,
what ``python -m ipykernel_launcher -f FILE`` runs). The child has paid none of the imports, and shares the
parent's memory pages until it writes to them.

Everything around the kernel is unchanged: papermill parameterizes the notebook and marks a failing cell,
nbclient executes the cells, captures their outputs (images included) and applies the per-cell timeout,
jupyter_client writes the connection file, talks to the kernel and kills it. Only the kernel's *launch* is
different: :func:`fork_provisioner_class` is jupyter_client's ``LocalProvisioner`` with ``launch_kernel``
asking the fork server instead of starting ``python``. Each child runs ONE report in a process of its own
and is then killed, so reports are as isolated from each other as with a fresh kernel: a report that raises,
hangs past its timeout or kills its own kernel leaves nothing behind for the next (the server never runs a
line of a notebook; it only imports and forks).

A kernel whose launch command is not ipykernel on this same Python (another kernel spec, another
interpreter) is started the ordinary way; so is every kernel when the fork server cannot be started (its
error goes to the unit's stderr lines, and the report is made as before, only slower).

The same server forks the children of the engine ``perfkit``, which are no kernels: a request naming a
Unix socket makes a child that runs the notebook's cells in an IPython shell (:mod:`perfkit.run.shell`) for
the client on that socket (:mod:`perfkit.run.cells`).

Run as ``python -m perfkit.run.forkserver`` by :class:`ForkServer`; the protocol is one JSON object per line
on its stdin and stdout. This module imports no jupyter_client at import time.
"""

from __future__ import annotations

import atexit
import gc
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
from functools import lru_cache
from typing import Any

# What the server imports before it forks anything: the modules an evaluation notebook ends up importing
# (perfkit's layers, and through them pandas, NumPy, matplotlib, pydantic, SALib, SciPy) and the kernel
# itself. matplotlib.pyplot is imported but its backend is not: the inline backend configures itself against
# the running IPython shell when a child first draws, as in a fresh kernel.
WARM_MODULES = ("perfkit", "perfkit.load", "perfkit.core.scoring", "perfkit.rules", "perfkit.report.document",
                "perfkit.report.plots", "perfkit.report.sections", "perfkit.analysis.targets",
                "perfkit.analysis.sensitivity", "matplotlib.pyplot", "matplotlib.font_manager",
                # ipykernel and what its start-up imports (its debugger alone, debugpy, costs 0.3 s)
                "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.debugger",
                "IPython.core.completerlib", "IPython.core.debugger", "IPython.core.oinspect",
                "IPython.utils.wildcard", "pdb", "sqlite3", "tornado.gen", "tornado.locks", "tornado.queues",
                "tornado.platform.asyncio",
                # the kernel-less child (perfkit.run.shell): its shell and the JSON encoding of its messages
                "perfkit.run.shell", "IPython.core.interactiveshell", "jupyter_client.jsonutil")
# Then what a report would otherwise do first, each time: read and compile the sentence templates.
WARM_CALLS = ("perfkit.report.text:warm",)

START_TIMEOUT = 120.0  # seconds the server may take to import WARM_MODULES (a cold disk, a busy machine)
REQUEST_TIMEOUT = 30.0  # seconds a fork may take to be answered

# The variables a child reads at run time, never at import: they may differ between the reports one server
# forks. A change in any other variable of the kernel's environment needs a server started with it.
PER_REPORT_ENV = ("PERFKIT_PARAMS", "PERFKIT_TEMPLATES", "PERFKIT_VALIDATED", "JPY_PARENT_PID",
                  "JPY_SESSION_NAME")
# A batch's worker processes find the batch's one server at the Unix socket named here (see share()).
SHARED_ENV = "PERFKIT_FORKSERVER"
UNCOMPARED_ENV = (*PER_REPORT_ENV, SHARED_ENV)  # not part of what makes two servers' environments differ
SOCKET_TIMEOUT = 10.0  # seconds a client of the shared socket may take to send its request


# --------------------------------------------------------------------------------------------
# The server (runs in its own process)
# --------------------------------------------------------------------------------------------


def _start_time(pid: int) -> str | None:
    """Field 22 of /proc/PID/stat (the process's start time in clock ticks since boot): with the pid, it
    names one process, whatever process later reuses the number. None if there is no such process."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read().decode("ascii", "replace")
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2:].split()  # after "pid (comm) ", which may hold spaces
    return None if fields[0] == "Z" else fields[19]


def _child(request: dict[str, Any], inherited: tuple[int, ...] = ()) -> None:
    """In the forked child: close the server's descriptors ``inherited``, become the kernel described by
    ``request`` and never return."""
    code = 1
    try:
        for fd in inherited:
            os.close(fd)
        os.setsid()  # its own process group: jupyter_client signals the group (interrupt, kill)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the server ignores it; the kernel's subprocesses must not
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        out = os.open(request["stderr"], os.O_WRONLY | os.O_APPEND) if request.get("stderr") else \
            os.open(os.devnull, os.O_WRONLY)
        os.dup2(out, 1)
        os.dup2(out, 2)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = [request["argv"][0], *request["args"]]
        # ``python -m ipykernel_launcher`` puts its working directory first on sys.path.
        sys.path[0] = os.getcwd()
        if request.get("socket"):
            from .shell import serve_cells  # no kernel: the cells come over this socket (perfkit.run.shell)

            serve_cells(request["socket"])
            code = 0
            return
        from ipykernel.kernelapp import IPKernelApp

        args = list(request["args"])
        if request["env"].get("JPY_PARENT_PID"):
            # read by ipykernel at its import (in the server, which had no parent to name): without it the
            # kernel believes it was started by hand and prints how to connect to it
            args.append(f"--IPKernelApp.parent_handle={int(request['env']['JPY_PARENT_PID'])}")
        IPKernelApp.launch_instance(argv=args)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 - said on the kernel's stderr, which the unit's record keeps
        import traceback

        traceback.print_exc(file=sys.__stderr__)
    finally:
        sys.stdout.flush() if sys.stdout else None
        sys.stderr.flush() if sys.stderr else None
        os._exit(code)


def serve() -> None:
    """The server's loop: import :data:`WARM_MODULES`, say so, then fork a kernel for each request line until
    stdin closes; then kill the kernels still running and exit."""
    import importlib

    own_env = _comparable(os.environ)  # as started: an import may set variables (debugpy does)
    listener = None
    if "--listen-fd" in sys.argv:  # the batch's one server: its workers ask on this listening socket too
        # (share(), which bound it); a worker that connects while the imports below run waits for its answer
        listener = socket.socket(fileno=int(sys.argv[sys.argv.index("--listen-fd") + 1]))
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    sink = os.open(os.devnull, os.O_WRONLY)
    os.dup2(sink, 1)  # what an import prints must not corrupt the protocol
    failed = {}
    for name in WARM_MODULES:
        try:
            importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 - the notebook imports it again and fails visibly there
            failed[name] = f"{type(exc).__name__}: {exc}"
    for call in WARM_CALLS:
        module, _, name = call.partition(":")
        try:
            getattr(importlib.import_module(module), name)()
        except Exception as exc:  # noqa: BLE001 - a report does the same work itself, and fails visibly
            failed[call] = f"{type(exc).__name__}: {exc}"
    # Everything imported now lives as long as the server and the children it forks: out of the cyclic garbage
    # collector's sight (Python's advice for a process that forks, gc.freeze). A child's full collections then walk
    # its report's objects only, not the 150,000 of the warm modules: 0.11–0.13 s → 0.03 s a report.
    gc.collect()
    gc.freeze()
    threads = threading.active_count()
    out.write(json.dumps({"ready": threads == 1, "threads": threads, "failed": failed}) + "\n")
    out.flush()
    if threads != 1:
        return  # forking a process with threads is unsafe: the client starts kernels the ordinary way (and a
        # worker waiting on the socket is answered by its closing: it starts a server of its own)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the operating system reaps the children: no zombies
    children: list[int] = []
    pending = b""

    def fork(request: dict[str, Any], conn: socket.socket | None) -> dict[str, Any]:
        nonlocal children
        try:
            pid = os.fork()
        except OSError as exc:
            return {"error": f"fork failed: {exc}"}
        if pid == 0:
            out.close()
            _child(request, tuple(x.fileno() for x in (listener, conn) if x is not None))
        children = [c for c in children if _start_time(c) is not None] + [pid]
        return {"pid": pid, "start": _start_time(pid)}

    while True:
        ready, _, _ = select.select([0] + ([listener] if listener else []), [], [])
        if 0 in ready:
            chunk = os.read(0, 1 << 16)
            if not chunk:
                break  # the client closed stdin: stop
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                out.write(json.dumps(fork(json.loads(line), None)) + "\n")
                out.flush()
        if listener is not None and listener in ready:
            conn, _ = listener.accept()
            try:
                conn.settimeout(SOCKET_TIMEOUT)
                request = json.loads(conn.makefile("rb").readline() or b"null")
                why = _refusal(request, own_env)
                answer = {"refused": why} if why else fork(request, conn)
                conn.sendall(json.dumps(answer).encode("utf-8") + b"\n")
            except (OSError, ValueError):
                pass  # a client that went away or sent no request: nothing was forked for it
            finally:
                conn.close()
    if listener is not None:  # its socket and the private folder share() made for it
        address = listener.getsockname()
        listener.close()
        try:
            os.unlink(address)
            os.rmdir(os.path.dirname(address))
        except OSError:
            pass
    for pid in children:
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass


def _comparable(env) -> dict[str, str]:
    """The part of an environment that the imports of a server may depend on."""
    return {k: v for k, v in env.items() if k not in UNCOMPARED_ENV}


def _refusal(request: Any, own_env: dict[str, str]) -> str | None:
    """Why this server must not fork the child a shared-socket ``request`` asks for (None: it may): the
    client's interpreter or environment is not the one this server imported everything under."""
    if not isinstance(request, dict) or not isinstance(request.get("env"), dict):
        return "not a fork request"
    python = request.get("python") or []
    mine = list(sys.orig_argv[:sys.orig_argv.index("-m")])
    try:
        same = len(python) == len(mine) and os.path.samefile(python[0], mine[0]) and python[1:] == mine[1:]
    except (OSError, IndexError, TypeError):
        same = False
    if not same:
        return f"another interpreter ({' '.join(map(str, python))}; this server runs {' '.join(mine)})"
    theirs = _comparable(request["env"])
    if theirs != own_env:
        names = sorted(k for k in set(theirs) | set(own_env) if theirs.get(k) != own_env.get(k))
        return f"another environment (differs in {', '.join(names[:5])}{' …' if len(names) > 5 else ''})"
    return None


# --------------------------------------------------------------------------------------------
# The client (in the process that runs papermill)
# --------------------------------------------------------------------------------------------


class ForkServerError(RuntimeError):
    """The fork server could not be started or did not answer."""


class ForkServer:
    """One running server, started with ``env`` by the interpreter command ``python`` (the executable and its
    options); thread-safe (a Dask worker may
    start kernels from several threads)."""

    def __init__(self, python: list[str], env: dict[str, str], listen: str | None = None):
        self.python = python
        self.env = env
        self.address = listen  # the Unix socket other processes may ask on too (share())
        self.lock = threading.Lock()
        import tempfile

        self.stderr = tempfile.TemporaryFile()  # what the server says if it fails (its imports), for the error
        listener = None
        if listen:  # bound and listening before the server starts: a worker may connect at once
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            listener.bind(listen)
            listener.listen(64)
        try:
            self.proc = subprocess.Popen(
                [*python, "-m", "perfkit.run.forkserver", *(["--listen-fd", str(listener.fileno())] if listener else [])],
                env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr, text=True,
                encoding="utf-8", start_new_session=True, pass_fds=(listener.fileno(),) if listener else ())
        finally:
            if listener is not None:
                listener.close()  # the server's now
        self.ready = False
        if not listen:
            self._wait_ready()  # a shared server is waited for at its first fork: the batch goes on meanwhile

    def _wait_ready(self) -> None:
        """Read the server's hello once its imports are done; ForkServerError if it is not ready."""
        if self.ready:
            return
        hello = self._read(START_TIMEOUT)
        if not hello.get("ready"):
            self.close()
            raise ForkServerError(f"the fork server runs {hello.get('threads')} threads after its imports; "
                                  "kernels are started the ordinary way")
        self.ready = True

    def _read(self, timeout: float) -> dict[str, Any]:
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline() if ready else ""
        if not line:
            code = self.proc.poll()
            self.close()
            self.stderr.seek(0)
            said = " ".join(self.stderr.read().decode("utf-8", "replace").split())[-300:]
            raise ForkServerError("the fork server " + (f"exited with code {code}" if code is not None
                                                        else f"did not answer in {timeout:.0f} s")
                                  + (f": {said}" if said else ""))
        return json.loads(line)

    def fork(self, argv: list[str], args: list[str], cwd: str, env: dict[str, str], stderr: str | None,
             socket: str | None = None) -> tuple[int, str | None]:
        """Fork a kernel running ``args`` (ipykernel's command line after ``-m ipykernel_launcher``) in
        ``cwd`` with environment ``env`` and its stdout and stderr appended to the file ``stderr``;
        (pid, start time). With ``socket``, the child is no kernel: it connects to that Unix socket and runs
        the cells sent there in an IPython shell (:func:`perfkit.run.shell.serve_cells`)."""
        with self.lock:
            self._wait_ready()
            if self.proc.poll() is not None:
                raise ForkServerError(f"the fork server exited with code {self.proc.returncode}")
            try:
                self.proc.stdin.write(json.dumps({"argv": argv, "args": args, "cwd": cwd, "env": _child_env(env),
                                                  "stderr": stderr, "socket": socket}) + "\n")
                self.proc.stdin.flush()
            except OSError as exc:
                raise ForkServerError(f"the fork server is gone ({exc})") from None
            answer = self._read(REQUEST_TIMEOUT)
        if "error" in answer:
            raise ForkServerError(answer["error"])
        return answer["pid"], answer["start"]

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        """Stop the server (closing its stdin; it kills the kernels it forked that still run)."""
        try:
            if self.proc.stdin:
                self.proc.stdin.close()
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        if self.address:
            import shutil

            shutil.rmtree(os.path.dirname(self.address), ignore_errors=True)


def _child_env(env: dict[str, str]) -> dict[str, str]:
    """A child's environment: the caller's, less the address of the batch's shared server (a report has no
    use for it, and the same report must not depend on how it was forked)."""
    return {k: v for k, v in env.items() if k != SHARED_ENV}


class SharedServer:
    """The batch's one server (:func:`share`), asked over its Unix socket from a worker process: one
    connection per fork. The server forks only for a client of its own interpreter and environment (less
    :data:`UNCOMPARED_ENV`); a worker it refuses, or cannot be reached by, starts a server of its own
    (:attr:`refused` says why) and uses it from then on: the same reports, one more server's start-up."""

    def __init__(self, address: str, python: list[str], env: dict[str, str]):
        self.address = address
        self.python = python
        self.env = env
        self.lock = threading.Lock()
        self.own: ForkServer | None = None
        self.refused: str | None = None

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(START_TIMEOUT + REQUEST_TIMEOUT)  # the first answer waits for the server's imports
            conn.connect(self.address)
            conn.sendall(json.dumps(request).encode("utf-8") + b"\n")
            line = conn.makefile("rb").readline()
        if not line:
            raise OSError("the shared fork server closed the connection without an answer")
        return json.loads(line)

    def fork(self, argv: list[str], args: list[str], cwd: str, env: dict[str, str], stderr: str | None,
             socket: str | None = None) -> tuple[int, str | None]:
        """As :meth:`ForkServer.fork`."""
        if self.own is None:
            try:
                answer = self._ask({"python": self.python, "argv": argv, "args": args, "cwd": cwd,
                                    "env": _child_env(env), "stderr": stderr, "socket": socket})
            except (OSError, ValueError) as exc:
                answer = {"refused": f"it cannot be reached ({exc})"}
            if "refused" not in answer:
                if "error" in answer:
                    raise ForkServerError(answer["error"])
                return answer["pid"], answer["start"]
            with self.lock:
                if self.own is None:
                    self.refused = answer["refused"]
                    self.own = ForkServer(self.python, self.env)
        return self.own.fork(argv, args, cwd, env, stderr, socket=socket)

    def alive(self) -> bool:
        return self.own.alive() if self.own is not None else True  # an unreachable one is replaced at the fork

    def close(self) -> None:
        if self.own is not None:
            self.own.close()


_servers: dict[tuple, ForkServer | SharedServer] = {}
_servers_lock = threading.Lock()


def _server_key(python: list[str], env: dict[str, str]) -> tuple:
    return (tuple(python), tuple(sorted((k, v) for k, v in env.items() if k not in UNCOMPARED_ENV)))


def server_for(python: list[str], env: dict[str, str]) -> ForkServer | SharedServer:
    """The running server for this interpreter command (with its options) and environment (less
    :data:`PER_REPORT_ENV`), started on first use; ForkServerError if it cannot be. A server for another
    environment is started beside it (the first may still run another thread's kernel). In a batch worker
    (``$PERFKIT_FORKSERVER`` set by :func:`share`) the first choice is the batch's shared server."""
    key = _server_key(python, env)
    with _servers_lock:
        server = _servers.get(key)
        if server is not None and server.alive():
            return server
        server_env = {k: v for k, v in env.items() if k not in UNCOMPARED_ENV}
        shared = os.environ.get(SHARED_ENV)
        if shared and server is None:
            server = _servers[key] = SharedServer(shared, python, server_env)
        else:
            server = _servers[key] = ForkServer(python, server_env)
        return server


def share(python: list[str], env: dict[str, str]) -> str:
    """Start this process's server for ``python`` and ``env`` (as :func:`server_for` would) listening on a
    Unix socket in a private temporary folder, and return the socket's path: a batch passes it to its
    worker processes in ``$PERFKIT_FORKSERVER``, so that one server, started once, forks every report's
    child (and this process's own, the portfolio notebook's). ForkServerError if it cannot be started."""
    from .files import private_dir

    key = _server_key(python, env)
    with _servers_lock:
        server = _servers.get(key)
        if isinstance(server, ForkServer) and server.alive() and server.address:
            return server.address
        address = os.path.join(private_dir("perfkit-forkserver-"), "s")
        try:
            server = ForkServer(python, {k: v for k, v in env.items() if k not in UNCOMPARED_ENV}, listen=address)
        except (ForkServerError, OSError):
            import shutil

            shutil.rmtree(os.path.dirname(address), ignore_errors=True)
            raise
        _servers[key] = server
        return address


def shutdown() -> None:
    """Stop every fork server of this process (at exit)."""
    with _servers_lock:
        for server in _servers.values():
            server.close()
        _servers.clear()


atexit.register(shutdown)


def forkable(cmd: list[str]) -> tuple[list[str], list[str]] | None:
    """(interpreter options, ipykernel's arguments) if ``cmd`` starts ipykernel with this same interpreter
    (``PYTHON [OPTIONS] -m ipykernel_launcher ARGS``, or ``-m ipykernel``), else None. The server is started
    with the same options (``-Xfrozen_modules=off`` in the kernel spec ipykernel installs, for example)."""
    if not cmd:
        return None
    options, i = [], 1
    while i < len(cmd) and cmd[i] != "-m":
        if not cmd[i].startswith("-") or cmd[i] == "-c":
            return None
        takes_value = cmd[i] in ("-X", "-W")
        options += cmd[i:i + 1 + takes_value]
        i += 1 + takes_value
    if i + 1 >= len(cmd) or cmd[i + 1] not in ("ipykernel_launcher", "ipykernel"):
        return None
    try:
        same = os.path.samefile(cmd[0], sys.executable)
    except OSError:
        same = False
    return (options, cmd[i + 2:]) if same else None


class ForkedKernel:
    """What jupyter_client's LocalProvisioner expects of its ``process`` (a Popen) for a kernel the server
    forked: it is not this process's child, so it is watched through /proc (pid and start time) and
    signalled by process group."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, start: str | None):
        self.pid = pid
        self.start = start
        self.returncode: int | None = None
        self.killed = False

    def poll(self) -> int | None:
        if self.returncode is None and (self.start is None or _start_time(self.pid) != self.start):
            self.returncode = -signal.SIGKILL if self.killed else 0
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        import time

        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            if signum == signal.SIGKILL:
                self.killed = True
            os.killpg(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


@lru_cache(maxsize=1)
def fork_provisioner_class() -> type:
    """``ForkProvisioner``: jupyter_client's LocalProvisioner whose kernels are forked by the fork server
    when :func:`forkable` (and started the ordinary way otherwise, or when the server fails, with the reason
    on the kernel's stderr)."""
    from jupyter_client.provisioning import LocalProvisioner

    class ForkProvisioner(LocalProvisioner):
        async def launch_kernel(self, cmd: list[str], **kwargs: Any):
            how = forkable(cmd)
            if how is None:
                return await super().launch_kernel(cmd, **kwargs)
            options, args = how
            env = {k: str(v) for k, v in (kwargs.get("env") or os.environ).items()}
            env["JPY_PARENT_PID"] = str(os.getpid())  # as jupyter_client's launch_kernel sets it
            stderr = kwargs.get("stderr")
            stderr_path = f"/proc/{os.getpid()}/fd/{stderr}" if isinstance(stderr, int) and stderr >= 0 else None
            try:
                pid, start = server_for([cmd[0], *options], env).fork(cmd, args, str(kwargs.get("cwd") or os.getcwd()), env,
                                                          stderr_path)
            except ForkServerError as exc:
                if stderr_path:
                    with open(stderr_path, "a", encoding="utf-8") as f:
                        f.write(f"perfkit: {exc}; this kernel was started the ordinary way\n")
                return await super().launch_kernel(cmd, **kwargs)
            self.process = ForkedKernel(pid, start)
            self.pid = self.pgid = pid
            self.cwd = kwargs.get("cwd", os.getcwd())
            return self.connection_info

    return ForkProvisioner


@lru_cache(maxsize=1)
def kernel_manager_class() -> type:
    """``PerfkitKernelManager``: a Jupyter kernel manager that starts its kernel with extra environment
    variables (``kernel_env``), in ``kernel_cwd`` and with its stderr on file descriptor ``kernel_stderr``,
    all set through the config nbclient hands it; a restart reuses them. (Made on first use: importing
    jupyter_client costs every perfkit command otherwise.)"""
    import uuid

    from jupyter_client.manager import AsyncKernelManager
    from traitlets import Bool, Dict, Int, Unicode

    class PerfkitKernelManager(AsyncKernelManager):
        kernel_env = Dict(config=True, help="variables added to the kernel's environment")
        kernel_cwd = Unicode("", config=True, help="the kernel's working directory")
        kernel_stderr = Int(-1, config=True, help="file descriptor the kernel's stderr goes to (-1: inherited)")
        kernel_fork = Bool(False, config=True, help="fork the kernel from a warm server (perfkit.run.forkserver)")

        async def start_kernel(self, **kw):
            if self.kernel_fork and self.provisioner is None:
                self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
                self.provisioner = fork_provisioner_class()(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec,
                                                            parent=self)
            if self.kernel_env:
                kw["env"] = {**(kw.get("env") or os.environ), **self.kernel_env}
            if self.kernel_cwd:
                kw.setdefault("cwd", self.kernel_cwd)
            if self.kernel_stderr >= 0:
                kw.setdefault("stderr", self.kernel_stderr)
            await super().start_kernel(**kw)

    return PerfkitKernelManager


if __name__ == "__main__":
    serve()
