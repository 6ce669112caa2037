"""/healthz and /metrics in the terminal chat too: the real chat in this process, its
metrics server on a free port of 127.0.0.1, asked over HTTP while the chat is open."""

from __future__ import annotations

import asyncio
import io
import os
import socket
from pathlib import Path

import httpx

from bot.app import run_chat
from bot.config import load_settings
from tests.support.clock import FakeClock

TIMEOUT = 20.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_the_terminal_chat_serves_health_and_metrics(tmp_path: Path) -> None:
    port = free_port()
    settings = load_settings(None, BOT_DATABASE=str(tmp_path / "bw.db"), BOT_METRICS_PORT=str(port))
    read_end, write_end = os.pipe()
    out = io.StringIO()
    base = f"http://127.0.0.1:{port}"
    with os.fdopen(read_end, "r") as typed, os.fdopen(write_end, "w") as keyboard:
        chat = asyncio.create_task(
            run_chat(settings, first_poll=False, inp=typed, out=out, clock=FakeClock())
        )
        keyboard.write("/help\n")
        keyboard.flush()
        async with httpx.AsyncClient(timeout=5) as client, asyncio.timeout(TIMEOUT):
            while True:  # a bounded wait for the server to listen and /help to be answered
                try:
                    metrics = await client.get(f"{base}/metrics")
                except httpx.TransportError:
                    metrics = None
                if metrics is not None and 'command="help"' in metrics.text:
                    break
                await asyncio.sleep(0.05)
            health = await client.get(f"{base}/healthz")
        keyboard.close()
        await asyncio.wait_for(chat, TIMEOUT)
    assert (health.status_code, health.text) == (200, "ok\n")
    assert 'banwatch_command_latency_seconds_count{command="help"} 1.0' in metrics.text
    assert "banwatch_feeds{health=" in metrics.text
