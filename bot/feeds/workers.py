"""A small pool of worker processes, each running one job at a time under a time limit.

Why not `concurrent.futures.ProcessPoolExecutor`: it cannot tell which process runs a job,
so a job that runs over its time limit could only be stopped by killing every worker (and
every other feed being parsed). Here each worker has its own pipe: the job that overruns
kills its own worker only, and a fresh one takes its place.

A worker leaves when the bot dies, however it dies (SIGKILL, the OOM killer) and whenever:

- on Linux it asks the kernel for SIGKILL when its parent goes (`PR_SET_PDEATHSIG`), which
  works even while a C extension holds the GIL; that request is made as the worker starts,
  and the parent's pid recorded before the spawn is then compared with `os.getppid()`, so a
  bot that died before the request took effect is noticed too (an orphan's parent is 1);
- everywhere, a thread waits for end-of-file on a pipe that only the bot holds open (the
  pipe multiprocessing's spawn opened before the process existed), and the worker's own job
  pipe reads end-of-file too.

PR_SET_PDEATHSIG follows the *thread* that started the process: workers are started from
the event loop's thread, which lives as long as the bot.

A worker does not import the bot's `__main__`. multiprocessing's spawn runs the parent's
main module again in each child, so that functions defined there can be unpickled; under
`banwatch run` that is the console script, which imports the whole CLI (the chat adapters'
settings, the store, the metrics server: about 30 MB a worker, for nothing). Every function
a worker runs here is one of an importable module, so a worker is started as if the bot had
no main module, and imports only what its jobs need.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection, wait
from multiprocessing.context import SpawnContext
from typing import Any

log = logging.getLogger(__name__)

START_TIMEOUT_S = 120.0  # a new worker imports the parser and builds its word lists (~1 s)
ORPHAN_CHECK_S = 1.0  # where no pipe can be watched: how often getppid() is compared
_PR_SET_PDEATHSIG = 1


class WorkerDied(Exception):
    """The worker process ended (killed, out of memory, crashed) before it answered."""


class WorkerOverran(Exception):
    """The job ran past its time limit; its worker was killed."""


def leave_with_parent(parent: int) -> None:
    """Make this process exit when `parent` (its parent's pid, recorded before the spawn)
    is gone; exit now if it already is."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # died before the request above took effect
        os._exit(0)
    me = multiprocessing.parent_process()
    sentinel = me.sentinel if me is not None else None
    threading.Thread(target=_exit_with, args=(parent, sentinel), daemon=True).start()


def _exit_with(parent: int, sentinel: int | None) -> None:
    if sentinel is not None:
        with contextlib.suppress(OSError, ValueError):
            wait([sentinel])  # end-of-file: the bot's end of the pipe is closed
            os._exit(0)
    while os.getppid() == parent:
        time.sleep(ORPHAN_CHECK_S)
    os._exit(0)


def _serve(
    conn: Connection,
    parent: int,
    initializer: Callable[..., None],
    initargs: Sequence[Any],
) -> None:
    """A worker's life: watch the parent, initialise, then answer jobs until told to stop."""
    leave_with_parent(parent)
    initializer(*initargs)
    conn.send(("ready", os.getpid()))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        function, args = job
        try:
            reply: tuple[str, Any] = ("ok", function(*args))
        except Exception as exc:  # sent back and raised in the bot
            reply = ("error", exc)
        try:
            conn.send(reply)
        except Exception as exc:  # an exception that does not pickle
            conn.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))


@contextlib.contextmanager
def _no_main_module() -> Iterator[None]:
    """While a process is spawned: the main module seen by multiprocessing is an empty one,
    without a file or an import name, so the child imports no main module at all."""
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


class Worker:
    """One worker process and the bot's end of its pipe."""

    def __init__(
        self, context: SpawnContext, initializer: Callable[..., None], initargs: Sequence[Any]
    ) -> None:
        mine, theirs = context.Pipe()
        self.process = context.Process(
            target=_serve, args=(theirs, os.getpid(), initializer, initargs), daemon=True
        )
        with _no_main_module():
            self.process.start()
        theirs.close()
        self.conn = mine
        self.ready = False

    @property
    def pid(self) -> int:
        return self.process.pid or 0

    def wait_ready(self, timeout: float = START_TIMEOUT_S) -> None:
        """Block until the worker has initialised (raises WorkerDied if it never does)."""
        if self.ready:
            return
        try:
            if not self.conn.poll(timeout):
                raise WorkerDied(f"worker {self.pid} did not start within {timeout:.0f} s")
            self.conn.recv()
        except (EOFError, OSError) as exc:
            raise WorkerDied(f"worker {self.pid} exited as it started") from exc
        self.ready = True

    def call(self, function: Callable[..., Any], args: tuple[Any, ...], limit: float) -> Any:
        """Run `function(*args)` in the worker (blocking: call it from a thread). Raises what
        the function raised, WorkerDied, or WorkerOverran (the worker is then killed)."""
        self.wait_ready()
        try:
            self.conn.send((function, args))
            if not self.conn.poll(limit):
                self.kill()
                raise WorkerOverran(f"worker {self.pid} ran past {limit:g} s")
            kind, value = self.conn.recv()
        except (EOFError, OSError) as exc:
            raise WorkerDied(f"worker {self.pid} died") from exc
        if kind == "error":
            raise value
        return value

    def stop(self) -> None:
        """Ask the worker to leave once its current job is done."""
        with contextlib.suppress(OSError, ValueError):
            self.conn.send(None)

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5.0)
