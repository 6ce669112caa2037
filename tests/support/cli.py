"""`banwatch …` run as a real process, as a user would: one helper for every CLI test."""

from __future__ import annotations

import subprocess
import sys

TIMEOUT = 60


def banwatch(
    *args: str, env: dict[str, str], stdin: str | bytes = "", check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot ARGS`; stdout and stderr decoded (undecodable bytes replaced, so a
    test can feed bytes that are not UTF-8). `check`: fail unless it exits 0."""
    data = stdin.encode() if isinstance(stdin, str) else stdin
    raw = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=data,
        capture_output=True,
        env=env,
        timeout=TIMEOUT,
        check=False,
    )
    result = subprocess.CompletedProcess(
        raw.args,
        raw.returncode,
        raw.stdout.decode("utf-8", "replace"),
        raw.stderr.decode("utf-8", "replace"),
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result
