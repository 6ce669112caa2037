"""Feed and status commands: /feeds, /stats, and the admin-only /addfeed, /removefeed."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from bot.commands.context import Context
from bot.commands.reply import Invocation, Reply
from bot.errors import UsageError
from bot.models import Feed

FEEDS_SHOWN = 60
URL_MAX = 2000


def feed_status(feed: Feed) -> str:
    if feed.disabled:
        return f"disabled after {feed.failures} failures: {feed.last_error or 'unknown error'}"
    if feed.failures:
        return f"failing ×{feed.failures}: {feed.last_error or 'unknown error'}"
    if feed.last_success is None:
        return "not polled yet"
    return f"ok, {_ago(feed.last_success)}"


async def feeds(ctx: Context, inv: Invocation) -> Reply:
    all_feeds = await ctx.store.feeds.all()
    if not all_feeds:
        return Reply("No feeds yet. An admin can add one with /addfeed <url>.")
    counts = await ctx.store.feeds.item_counts()
    ok = sum(1 for f in all_feeds if not f.failures and not f.disabled and f.last_success)
    lines = [
        f"#{f.id} {f.title or f.url} — {counts.get(f.id or 0, 0)} items, {feed_status(f)}"
        for f in all_feeds[:FEEDS_SHOWN]
    ]
    if len(all_feeds) > FEEDS_SHOWN:
        lines.append(f"… and {len(all_feeds) - FEEDS_SHOWN} more (banwatch feeds list shows all)")
    return Reply(f"{len(all_feeds)} feeds, {ok} healthy:\n" + "\n".join(lines))


async def stats(ctx: Context, inv: Invocation) -> Reply:
    s = await ctx.store.items.stats()
    lines = [
        f"Feeds: {s.feeds} ({s.feeds_failing} failing, {s.feeds_disabled} disabled)",
        f"Items: {s.items} — flagged: {s.bans} bans, {s.regulation} regulation",
        f"Chats: {s.chats} with {s.subscriptions} subscriptions",
        f"Alerts: {s.sent_alerts} sent, {s.pending_alerts} pending",
        f"Newest item: {_ago(s.newest) if s.newest else 'none yet'}",
        f"Last poll: {_ago(s.last_poll) if s.last_poll else 'not yet'}",
    ]
    return Reply("\n".join(lines))


def _admin_only(ctx: Context, inv: Invocation) -> Reply | None:
    if ctx.is_admin(inv):
        return None
    return Reply("Only the bot's administrators (BOT_ADMINS) can change feeds.", error=True)


def check_feed_url(url: str) -> str:
    url = url.strip().strip("<>")
    parts = urlsplit(url)
    if len(url) > URL_MAX or parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            "Give the feed's full http(s) address, e.g. /addfeed https://example.com/rss"
        )
    return url


async def addfeed(ctx: Context, inv: Invocation) -> Reply:
    if refusal := _admin_only(ctx, inv):
        return refusal
    url = check_feed_url(inv.args)
    feed, new = await ctx.store.feeds.add(url)
    if not new:
        return Reply(f"Already watching that feed as #{feed.id}; it is enabled.")
    return Reply(f"Added feed #{feed.id}: {url}. It will be polled within a minute.")


async def removefeed(ctx: Context, inv: Invocation) -> Reply:
    if refusal := _admin_only(ctx, inv):
        return refusal
    arg = inv.args.strip().lstrip("#")
    if not arg.isdigit() or len(arg) > 18:
        raise UsageError("Give the feed's number from /feeds, e.g. /removefeed 3")
    removed = await ctx.store.feeds.remove(int(arg))
    if removed is None:
        return Reply(f"There is no feed #{arg}. /feeds lists them.", error=True)
    return Reply(f"Removed feed #{arg} ({removed.title or removed.url}) and its items.")


def _ago(moment: datetime) -> str:
    seconds = int((datetime.now(moment.tzinfo) - moment).total_seconds())
    if seconds < 0:
        return moment.strftime("%Y-%m-%d %H:%M UTC")
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return "just now"
