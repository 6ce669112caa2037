"""The core stays free of chat libraries: only bot/adapters/ may import them; the bot's own
process imports no feed parser (its parse workers do)."""

from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parent.parent / "bot"
CHAT_LIBRARIES = {"telegram", "discord"}


def imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_no_module_outside_adapters_imports_a_chat_library() -> None:
    offenders = {
        str(path.relative_to(BOT)): sorted(imported_roots(path) & CHAT_LIBRARIES)
        for path in BOT.rglob("*.py")
        if "adapters" not in path.relative_to(BOT).parts
    }
    assert {name: libs for name, libs in offenders.items() if libs} == {}


def test_the_check_sees_imports_of_every_form(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import telegram.ext\nfrom discord import Client\nfrom . import local\n")
    assert imported_roots(sample) == {"telegram", "discord"}


# What the bot's own process leaves to the processes that need it (memory: about 7 MB for
# the parsers, which run in the parse workers; 10 MB for the metrics server, when asked).
NOT_IN_THE_BOT = ("feedparser", "fastfeedparser", "lxml", "aiohttp", "prometheus_client")


def test_the_bot_process_imports_no_feed_parser_nor_metrics_server() -> None:
    import subprocess
    import sys

    probe = "import sys, bot.cli, bot.app; print(*sorted(set(sys.modules) & set(sys.argv[1:])))"
    done = subprocess.run(
        [sys.executable, "-c", probe, *NOT_IN_THE_BOT],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=BOT.parent,
    )
    assert done.stdout.split() == []
