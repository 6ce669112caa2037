"""Feed and status commands: /feeds, /stats, and the admin-only /addfeed, /removefeed,
/enablefeeds."""

from __future__ import annotations

from datetime import datetime

from bot.commands.args import whole_number
from bot.commands.context import Context
from bot.commands.feedback import stats_line
from bot.commands.reply import Invocation, Reply
from bot.errors import UsageError
from bot.feeds.guard import BadHost, normalize_feed_url
from bot.i18n import Translate, plural_translator, translator
from bot.models import Feed
from bot.text import without_credentials

FEEDS_SHOWN = 60
URL_MAX = 2000


def shown_url(url: str) -> str:
    """A feed's URL as users see it: a user name and password in it (kept for the fetcher)
    become `***`. /feeds is open to everyone."""
    return without_credentials(url, "***@")


def feed_status(feed: Feed, now: datetime, tr: Translate | None = None) -> str:
    _ = tr or translator(None)
    error = feed.last_error or _("unknown error")
    if feed.disabled:
        return _("disabled after {count} failures: {error}").format(
            count=feed.failures, error=error
        )
    if feed.failures:
        return _("failing ×{count}: {error}").format(count=feed.failures, error=error)
    if feed.last_success is None:
        return _("not polled yet")
    return _("ok, {ago}").format(ago=_ago(feed.last_success, now, _))


async def feeds(ctx: Context, inv: Invocation) -> Reply:
    _ = translator(inv.lang)
    all_feeds = await ctx.store.feeds.all()
    if not all_feeds:
        return Reply(_("No feeds yet. An admin can add one with /addfeed <url>."))
    counts = await ctx.store.feeds.item_counts()
    now = ctx.clock.now()
    ok = sum(1 for f in all_feeds if not f.failures and not f.disabled and f.last_success)
    n_ = plural_translator(inv.lang)
    lines = [
        n_(
            "#{id} {name} — {count} item, {status}",
            "#{id} {name} — {count} items, {status}",
            counts.get(f.id or 0, 0),
        ).format(
            id=f.id,
            name=f.title or shown_url(f.url),
            count=counts.get(f.id or 0, 0),
            status=feed_status(f, now, _),
        )
        for f in all_feeds[:FEEDS_SHOWN]
    ]
    if len(all_feeds) > FEEDS_SHOWN:
        lines.append(
            _("… and {count} more (banwatch feeds list shows all)").format(
                count=len(all_feeds) - FEEDS_SHOWN
            )
        )
    head = n_("{count} feed, {ok} healthy:", "{count} feeds, {ok} healthy:", len(all_feeds))
    head = head.format(count=len(all_feeds), ok=ok)
    return Reply(head + "\n" + "\n".join(lines))


async def stats(ctx: Context, inv: Invocation) -> Reply:
    _ = translator(inv.lang)
    s = await ctx.store.items.stats()
    now = ctx.clock.now()
    lines = [
        _("Feeds: {feeds} ({failing} failing, {disabled} disabled)").format(
            feeds=s.feeds, failing=s.feeds_failing, disabled=s.feeds_disabled
        ),
        _("Items: {items} — flagged: {bans} bans, {regulation} regulation").format(
            items=s.items, bans=s.bans, regulation=s.regulation
        ),
        _("Chats: {chats} with {subscriptions} subscriptions").format(
            chats=s.chats, subscriptions=s.subscriptions
        ),
        _("Alerts: {sent} sent, {pending} pending").format(
            sent=s.sent_alerts, pending=s.pending_alerts
        ),
        _("Newest item: {when}").format(when=_ago(s.newest, now, _) if s.newest else _("none yet")),
        _("Last poll: {when}").format(
            when=_ago(s.last_poll, now, _) if s.last_poll else _("not yet")
        ),
        await stats_line(ctx, _),
    ]
    return Reply("\n".join(lines))


def _admin_only(ctx: Context, inv: Invocation) -> Reply | None:
    if ctx.is_admin(inv):
        return None
    _ = translator(inv.lang)
    return Reply(_("Only the bot's administrators (BOT_ADMINS) can change feeds."), error=True)


def check_feed_url(url: str, tr: Translate | None = None) -> str:
    """The feed URL in the form it is stored and fetched in (see `normalize_feed_url`), or a
    UsageError that says what is wrong with it."""
    _ = tr or translator(None)
    url = url.strip().strip("<>")
    try:
        if len(url) <= URL_MAX:
            return normalize_feed_url(url)
    except BadHost as exc:
        raise UsageError(
            _("Cannot fetch a feed from {host}: it is not a valid domain name.").format(
                host=exc.host[:100]
            )
        ) from None
    except ValueError:
        pass
    raise UsageError(
        _("Give the feed's full http(s) address, e.g. /addfeed https://example.com/rss")
    )


async def addfeed(ctx: Context, inv: Invocation) -> Reply:
    if refusal := _admin_only(ctx, inv):
        return refusal
    _ = translator(inv.lang)
    url = check_feed_url(inv.args, _)
    feed, new = await ctx.store.feeds.add(url)
    ctx.poke_poller()  # new or enabled again: polled now, not at the next interval
    url = shown_url(url)  # the stored URL keeps its credentials; the reply does not
    if not new:
        return Reply(_("Already watching that feed as #{id}; it is enabled.").format(id=feed.id))
    return Reply(
        _("Added feed #{id}: {url}. It will be polled within a minute.").format(id=feed.id, url=url)
    )


async def removefeed(ctx: Context, inv: Invocation) -> Reply:
    if refusal := _admin_only(ctx, inv):
        return refusal
    _ = translator(inv.lang)
    number = whole_number(inv.args, _("Give the feed's number from /feeds, e.g. /removefeed 3"))
    removed = await ctx.store.feeds.remove(number)
    if removed is None:
        return Reply(_("There is no feed #{id}. /feeds lists them.").format(id=number), error=True)
    return Reply(
        _("Removed feed #{id} ({name}) and its items.").format(
            id=number, name=removed.title or shown_url(removed.url)
        )
    )


async def enablefeeds(ctx: Context, inv: Invocation) -> Reply:
    """Enable disabled feeds again: every one, or the one numbered (they come back by
    themselves too, at their daily retry, once they answer)."""
    if refusal := _admin_only(ctx, inv):
        return refusal
    _ = translator(inv.lang)
    arg = inv.args.strip().lstrip("#")
    if arg and not (arg.isascii() and arg.isdigit() and len(arg) <= 18):
        raise UsageError(
            _("Give a feed's number from /feeds, or nothing to enable every disabled feed.")
        )
    count = await ctx.store.feeds.enable(int(arg) if arg else None)
    if count:
        ctx.poke_poller()
        return Reply(
            _("Feeds enabled again: {count}. They will be polled within a minute.").format(
                count=count
            )
        )
    if arg:
        return Reply(
            _("Feed #{id} is not disabled (or there is no such feed). /feeds lists them.").format(
                id=arg
            ),
            error=True,
        )
    return Reply(_("No feed is disabled."))


def _ago(moment: datetime, now: datetime, tr: Translate | None = None) -> str:
    _ = tr or translator(None)
    seconds = int((now - moment).total_seconds())
    if seconds < 0:
        return moment.strftime("%Y-%m-%d %H:%M UTC")
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return _("{count} {unit} ago").format(count=seconds // size, unit=unit)
    return _("just now")
