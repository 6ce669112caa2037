"""One running Banwatch per SQLite file: an exclusive `flock` on `<database>.lock`.

The bot (and the other long-running entry points: the terminal chat, `fetch`) open the store
with `exclusive=True`, which takes the lock for the life of the store; read commands
(`latest`, `search`, `backup`, `feeds list` …) don't, and keep working while the bot runs.
The kernel drops a flock when the process holding it dies, however it dies, so a crash never
leaves a stale lock; the file itself stays (removing it would let two processes lock two
different files of the same name). It holds the pid of its holder, for the refusal message.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from bot.errors import StoreError


def lock_path(database: Path) -> Path:
    """`<database>.lock`, beside the real file (symbolic links followed), so that two
    spellings of one database share one lock."""
    real = database.resolve()
    return real.with_name(real.name + ".lock")


class InstanceLock:
    def __init__(self, database: Path) -> None:
        self.database = database
        self.path = lock_path(database)
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock, or raise StoreError naming the process that has it."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:  # the database itself could not be created there either
            raise StoreError(
                f"cannot open database {self.database}: {exc.strerror or exc}; "
                "set BOT_DATABASE to a path you can write"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(fd)
            os.close(fd)
            raise StoreError(
                f"another Banwatch is already running on {self.database} (pid {holder}); "
                "stop it or set BOT_DATABASE to another file"
            ) from None
        except OSError as exc:
            os.close(fd)
            raise StoreError(f"cannot lock {self.path}: {exc.strerror or exc}") from exc
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing the only descriptor drops the flock
            self._fd = None


def held_by_another(database: Path) -> bool:
    """Does a live process other than this one hold the file's lock? Read from the pid in
    the lock file (a crash leaves its pid, but that process is gone), without locking."""
    try:
        text = lock_path(database).read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return False
    if not text.isdecimal() or int(text) == os.getpid():
        return False
    try:
        os.kill(int(text), 0)
    except ProcessLookupError:
        return False
    except OSError:  # alive, another user's
        return True
    return True


def _read_pid(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return "unknown"
    return text if text.isdecimal() else "unknown"
