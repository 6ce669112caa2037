"""/healthz and /metrics over real HTTP on 127.0.0.1 (a free port), with the real store,
poller and commands on a fake clock: "recently" is the clock's, never the wall's."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.app import make_classifier, make_fetcher
from bot.commands import Commands
from bot.commands.reply import Invocation
from bot.config import Settings, load_settings
from bot.delivery import Sender
from bot.feeds.poller import Poller
from bot.models import SubscriptionKind
from bot.ops.metrics import STALE_AFTER, Metrics, MetricsServer
from bot.store import Store
from tests.support.builders import ban_flag, make_item
from tests.support.clock import FakeClock


@pytest.fixture
def settings() -> Settings:
    return load_settings(None, BOT_METRICS_PORT="9464")


@pytest.fixture
async def store(tmp_path: object, clock: FakeClock) -> AsyncIterator[Store]:
    async with Store.open(f"{tmp_path}/bw.db", clock) as s:
        yield s


@pytest.fixture
async def poller(store: Store, settings: Settings) -> AsyncIterator[Poller]:
    async with make_fetcher(settings, store.clock) as fetcher:
        p = Poller(store, fetcher, make_classifier(settings), settings)
        yield p
        await p.close()


@pytest.fixture
async def served(store: Store, poller: Poller) -> AsyncIterator[tuple[Metrics, str]]:
    metrics = Metrics(store)
    metrics.poller = poller
    metrics.sender = Sender(store, {})
    server = MetricsServer(metrics, "127.0.0.1", 0)
    await server.start()
    try:
        yield metrics, f"http://127.0.0.1:{server.port}"
    finally:
        await server.stop()


async def get(url: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.get(url)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            found[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return found


async def test_healthz_is_503_when_the_poller_has_not_ticked_for_long_on_the_clock(
    served: tuple[Metrics, str], poller: Poller, clock: FakeClock
) -> None:
    _, url = served
    response = await get(f"{url}/healthz")
    assert (response.status_code, response.text) == (200, "ok\n")  # just started

    await clock.advance(STALE_AFTER + 1)
    response = await get(f"{url}/healthz")
    assert response.status_code == 503
    assert "poller: no tick" in response.text

    task = asyncio.create_task(poller.run())  # no feeds: it looks, then naps on the clock
    try:
        async with asyncio.timeout(10):
            while poller.last_tick is None:
                await asyncio.sleep(0.01)
        assert (await get(f"{url}/healthz")).status_code == 200
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await clock.advance(STALE_AFTER + 1)  # the poller is gone: no tick since
    assert (await get(f"{url}/healthz")).status_code == 503


async def test_healthz_is_503_when_the_store_does_not_answer(
    served: tuple[Metrics, str], store: Store
) -> None:
    _, url = served
    await store.db.close()
    response = await get(f"{url}/healthz")
    assert response.status_code == 503
    assert response.text.startswith("store:")


async def test_metrics_in_prometheus_text_format(
    served: tuple[Metrics, str], store: Store, settings: Settings, clock: FakeClock
) -> None:
    metrics, url = served
    ok, _ = await store.feeds.add("https://ok.example/feed", "OK")
    bad, _ = await store.feeds.add("https://bad.example/feed", "Bad")
    assert ok.id is not None
    assert bad.id is not None
    due = clock.now()
    await store.feeds.save_health(
        replace(ok, next_poll=due),
        replace(bad, failures=2, last_error="HTTP 500", next_poll=due + timedelta(seconds=60)),
    )
    chat = await store.chats.ensure("telegram", "42")
    assert chat.id is not None
    await store.chats.subscribe(chat.id, SubscriptionKind.ALL)
    later = clock.now() + timedelta(seconds=5)
    stored = await store.items.add_many(
        [
            make_item(ok.id, 1, title="WeChat closes accounts", flag=ban_flag(), published=later),
            make_item(ok.id, 2, title="Bitcoin price rises", published=later),
        ]
    )
    metrics.ingested(stored)
    commands = Commands(store, settings)
    commands.observe = metrics.observe_command
    await commands.run(Invocation("telegram", "42", "latest"))
    await commands.run(Invocation("telegram", "42", "l"))
    await commands.run(Invocation("telegram", "42", "nonsense"))
    await clock.advance(120)  # the first feed was due then: two minutes late now

    response = await get(f"{url}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    found = samples(response.text)
    assert found[("banwatch_feeds", (("health", "ok"),))] == 1
    assert found[("banwatch_feeds", (("health", "failing"),))] == 1
    assert found[("banwatch_feeds", (("health", "disabled"),))] == 0
    assert found[("banwatch_items_ingested_total", (("category", "ban"),))] == 1
    assert found[("banwatch_items_ingested_total", (("category", "none"),))] == 1
    assert found[("banwatch_flags_ingested_total", (("category", "ban"),))] == 1
    assert found[("banwatch_flags_ingested_total", (("category", "regulation"),))] == 0
    assert found[("banwatch_outbox_depth", ())] == 1
    assert found[("banwatch_messages_sent_total", ())] == 0
    assert found[("banwatch_rate_limited_total", ())] == 0
    assert found[("banwatch_poll_lag_seconds", ())] >= 120
    latest = (("command", "latest"),)
    assert found[("banwatch_command_latency_seconds_count", latest)] == 2
    assert found[("banwatch_command_latency_seconds_count", (("command", "unknown"),))] == 1
