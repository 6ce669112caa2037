"""The `banwatch` command (also `python -m bot`)."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Column, Table
from rich.text import Text

from bot import app as runner
from bot.adapters.console import render_plain
from bot.clitext import for_cli, utf8_lines, write_problem
from bot.commands import Invocation, Reply
from bot.commands.admin import feed_status, shown_url
from bot.config import Settings, load_settings
from bot.errors import BanwatchError, StoreError, UsageError
from bot.feeds.poller import PollReport
from bot.redact import REDACTOR
from bot.store import Store
from bot.store.move import PLAN, Moved, Mover, Watcher
from bot.store.paths import database_path_problem
from bot.store.pg import display, is_url
from bot.text import strip_controls

T = TypeVar("T")
BACKUP = "banwatch-backup.db"  # the file name suggested when a folder is given
FEEDBACK = "feedback.jsonl"
WIDE = 10_000  # columns of `feeds list` written to a pipe or a file: URLs never folded

cli = typer.Typer(
    help="Banwatch: crypto platform bans and regulation from news feeds, in chat.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)
feeds_cli = typer.Typer(help="List, add, remove, import and export feeds.", no_args_is_help=True)
cli.add_typer(feeds_cli, name="feeds")
feedback_cli = typer.Typer(
    help="Feedback pressed on alerts (useful, wrong flag).", no_args_is_help=True
)
cli.add_typer(feedback_cli, name="feedback")
err = Console(stderr=True, soft_wrap=True)  # one error, one line: never wrapped


def fail(message: str) -> typer.Exit:
    """One line on stderr (secrets masked, control characters dropped, never read as
    markup); exit status 2."""
    line = escape(strip_controls(REDACTOR(message)))
    err.print(f"[bold red]banwatch:[/] {line}", highlight=False, markup=True)
    return typer.Exit(2)


def require_database(cfg: Settings) -> None:
    """Reading commands use the bot's database and never create one: without it, say which
    file was looked for and how to get one. (A PostgreSQL database is the server's: the
    store creates its schema when it opens.)"""
    path = cfg.database
    if not isinstance(path, Path) or str(path) == ":memory:" or path.exists():
        return
    raise fail(
        database_path_problem(path)
        or f"no database at {path}: run `banwatch fetch --once` (or `banwatch run`) first, "
        "or set BOT_DATABASE to the bot's database"
    )


def settings() -> Settings:
    try:
        loaded = load_settings()
    except BanwatchError as exc:
        raise fail(f"configuration error: {exc}") from None
    runner.configure_logging(loaded)
    return loaded


def run_async(coro: Awaitable[T]) -> T:
    async def main() -> T:
        return await coro

    try:
        return asyncio.run(main())
    except BanwatchError as exc:
        raise fail(str(exc)) from None
    except KeyboardInterrupt:
        raise typer.Exit(130) from None


@contextmanager
def poll_progress(
    total: int | None = None, console: Console | None = None
) -> Iterator[Callable[[PollReport], None]]:
    """A progress bar on stderr while feeds are polled, gone when they are; failures
    printed one line each (and not logged besides: see `Poller.poll_once`)."""
    with Progress(
        TextColumn("polling feeds"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console or err,
        transient=True,
    ) as progress:
        task = progress.add_task("poll", total=total)

        def advance(report: PollReport) -> None:
            progress.advance(task)
            if report.error and report.outcome != "offline":  # offline: one log line for all
                feed = report.feed
                name = feed.title or shown_url(feed.url)
                line = strip_controls(f"✗ {name}: {report.error}")
                if report.outcome == "disabled" and feed.failures:  # not logged besides
                    line += (
                        f" (disabled after {feed.failures} failures: tried again once a day,"
                        f" or now with `banwatch feeds enable {feed.id}`)"
                    )
                progress.console.print(line, highlight=False, markup=False)

        yield advance


def version() -> str:
    """The installed Banwatch's version ("unknown" when run from a copy not installed)."""
    try:
        return metadata.version("banwatch")
    except metadata.PackageNotFoundError:
        return "unknown"


def _print_version(value: bool) -> None:
    if value:
        print(f"banwatch {version()}")
        raise typer.Exit


@cli.callback(invoke_without_command=True)
def main_callback(
    ctx: typer.Context,
    show_version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print Banwatch's version and exit.",
        ),
    ] = False,
) -> None:
    if ctx.invoked_subcommand is None:
        err.print(ctx.get_help())


@cli.command()
def run() -> None:
    """Run the bot: Discord and/or Telegram when their tokens are set, else the terminal chat."""
    cfg = settings()
    if cfg.discord_bot_token is not None:
        run_async(runner.run_discord(cfg))  # with Telegram beside it when its token is set
    elif cfg.telegram_bot_token is not None:
        run_async(runner.run_telegram(cfg))
    else:
        err.print("No TELEGRAM_BOT_TOKEN set: starting the terminal chat.", highlight=False)
        chat_with(cfg, poll=True)


@cli.command()
def worker() -> None:
    """Poll feeds and send alerts and digests, without taking chat updates. Run any number
    beside `banwatch run` on one PostgreSQL database: they share the work."""
    cfg = settings()
    run_async(runner.run_worker(cfg))


@cli.command()
def chat(
    poll: Annotated[
        bool,
        typer.Option(help="Poll the feeds: once before the chat starts, then every interval."),
    ] = True,
) -> None:
    """Chat with the bot in the terminal (reads commands from stdin; exits on EOF)."""
    chat_with(settings(), poll=poll)


def chat_with(cfg: Settings, *, poll: bool) -> None:
    async def go() -> None:
        await runner.run_chat(cfg, first_poll=poll, progress=poll_progress)

    run_async(go())


@cli.command()
def fetch(
    once: Annotated[bool, typer.Option("--once", help="Poll every feed once, then stop.")] = False,
) -> None:
    """Poll the feeds: once with --once (progress bar and a summary), else until stopped."""
    cfg = settings()

    async def go() -> None:
        async with runner.services(cfg, exclusive=True) as svc:
            if not once:
                _, serve = runner.metrics_server(svc)  # /healthz and /metrics, when asked
                await runner.run_until_stopped(svc.poller.run(), *serve)
                return
            feeds = await svc.poller.pollable()
            with poll_progress(len(feeds)) as advance:
                reports = await svc.poller.poll_once(feeds, progress=advance)
            print(runner.summary_line(reports))

    run_async(go())


def _command(name: str, args: str, page: int = 1, *, read: bool = True) -> None:
    """Run a chat command and print its reply in command-line words; a usage hint or a
    refusal goes to stderr with exit status 2. `read`: needs an existing database."""
    cfg = settings()
    if read:
        require_database(cfg)

    async def go() -> Reply:
        async with runner.services(cfg) as svc:
            inv = Invocation("console", "cli", name, args, user_id="console", page=page)
            return for_cli(await svc.commands.run(inv))

    reply = run_async(go())
    if reply.error:
        raise fail(render_plain(reply).replace("\n", " "))
    print(render_plain(reply))
    if name in ("latest", "search") and not reply.entries:
        err.print(f"(read from the database {cfg.database_name})", highlight=False, markup=False)


@cli.command()
def latest(
    words: Annotated[
        list[str] | None,
        typer.Argument(
            help=escape("[N] [bans|regulation|all]: how many (1-20, default 5) and which kind"),
            metavar="WORDS",
        ),
    ] = None,
    page: Annotated[int, typer.Option(min=1, max=50, help="Result page")] = 1,
) -> None:
    """Show the newest flagged items (N a page; --page for the next ones)."""
    _command("latest", " ".join(words or []), page)


@cli.command()
def search(
    query: Annotated[list[str], typer.Argument(help="Words to look for")],
    page: Annotated[int, typer.Option(min=1, max=50, help="Result page (5 results a page)")] = 1,
) -> None:
    """Search every stored item (full text, accents ignored)."""
    _command("search", " ".join(query), page)


@cli.command()
def check() -> None:
    """Check the whole database (SQLite's integrity_check) and the search index, which the
    bot's start only checks in full after a crash or a change by another program."""
    cfg = settings()
    require_database(cfg)

    async def go() -> list[str]:
        async with Store.open(cfg.database, full_check=True) as store:
            problems = await store.db.integrity_check()
            if await store.search.check_index(thorough=True):
                problems.append("the search index was damaged: rebuilt it from the items")
            return problems

    problems = run_async(go())
    if problems:
        raise fail(f"database {cfg.database_name} is damaged: {'; '.join(problems[:5])}")
    print(f"database {cfg.database_name}: ok")


@cli.command()
def backup(target: Annotated[Path, typer.Argument(help="Where to write the copy")]) -> None:
    """Copy the database safely while the bot runs (SQLite online backup)."""
    cfg = settings()
    require_database(cfg)
    if not isinstance(cfg.database, Path):
        raise fail(
            f"`banwatch backup` copies a SQLite file; back up {cfg.database_name} with pg_dump "
            '(`pg_dump -Fc -f banwatch.dump "$BOT_DATABASE"`)'
        )
    if target.is_dir():
        folder = write_problem(IsADirectoryError(), target, BACKUP)
        raise fail(f"cannot back up to {target}: {folder}")
    if target.exists() and target.resolve() == cfg.database.resolve():
        raise fail(f"cannot back up {target} onto itself: give another file name")
    existed = target.exists()

    async def go() -> str | None:
        async with runner.services(cfg) as svc:
            try:
                await svc.store.backup(target)
            except (OSError, sqlite3.Error) as exc:
                if not existed and target.is_file():
                    target.unlink()  # no half-written copy left behind
                return write_problem(exc, target, BACKUP)
        return None

    problem = run_async(go())
    if problem is not None:
        raise fail(f"cannot back up to {target}: {problem}")
    print(f"backed up {cfg.database_name} to {target}")


class _Bar(Watcher):
    """The move's phases on one progress bar."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task = progress.add_task("", total=None)

    def phase(self, description: str, total: int) -> None:
        self.progress.update(self.task, description=description, total=total, completed=0)

    def advance(self, rows: int) -> None:
        self.progress.advance(self.task, rows)


def _target(url: str) -> str:
    """The --to URL, checked as BOT_DATABASE's is."""
    shape = (  # no `user:password@` in it: error lines mask what stands there
        "--to takes a PostgreSQL URL, postgresql://user@host:port/database with "
        "`:password` after the user"
    )
    if not is_url(url):
        raise fail(f"{shape}, not {url!r}")
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - raises on a port that is no number
    except ValueError:
        raise fail(f"{shape}: the port in {url!r} is not a number") from None
    if not parts.hostname and "host=" not in parts.query:
        raise fail(f"{shape}: {url!r} names no host")
    if parts.password:  # masked wherever it shows, in the URL or alone
        REDACTOR.update([parts.password])
    return url


def _about_target(exc: StoreError) -> StoreError:
    """The store's refusal to open the target, in the words of this command."""
    text = str(exc).replace("check BOT_DATABASE", "check the URL given to --to")
    return StoreError(text.replace("set BOT_DATABASE to another database", "stop it first"))


@cli.command()
def migrate(
    to: Annotated[
        str,
        typer.Option(
            "--to",
            metavar="URL",
            help="The PostgreSQL database to copy into: postgresql://user:password@host/db",
        ),
    ],
) -> None:
    """Copy the SQLite store (BOT_DATABASE) into PostgreSQL, every id kept; running it again
    copies nothing new."""
    url = _target(to)
    cfg = settings()
    if not isinstance(cfg.database, Path):
        raise fail(
            f"BOT_DATABASE is PostgreSQL already ({cfg.database_name}); `banwatch migrate` "
            "copies a SQLite store: set BOT_DATABASE to its file"
        )
    require_database(cfg)
    source, target = str(cfg.database), display(url)
    user = urlsplit(url).username or "ROLE"
    fix = (
        "give --to a new, empty database (for example `createdb --owner="
        f"{user} banwatch_new`, then --to …/banwatch_new)"
    )

    async def go() -> Moved:
        async with contextlib.AsyncExitStack() as stack:
            mine = await stack.enter_async_context(Store.open(cfg.database, exclusive=True))
            try:
                theirs = await stack.enter_async_context(Store.open(url, exclusive=True))
            except StoreError as exc:
                raise _about_target(exc) from None
            # On PostgreSQL no lock keeps a second process out: a running bot or worker is
            # seen by the lease its sender renews.
            if held := await theirs.leases.live():
                raise StoreError(
                    f"another Banwatch is already running on {target} (it holds "
                    f"{', '.join(held)}): stop it, then run `banwatch migrate` again"
                )
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=err,
                transient=True,
            ) as progress:
                mover = Mover(
                    mine.db,
                    theirs.db,
                    source_name=source,
                    target_name=target,
                    fix=fix,
                    watcher=_Bar(progress),
                )
                return await mover.run()

    moved = run_async(go())
    if not moved.changed:
        print(f"nothing to move: {target} holds every row of {source} already; nothing changed")
        return
    counts = ", ".join(f"{t.name} {moved.copied[t.name]}" for t in PLAN if moved.copied.get(t.name))
    counts = counts or "no new rows (the id sequences set past the copied ids)"
    print(f"moved {source} into {target}, every id kept: {counts}")
    print(f"to run the bot on it, set BOT_DATABASE to {target} (with its password)")


@cli.command()
def classify(
    file: Annotated[
        Path | None,
        typer.Argument(
            help="JSON Lines file (default: stdin)", dir_okay=False, exists=True, allow_dash=True
        ),
    ] = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="add the rules that decided each verdict")
    ] = False,
) -> None:
    """Classify JSON Lines items ({"id", "title", "summary", "lang"?}); one JSON line out each.
    A malformed line gives an error object for that line; the command still exits 0."""
    cfg = settings()
    from bot.classify.jsonl import classify_stream

    with utf8_input(file) as lines:
        classify_stream(lines, sys.stdout, runner.make_classifier(cfg), explain=explain)


@contextmanager
def utf8_input(file: Path | None) -> Iterator[Iterator[str]]:
    """The lines of `file` (stdin for None or "-"); a line that is not UTF-8 stops the
    command with one line naming the file and the fix."""
    try:
        if file is None or str(file) == "-":
            yield utf8_lines(sys.stdin.buffer, "stdin")
            return
        with file.open("rb") as raw:
            yield utf8_lines(raw, str(file))
    except UsageError as exc:
        raise fail(str(exc)) from None


@cli.command("eval")
def evaluate(
    file: Annotated[
        Path,
        typer.Argument(
            help="JSON Lines with a 'label' field", dir_okay=False, exists=True, allow_dash=True
        ),
    ],
) -> None:
    """Precision, recall and F1 per category and per language, and the confusion matrix."""
    from bot.classify.jsonl import evaluate as run_eval

    classifier = runner.make_classifier(settings())
    with utf8_input(file) as lines:
        run_eval(lines, sys.stdout, classifier)


@cli.command("rules")
def rules(
    impact: Annotated[
        list[Path] | None,
        typer.Option(
            "--impact",
            help="labelled JSON Lines: count the verdicts each rule changes when switched off",
        ),
    ] = None,
) -> None:
    """The classifier's rule book: every rule in the order it runs, with its effect."""
    from bot.classify.jsonl import rule_impact
    from bot.classify.rules import RULES

    counts = (
        rule_impact([str(p) for p in impact], runner.make_classifier(settings())) if impact else {}
    )
    for rule in RULES:
        line = f"{rule.id:24} {rule.purpose} — {rule.effect}"
        if rule.id in counts:
            changed, fixed, broken = counts[rule.id]
            line = f"{rule.id:24} changes {changed:4} (off would fix {fixed}, break {broken})"
        typer.echo(line)


@feeds_cli.command("list")
def feeds_list() -> None:
    """Every feed with its health."""
    cfg = settings()
    require_database(cfg)

    async def go() -> Table:
        async with runner.services(cfg) as svc:
            counts = await svc.store.feeds.item_counts()
            now = svc.store.clock.now()
            # A URL is never cut: folded on a terminal, whole on its line in a pipe or file.
            table = Table("id", Column("feed", overflow="fold"), "items", "status")
            for f in await svc.store.feeds.all():
                url = shown_url(f.url)
                name = f"{f.title}\n{url}" if f.title else url
                status = feed_status(f, now)
                # Text, not str: a cell given as str is read as markup ("[/x]" raises).
                cells = (str(f.id), name, str(counts.get(f.id or 0, 0)), status)
                table.add_row(*(Text(strip_controls(c)) for c in cells))
            return table

    out = Console()
    if not out.is_terminal:  # a pipe or a file: as wide as the table needs
        out = Console(width=WIDE)
    out.print(run_async(go()))


@feeds_cli.command("add")
def feeds_add(
    url: Annotated[str, typer.Argument(help="The feed's address (RSS or Atom), http(s)://…")],
) -> None:
    """Watch a new feed."""
    _command("addfeed", url, read=False)


@feeds_cli.command("remove")
def feeds_remove(
    feed_id: Annotated[int, typer.Argument(help="The feed's number (feeds list)")],
) -> None:
    """Stop watching a feed (its items go too)."""
    _command("removefeed", str(feed_id))


@feeds_cli.command("enable")
def feeds_enable(
    feed_id: Annotated[int | None, typer.Argument(help="The feed's number (feeds list)")] = None,
    every: Annotated[bool, typer.Option("--all", help="Every disabled feed")] = False,
) -> None:
    """Poll disabled feeds again: one by its number, or every one with --all."""
    if (feed_id is None) != every:
        raise fail("give a feed's number or --all")
    _command("enablefeeds", "" if feed_id is None else str(feed_id))


@feeds_cli.command("import")
def feeds_import(
    file: Annotated[
        Path,
        typer.Argument(help="OPML (language and category kept) or text, one URL a line"),
    ],
) -> None:
    """Add the feeds listed in an OPML file or a text file (one URL a line)."""
    cfg = settings()
    from bot.feeds.feedlist import read_feed_list

    async def go() -> tuple[int, int]:
        specs = read_feed_list(file)
        async with runner.services(cfg) as svc:
            added = await svc.store.feeds.add_many(
                (s.url, s.title, s.lang, s.category) for s in specs
            )
        return added, len(specs)

    added, total = run_async(go())
    print(f"imported {added} new feeds ({total - added} already there) from {file}")


@feeds_cli.command("export")
def feeds_export(
    file: Annotated[
        Path | None, typer.Argument(help="OPML file to write (default: stdout)")
    ] = None,
) -> None:
    """Write the feeds as OPML, with each feed's language and category (its folder)."""
    cfg = settings()
    require_database(cfg)
    if file is not None and file.is_dir():
        problem = write_problem(IsADirectoryError(), file, "feeds.opml")
        raise fail(f"cannot write {file}: {problem}")
    from bot.feeds.feedlist import FeedSpec, export_opml

    async def go() -> str:
        async with runner.services(cfg) as svc:
            categories = await svc.store.feeds.categories()
            return export_opml(
                FeedSpec(f.url, f.title, f.lang, categories.get(f.id or 0, ""))
                for f in await svc.store.feeds.all()
            )

    text = run_async(go())
    if file is None:
        sys.stdout.write(text)
    else:
        try:
            file.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise fail(f"cannot write {file}: {write_problem(exc, file, 'feeds.opml')}") from None
        print(f"wrote {file}")


@feedback_cli.command("export")
def feedback_export(
    file: Annotated[Path, typer.Argument(help="JSON Lines file to write ('-': stdout)")],
) -> None:
    """Write the items pressed "useful" or "wrong flag" as labelled JSON Lines for
    `banwatch eval`: "useful" suggests the flagged category, "wrong flag" none. Nothing
    pressed: an empty file."""
    cfg = settings()
    require_database(cfg)
    if file.is_dir():
        raise fail(f"cannot write {file}: {write_problem(IsADirectoryError(), file, FEEDBACK)}")
    from bot.feedback_export import export_lines

    async def go() -> tuple[str, int]:
        async with Store.open(cfg.database) as store:
            pressed = await store.feedback.pressed()
        return export_lines(pressed), len(pressed)

    text, count = run_async(go())
    if str(file) == "-":
        sys.stdout.write(text)
        return
    try:
        file.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise fail(f"cannot write {file}: {write_problem(exc, file, FEEDBACK)}") from None
    print(f"wrote {count} labelled items to {file} (labels suggested from the presses)")


def main(argv: list[str] | None = None) -> Any:
    return cli(args=argv)
