"""The feed side of the pipeline: fetch → parse → normalise, plus poll scheduling and feed lists.

    fetch.Fetcher.fetch(url)      bytes over HTTP, conditional GET, limits   → FetchResult
    parse.parse_feed(result)      fastfeedparser, else feedparser, in a thread → ParsedFeed
    normalize.normalize_entry(e)  one entry as plain text, canonical URL, UTC → Item
    schedule.next_poll(...)       jitter on success, backoff on failure
    feedlist.read_feed_list(path) OPML or one URL per line

The poller (poller.py) wires these to the store.
"""
