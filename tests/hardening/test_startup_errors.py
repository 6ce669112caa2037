"""`banwatch run` when the chat platform says no: a rejected token, no server, a server that
answers HTML, a proxy's 502 page that quotes the request path (and so the token). The bot
runs as a real process against servers on 127.0.0.1; only Discord's base URL is pointed at
them (discord.py has no setting for it). Each failed start is one line naming the cause and
the setting, with a non-zero exit, and the token appears nowhere in the output."""

from __future__ import annotations

import errno
import itertools
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from telegram.error import NetworkError, TimedOut

from bot.adapters.telegram.app import startup_error
from tests.support.botapi import FakeBotAPI

TIMEOUT = 60
REJECTED = "222222:AAE-rejected-Secret-Half-0123456789"  # a token the server does not know
DISCORD_TOKEN = "MTAxMjM0.Discord-Secret.Part-0123456789"
# Runs the real CLI with discord.py's REST base pointed at a local server (argv[1]).
DISCORD_RUN = (
    "import sys, discord.http; discord.http.Route.BASE = sys.argv.pop(1); "
    "from bot.cli import main; main(['run'])"
)

Body = Callable[[str], tuple[int, str, str]]  # request path -> status, content type, body


class Canned:
    """An HTTP server on 127.0.0.1 that answers every request from `body(path)`."""

    def __init__(self, body: Body) -> None:
        self.paths: list[str] = []
        canned = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                canned.paths.append(self.path)
                status, kind, text = body(self.path)
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def bad_gateway(path: str) -> tuple[int, str, str]:
    """A proxy's error page that quotes the request path (for Telegram, the token)."""
    return 502, "text/html", f"<html><h1>502 Bad Gateway</h1><p>upstream failed: {path}</p></html>"


def web_page(path: str) -> tuple[int, str, str]:
    return 200, "text/html", "<!doctype html><html><body>Welcome to the hotel Wi-Fi</body></html>"


def discord_401(path: str) -> tuple[int, str, str]:
    return 401, "application/json", '{"message": "401: Unauthorized", "code": 0}'


@pytest.fixture
def canned() -> Iterator[Callable[[Body], Canned]]:
    servers: list[Canned] = []

    def make(body: Body) -> Canned:
        servers.append(Canned(body))
        return servers[-1]

    yield make
    for server in servers:
        server.close()


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port that refuses connections: bound (so nobody else takes it) and never
    listening."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    feeds = tmp_path / "feeds.txt"
    feeds.write_text("http://127.0.0.1:9/feed.rss\n")
    passed = ("PATH", "HOME", "LANG", "PYTHONPATH", "SYSTEMROOT")
    return {k: v for k, v in os.environ.items() if k in passed} | {
        "PYTHONUNBUFFERED": "1",
        "NO_COLOR": "1",
        "BOT_FEEDS": str(feeds),
        "BOT_DATABASE": str(tmp_path / "bw.db"),
        "BOT_ALLOW_PRIVATE_FEEDS": "1",
        "BOT_PARSE_WORKERS": "0",
        "BOT_LOG_LEVEL": "WARNING",
    }


def run(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *argv] if argv else [sys.executable, "-m", "bot", "run"],
        capture_output=True,
        text=True,
        env=env,
        timeout=TIMEOUT,
        check=False,
    )


def the_one_line(result: subprocess.CompletedProcess[str], *secrets: str) -> str:
    """The run failed with one line on stderr, nothing on stdout, and no secret (nor the
    secret half of a Telegram token) anywhere."""
    output = result.stdout + result.stderr
    for secret in secrets:
        assert secret not in output
        if ":" in secret:  # a Telegram token: its secret half neither
            assert secret.partition(":")[2] not in output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode != 0, output
    assert len(lines) == 1, output
    assert result.stdout == ""
    return lines[0]


def test_a_rejected_telegram_token_is_one_line(bot_api: FakeBotAPI, env: dict[str, str]) -> None:
    result = run(env | {"TELEGRAM_BOT_TOKEN": REJECTED, "TELEGRAM_API_URL": bot_api.url})
    line = the_one_line(result, REJECTED)
    assert line == "banwatch: Telegram rejected the token: check TELEGRAM_BOT_TOKEN"


def test_a_rejected_token_logs_no_token_at_the_default_level(
    bot_api: FakeBotAPI, env: dict[str, str]
) -> None:
    """At INFO (the default) start-up logs a few lines; none has the token or a traceback."""
    env = env | {"TELEGRAM_BOT_TOKEN": REJECTED, "TELEGRAM_API_URL": bot_api.url}
    result = run(env | {"BOT_LOG_LEVEL": "INFO"})
    assert result.returncode != 0
    assert REJECTED not in result.stderr
    assert REJECTED.partition(":")[2] not in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.rstrip().endswith("Telegram rejected the token: check TELEGRAM_BOT_TOKEN")


def test_no_telegram_server_is_one_line_naming_the_setting(
    env: dict[str, str], closed_port: int
) -> None:
    url = f"http://127.0.0.1:{closed_port}"
    result = run(env | {"TELEGRAM_BOT_TOKEN": REJECTED, "TELEGRAM_API_URL": url})
    line = the_one_line(result, REJECTED)
    assert line == (
        f"banwatch: cannot reach the Telegram Bot API at {url} (connection refused): "
        "check your network or TELEGRAM_API_URL"
    )


def test_a_telegram_api_url_answering_html_is_one_line(
    env: dict[str, str], canned: Callable[[Body], Canned]
) -> None:
    portal = canned(web_page)
    result = run(env | {"TELEGRAM_BOT_TOKEN": REJECTED, "TELEGRAM_API_URL": portal.url})
    line = the_one_line(result, REJECTED)
    assert f"the Telegram Bot API at {portal.url} did not answer as the Bot API does" in line
    assert "TELEGRAM_API_URL" in line
    assert portal.paths  # it was asked


def test_a_502_page_quoting_the_token_at_start_is_one_line_without_it(
    env: dict[str, str], canned: Callable[[Body], Canned]
) -> None:
    proxy = canned(bad_gateway)
    result = run(env | {"TELEGRAM_BOT_TOKEN": REJECTED, "TELEGRAM_API_URL": proxy.url})
    line = the_one_line(result, REJECTED)
    assert "answered Bad Gateway (502)" in line
    assert "TELEGRAM_API_URL" in line
    assert any(REJECTED in path for path in proxy.paths)  # the page did quote the token


class FlakyGateway(FakeBotAPI):
    """The fake Bot API behind a proxy that, once `broken`, answers getUpdates with a 502
    page quoting the request path, token included."""

    def __init__(self) -> None:
        super().__init__()
        self.broken = False
        self.pages = 0

    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        if self.broken and "/getUpdates" in request.path:
            status, kind, text = bad_gateway(request.path)
            data = text.encode()
            request.send_response(status)
            request.send_header("Content-Type", kind)
            request.send_header("Content-Length", str(len(data)))
            request.end_headers()
            request.wfile.write(data)
            self.pages += 1
            return
        super()._serve(request)


@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
def test_a_running_bot_logs_a_502_page_quoting_the_token_without_it(
    env: dict[str, str], level: str, tmp_path: Path
) -> None:
    """The token was on 5 lines: the library's exception (logged with its traceback) quoted
    the page. The formatter masks the message and the traceback."""
    api = FlakyGateway()
    api.start()
    # Files, not pipes: nobody reads a pipe while the bot runs, and DEBUG fills one (64 KB)
    # within its first second, which would stop the bot at its next log line.
    with (tmp_path / "out.log").open("w") as out_file, (tmp_path / "err.log").open("w") as errs:
        bot = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            env=env
            | {"TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_API_URL": api.url}
            | {"BOT_LOG_LEVEL": level},
            stdout=out_file,
            stderr=errs,
        )
    try:
        deadline = time.monotonic() + TIMEOUT / 2
        while not api.called("getUpdates") and time.monotonic() < deadline:
            time.sleep(0.05)  # bounded: the bot is starting
        api.broken = True
        # A second page means the first one's error was handled and logged (the library
        # retries after logging it); more pages only wait out its backoff.
        while api.pages < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert api.pages >= 2, "the bot did not poll through the broken proxy"
        bot.send_signal(signal.SIGTERM)
        bot.wait(timeout=TIMEOUT / 2)
    finally:
        if bot.poll() is None:
            bot.kill()
            bot.wait()
        api.stop()
    out = (tmp_path / "out.log").read_text()
    err = (tmp_path / "err.log").read_text()
    assert "502" in err  # the failure was logged ...
    assert api.token not in out + err  # ... without the token
    assert api.token.partition(":")[2] not in out + err
    assert "upstream failed: /bot<secret>/getUpdates" in err  # where the page had it


def test_a_rejected_discord_token_is_one_line_without_voice_warnings(
    env: dict[str, str], canned: Callable[[Body], Canned]
) -> None:
    api = canned(discord_401)
    env = env | {"DISCORD_BOT_TOKEN": DISCORD_TOKEN}
    result = run(env, "-c", DISCORD_RUN, f"{api.url}/api/v10")
    line = the_one_line(result, DISCORD_TOKEN)
    assert line == "banwatch: Discord rejected the token: check DISCORD_BOT_TOKEN"
    assert api.paths == ["/api/v10/users/@me"]
    at_info = run(env | {"BOT_LOG_LEVEL": "INFO"}, "-c", DISCORD_RUN, f"{api.url}/api/v10")
    assert "PyNaCl" not in at_info.stderr
    assert "voice" not in at_info.stderr
    assert "Traceback" not in at_info.stderr


def test_no_discord_server_is_one_line(env: dict[str, str], closed_port: int) -> None:
    base = f"http://127.0.0.1:{closed_port}/api/v10"
    env = env | {"DISCORD_BOT_TOKEN": DISCORD_TOKEN}
    line = the_one_line(run(env, "-c", DISCORD_RUN, base), DISCORD_TOKEN)
    assert (
        line == f"banwatch: cannot reach Discord at {base} (connection refused): check your network"
    )


def test_discord_answering_a_web_page_is_one_line(
    env: dict[str, str], canned: Callable[[Body], Canned]
) -> None:
    portal = canned(web_page)
    env = env | {"DISCORD_BOT_TOKEN": DISCORD_TOKEN}
    line = the_one_line(run(env, "-c", DISCORD_RUN, f"{portal.url}/api/v10"), DISCORD_TOKEN)
    assert f"Discord at {portal.url}/api/v10 did not answer as its API does" in line


def test_a_taken_webhook_port_is_one_line_naming_the_settings(
    bot_api: FakeBotAPI, env: dict[str, str]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run(
            env
            | {"TELEGRAM_BOT_TOKEN": bot_api.token, "TELEGRAM_API_URL": bot_api.url}
            | {"BOT_WEBHOOK_URL": "https://bot.example/hook", "BOT_WEBHOOK_LISTEN": "127.0.0.1"}
            | {"BOT_WEBHOOK_PORT": str(port)}
        )
    line = the_one_line(result, bot_api.token)
    assert f"cannot listen for the webhook on 127.0.0.1:{port} (address already in use)" in line
    assert "BOT_WEBHOOK_PORT" in line


def chained(*chain: BaseException) -> BaseException:
    """chain[-1] caused by chain[-2] … caused by chain[0] (`raise … from`), as the HTTP
    stacks wrap a socket error; returns the outermost."""
    for cause, exc in itertools.pairwise(chain):
        exc.__cause__ = cause
    return chain[-1]


@pytest.mark.parametrize(
    ("socket_error", "reason"),
    [
        (socket.gaierror(socket.EAI_NONAME, "Name or service not known"), "DNS lookup failed"),
        (
            socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution"),
            "DNS lookup failed",
        ),
        (ConnectionRefusedError(errno.ECONNREFUSED, "Connect call failed"), "connection refused"),
        (OSError(errno.ENETUNREACH, "Network is unreachable"), "network unreachable"),
        (TimeoutError(), "timed out"),
        (ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number"), "TLS error"),
    ],
)
def test_without_a_network_the_line_names_the_cause(
    socket_error: BaseException, reason: str
) -> None:
    """What the machine without a network (or behind a broken proxy) raises, wrapped as
    httpx and python-telegram-bot wrap it, becomes one line with the cause."""
    exc = chained(
        socket_error, httpx.ConnectError("All connection attempts failed"), NetworkError("x")
    )
    assert isinstance(exc, NetworkError)
    line = str(startup_error(exc, "https://api.telegram.org"))
    assert line == (
        f"cannot reach the Telegram Bot API at https://api.telegram.org ({reason}): "
        "check your network or TELEGRAM_API_URL"
    )


def test_a_telegram_timeout_is_named_as_one() -> None:
    line = str(startup_error(chained(httpx.ConnectTimeout("x"), TimedOut()), "http://x"))
    assert "(timed out)" in line
