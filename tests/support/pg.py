"""A real PostgreSQL for the tests: the `pg_database` fixture gives each test a fresh database
(a `postgresql://` URL) owned by a role that is no superuser, as the bot's would be.

Where the server comes from, in order:
- `BANWATCH_TEST_PG=postgresql://user:password@host:port/db`: that server. The role must be
  allowed to create databases (CREATEDB); each test gets one of its own, dropped at the end.
- `initdb` and `pg_ctl` on PATH or under /usr/lib/postgresql/*/bin: one throwaway cluster per
  test session in a temp folder, on 127.0.0.1 and a free port, removed at the end. As root
  (initdb refuses to run as root) it runs as the `postgres` user, or `nobody`.
- neither: the PostgreSQL variants are skipped with the reason, or fail when
  `BANWATCH_REQUIRE_PG=1` (CI sets it: a skip there would hide a backend not tested).

Each database is a copy of a template the store itself created (schema and extensions, as
the role), so a test starts in milliseconds. Store fixtures take the `database` fixture,
parametrized over `sqlite` and `postgres`; a test marked `sqlite_only` (WAL, file damage,
the file lock, backups of the file) runs on SQLite alone.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from bot.store.pg import PgDatabase

T = TypeVar("T")
ROLE = "banwatch"
ROLE_PASSWORD = "banwatch-test"  # a throwaway cluster on loopback
ADMIN = "bw_admin"
TEMPLATE = "banwatch_template"
MISSING = "PostgreSQL not found: install postgresql or set BANWATCH_TEST_PG=postgresql://…"
BACKENDS = ["sqlite", "postgres"]


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run admin work on its own loop in a thread, apart from any test's loop."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def find_binaries() -> Path | None:
    """The folder holding initdb and pg_ctl, or None."""
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).resolve().parent
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A server where `admin_url` may create databases owned by `role_url`'s role."""

    admin_url: str
    role_url: str
    owner: str
    created: list[str] = field(default_factory=list)
    _numbers: Iterator[int] = field(default_factory=itertools.count)

    def prepare(self) -> None:
        run_async(self._prepare())

    async def _prepare(self) -> None:
        conn = await asyncpg.connect(self.admin_url)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE}_{os.getpid()}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{TEMPLATE}_{os.getpid()}" OWNER "{self.owner}"')
        finally:
            await conn.close()
        self.created.append(f"{TEMPLATE}_{os.getpid()}")
        # The store creates its own schema, as the role, the way `banwatch run` does.
        async with PgDatabase(with_database(self.role_url, f"{TEMPLATE}_{os.getpid()}")):
            pass

    def new_database(self) -> str:
        name = f"banwatch_test_{os.getpid()}_{next(self._numbers)}"
        run_async(self._create(name, f"{TEMPLATE}_{os.getpid()}"))
        self.created.append(name)
        return with_database(self.role_url, name)

    def empty_database(self) -> str:
        """A database with nothing in it (no schema, no extension), owned by the role."""
        name = f"banwatch_empty_{os.getpid()}_{next(self._numbers)}"
        run_async(self._create(name, "template0"))
        self.created.append(name)
        return with_database(self.role_url, name)

    async def _create(self, name: str, template: str) -> None:
        conn = await asyncpg.connect(self.admin_url)
        try:
            await conn.execute(
                f'CREATE DATABASE "{name}" TEMPLATE "{template}" OWNER "{self.owner}"'
                " ENCODING 'UTF8' STRATEGY FILE_COPY"
            )
        finally:
            await conn.close()

    def drop(self, url: str) -> None:
        """Drop a test's database at its end (a cluster of hundreds of them is gigabytes)."""
        name = urlsplit(url).path.lstrip("/")

        async def drop() -> None:
            conn = await asyncpg.connect(self.admin_url)
            try:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            finally:
                await conn.close()

        run_async(drop())
        self.created.remove(name)

    def drop_all(self) -> None:
        async def drop() -> None:
            conn = await asyncpg.connect(self.admin_url)
            try:
                for name in self.created:
                    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            finally:
                await conn.close()

        with contextlib.suppress(Exception):
            run_async(drop())


class Cluster:
    """A throwaway cluster: initdb in a temp folder, pg_ctl start on 127.0.0.1."""

    def __init__(self, binaries: Path) -> None:
        self.bin = binaries
        self.root = Path(tempfile.mkdtemp(prefix="banwatch-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.admin_password = "bw-admin-test"
        self.user: str | None = None
        if os.geteuid() == 0:  # initdb refuses to run as root
            self.user = _unprivileged_user()
            os.chown(self.root, pwd.getpwnam(self.user).pw_uid, pwd.getpwnam(self.user).pw_gid)

    def _run(self, *args: str) -> None:
        prefix = ["runuser", "-u", self.user, "--"] if self.user else []
        done = subprocess.run(
            [*prefix, *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
            cwd=self.root,  # a folder the unprivileged user may enter
        )
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed: {done.stderr or done.stdout}")

    def start(self) -> Server:
        pwfile = self.root / "pw"
        pwfile.write_text(self.admin_password + "\n", encoding="utf-8")
        if self.user:
            os.chown(pwfile, pwd.getpwnam(self.user).pw_uid, -1)
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            ADMIN,
            f"--pwfile={pwfile}",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port}"
            f" -c unix_socket_directories={self.root} -c fsync=off -c synchronous_commit=off"
            " -c full_page_writes=off -c max_connections=200 -c shared_buffers=32MB"
        )
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.root / "log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )
        admin = f"postgresql://{ADMIN}:{self.admin_password}@127.0.0.1:{self.port}/postgres"
        run_async(self._make_role(admin))
        role = f"postgresql://{ROLE}:{ROLE_PASSWORD}@127.0.0.1:{self.port}/postgres"
        return Server(admin_url=admin, role_url=role, owner=ROLE)

    async def _make_role(self, admin: str) -> None:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(
                f"CREATE ROLE {ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE"
                f" PASSWORD '{ROLE_PASSWORD}'"
            )
        finally:
            await conn.close()

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


def _unprivileged_user() -> str:
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise RuntimeError("running as root and no `postgres` or `nobody` user to run initdb as")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Server | str]:
    """The session's server, or the reason there is none (a string)."""
    given = os.environ.get("BANWATCH_TEST_PG")
    if given:
        user = urlsplit(given).username or ""
        server = Server(admin_url=given, role_url=given, owner=user)
        server.prepare()
        yield server
        server.drop_all()
        return
    binaries = find_binaries()
    if binaries is None:
        yield MISSING
        return
    cluster = Cluster(binaries)
    try:
        server = cluster.start()
        server.prepare()
    except Exception as exc:
        cluster.stop()
        yield f"PostgreSQL did not start: {exc}"
        return
    try:
        yield server
    finally:
        cluster.stop()


def _need(server: Server | str) -> Server:
    if isinstance(server, str):
        if os.environ.get("BANWATCH_REQUIRE_PG") == "1":
            pytest.fail(f"{server} (BANWATCH_REQUIRE_PG=1)")
        pytest.skip(server)
    return server


@pytest.fixture
def pg_database(pg_server: Server | str) -> Iterator[str]:
    """A fresh database with the store's schema, owned by a role that is no superuser."""
    server = _need(pg_server)
    url = server.new_database()
    yield url
    server.drop(url)


@pytest.fixture
def pg_empty_database(pg_server: Server | str) -> Iterator[str]:
    """A fresh, empty database (no schema, no extension) owned by that role."""
    server = _need(pg_server)
    url = server.empty_database()
    yield url
    server.drop(url)


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Where a test's store lives: a SQLite file in its temp folder, or a fresh PostgreSQL
    database. Store fixtures take it, so a test runs once on each backend."""
    if request.param == "sqlite":
        return tmp_path / "banwatch.db"
    return str(request.getfixturevalue("pg_database"))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only: store behaviour of SQLite alone (WAL, the file, its lock)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test marked sqlite_only keeps its SQLite variant only (deselected, not skipped)."""
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("database") if callspec is not None else None
        if backend == "postgres" and item.get_closest_marker("sqlite_only"):
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
