"""Classification speed on one core: ``python bench/classify_bench.py`` prints items/s.

Items are the development set's titles and summaries padded to about 300 characters,
classified with the feed's language given and with language detection, in turns, three
rounds each; the best round counts, as with ``timeit``: on a shared machine the slower
rounds measure the neighbours. `run(n)` returns the numbers for a table.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.classify import Classifier  # noqa: E402

DEV_SET = ROOT / "tests" / "data" / "classify" / "dev.jsonl"
TARGET_CHARS = 300


def _items() -> list[tuple[str, str, str]]:
    items = []
    for line in DEV_SET.read_text(encoding="utf-8").splitlines():
        data = json.loads(line)
        summary = data["summary"]
        while len(data["title"]) + len(summary) < TARGET_CHARS:
            summary += " " + data["summary"]
        items.append((data["title"], summary[: TARGET_CHARS - len(data["title"])], data["id"][4:6]))
    return items


ROUNDS = 3


def run(n: int = 20_000) -> dict[str, float]:
    """Classify `n` items with the language given and detected, ROUNDS times each in turns;
    the best items per second for each."""
    classifier = Classifier()
    items = _items()
    batch = [items[i % len(items)] for i in range(n)]
    classifier.classify(*batch[0])  # load word lists and the language model first
    result: dict[str, float] = {"items": float(n)}
    for _ in range(ROUNDS):
        for name, detect in (("items_per_s_lang_given", False), ("items_per_s_detected", True)):
            start = time.process_time()  # CPU time: other processes do not count
            for title, text, lang in batch:
                classifier.classify(title, text, None if detect else lang)
            result[name] = max(result.get(name, 0.0), n / (time.process_time() - start))
    return result


def main() -> None:
    result = run(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
    print(
        f"classify: {int(result['items'])} items of ~{TARGET_CHARS} chars, one core (CPU time),"
        f" best of {ROUNDS} rounds"
    )
    print(f"  language given    {result['items_per_s_lang_given']:>9,.0f} items/s")
    print(f"  language detected {result['items_per_s_detected']:>9,.0f} items/s")


if __name__ == "__main__":
    main()
