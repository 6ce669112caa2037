"""Feed lists: OPML and plain text, errors that name the file, export, the bundled list."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.feeds.feedlist import (
    FeedSpec,
    default_feeds_path,
    export_opml,
    parse_opml,
    read_feed_list,
)

NESTED_OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>Mine</title></head>
  <body>
    <outline text="news" language="fr">
      <outline text="crypto">
        <outline type="rss" text="Cryptoast" xmlUrl="https://cryptoast.fr/feed/"/>
      </outline>
      <outline type="rss" text="CoinDesk" language="en"
               xmlUrl="https://www.coindesk.com/arc/outboundfeeds/rss/"/>
    </outline>
    <outline type="rss" title="SEC" xmlUrl="https://www.sec.gov/news/pressreleases.rss"/>
    <outline text="Not a feed, just a heading"/>
  </body>
</opml>
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_nested_opml(tmp_path: Path) -> None:
    feeds = read_feed_list(write(tmp_path, "feeds.opml", NESTED_OPML))
    assert feeds == [
        FeedSpec("https://cryptoast.fr/feed/", "Cryptoast", "fr", "news/crypto"),
        FeedSpec("https://www.coindesk.com/arc/outboundfeeds/rss/", "CoinDesk", "en", "news"),
        FeedSpec("https://www.sec.gov/news/pressreleases.rss", "SEC", None, ""),
    ]


def test_text_list_with_comments_and_blanks(tmp_path: Path) -> None:
    text = (
        "\ufeff# my feeds\n\n"
        "https://cointelegraph.com/rss\n"
        "   https://decrypt.co/feed   # trailing comment\n"
        "\n# https://commented.example/out\n"
        "https://cointelegraph.com/rss\n"
    )
    feeds = read_feed_list(write(tmp_path, "feeds.txt", text))
    assert [f.url for f in feeds] == ["https://cointelegraph.com/rss", "https://decrypt.co/feed"]


def test_format_detected_by_content_not_name(tmp_path: Path) -> None:
    feeds = read_feed_list(write(tmp_path, "feeds.txt", NESTED_OPML))
    assert len(feeds) == 3


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.opml"
    with pytest.raises(ConfigError, match=r"nope\.opml: cannot read feed list"):
        read_feed_list(path)


def test_bad_line_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "feeds.txt", "https://ok.example/rss\nftp://bad.example/rss\n")
    with pytest.raises(ConfigError, match=r"feeds\.txt:2: not an http\(s\) URL"):
        read_feed_list(path)


def test_broken_xml_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.opml", "<opml><body><outline xmlUrl='x'></body>")
    with pytest.raises(ConfigError, match=r"broken\.opml: not valid OPML/XML"):
        read_feed_list(path)


def test_doctype_is_refused(tmp_path: Path) -> None:
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<opml version="2.0"><body><outline text="&b;" xmlUrl="https://x.example/"/></body></opml>'
    )
    with pytest.raises(ConfigError, match="DOCTYPE or ENTITY"):
        read_feed_list(write(tmp_path, "evil.opml", laughs))


def test_binary_file_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "feeds.bin"
    path.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(ConfigError, match=r"feeds\.bin: feed list is not UTF-8"):
        read_feed_list(path)


def test_empty_list_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"empty\.txt: no feed URLs found"):
        read_feed_list(write(tmp_path, "empty.txt", "# nothing yet\n"))


def test_not_opml_root(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not OPML"):
        read_feed_list(write(tmp_path, "rss.xml", "<rss><channel/></rss>"))


def test_export_import_round_trip(tmp_path: Path) -> None:
    pairs = [
        ("Journal du Coin", "https://journalducoin.com/feed/"),
        ("Ampersand & <Co>", "https://x.example/rss?a=1&b=2"),
        ("", "https://untitled.example/feed"),
    ]
    text = export_opml(pairs)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    back = read_feed_list(write(tmp_path, "out.opml", text))
    assert [(f.title, f.url) for f in back] == pairs


def test_export_keeps_language() -> None:
    text = export_opml([FeedSpec("https://fr.cointelegraph.com/rss", "CT FR", "fr")])
    assert parse_opml(text)[0].lang == "fr"


def test_bundled_list() -> None:
    feeds = read_feed_list(default_feeds_path())
    assert len(feeds) >= 20
    assert all(f.url.startswith(("https://", "http://")) for f in feeds)
    assert all(f.title for f in feeds)
    categories = {f.category for f in feeds}
    assert {"news-en", "news-fr", "news-es", "news-de", "news-pt", "regulators"} <= categories
    by_category = {f.category: f.lang for f in feeds if f.category.startswith("news-")}
    assert by_category["news-fr"] == "fr"
    assert by_category["news-de"] == "de"
