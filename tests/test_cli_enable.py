"""`banwatch feeds enable`: the command line's way to bring disabled feeds back."""

from __future__ import annotations

from tests.support.feedserver import FeedServer
from tests.test_cli import banwatch, env  # noqa: F401 - the fixture is used by name


def test_feeds_enable_all_brings_disabled_feeds_back(
    env: dict[str, str],  # noqa: F811 - the imported fixture
    feed_server: FeedServer,
) -> None:
    for path in ("/fr.rss", "/en.rss", "/en.atom"):
        feed_server.add(path, "down", status=503)
    failing = env | {"BOT_MAX_FAILURES": "1"}
    banwatch("fetch", "--once", env=failing)
    assert banwatch("feeds", "list", env=env).stdout.count("disabled after 1 failures") == 3

    assert banwatch("feeds", "enable", env=env, check=False).returncode == 2  # which ones?
    enabled = banwatch("feeds", "enable", "--all", env=env)
    assert "Feeds enabled again: 3." in enabled.stdout
    assert "disabled" not in banwatch("feeds", "list", env=env).stdout
    again = banwatch("feeds", "enable", "--all", env=env)
    assert "No feed is disabled." in again.stdout
