"""What people type for a jurisdiction, platform or regulator, read into the name the
classifier reports, from the classifier's own table (``lexicons/entities.toml``).

    find("jurisdictions", "China")  → "CN"        find("platforms", "x") → "X/Twitter"
    closest("platforms", "wechta")  → ["WeChat"]  complete("regulators", "se") → SEC, SEPBLAC…

A name is matched whole, case- and accent-insensitively, against its canonical form (each
part of "X/Twitter" too), an ISO code for jurisdictions, and its aliases as the classifier
writes them (``=X`` is "x", ``europ*`` any word starting "europ"). Aliases listed under the
name ``-`` only stop shorter matches in articles: nobody subscribes to them.
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass
from pathlib import Path

from bot.classify.entities import SHADOW
from bot.classify.wordlists import LEXICON_DIR, _read, _strings
from bot.text import fold

KINDS = ("jurisdictions", "platforms", "regulators")


def _key(text: str) -> str:
    """The form names are compared in: folded, spaces single, no trailing dot."""
    return " ".join(fold(text.lstrip("=")).split()).strip(" .")


@dataclass(frozen=True, slots=True)
class NameTable:
    """One kind of name: canonical names in file order, and what reads into each."""

    kind: str
    names: tuple[str, ...]
    exact: dict[str, str]  # key → canonical name
    patterns: tuple[tuple[re.Pattern[str], str], ...]  # `europ*` → canonical name

    def find(self, text: str) -> str | None:
        """The canonical name `text` stands for, or None."""
        key = _key(text)
        if not key:
            return None
        if key in self.exact:
            return self.exact[key]
        for pattern, name in self.patterns:
            if pattern.fullmatch(key):
                return name
        return None

    def closest(self, text: str, n: int = 3) -> list[str]:
        """Up to `n` names spelled most like `text`, each once, best first, as `label`s
        (the alias that came close is shown beside a code: "CN (china)")."""
        found = difflib.get_close_matches(_key(text), list(self.exact), n=n * 4, cutoff=0.6)
        labels: dict[str, str] = {}
        for key in found:
            name = self.exact[key]
            if name not in labels:
                labels[name] = self.label(name, key)
        return list(labels.values())[:n]

    def label(self, name: str, alias: str | None = None) -> str:
        """A name as shown in hints and menus: a jurisdiction's code with a word that
        says it ("FR (france)"); other names as they are."""
        if self.kind != "jurisdictions":
            return name
        if alias is None or _key(alias) == _key(name):
            alias = next((k for k, n in self.exact.items() if n == name and k != _key(name)), "")
        return f"{name} ({alias})" if alias else name

    def complete(self, fragment: str, limit: int = 25) -> list[str]:
        """Names for a fragment being typed: the canonical names starting with it first,
        then those with an alias starting with it, then those containing it anywhere."""
        key = _key(fragment)
        if not key:
            return list(self.names[:limit])
        ranked: dict[str, int] = {}
        for alias, name in self.exact.items():
            if _key(name).startswith(key):
                rank = 0
            elif alias.startswith(key):
                rank = 1
            elif key in alias:
                rank = 2
            else:
                continue
            ranked[name] = min(rank, ranked.get(name, rank))
        order = {name: i for i, name in enumerate(self.names)}
        return sorted(ranked, key=lambda name: (ranked[name], order[name]))[:limit]


def _pattern(alias: str) -> re.Pattern[str] | None:
    """`europ*` / `*bank` as a whole-name pattern; None for word gaps (`lift * ban`)."""
    key = _key(alias)
    if "*" not in key or " * " in f" {key} " or "**" in key:
        return None
    return re.compile(".*?".join(re.escape(part) for part in key.split("*")))


def _table(kind: str, section: dict[str, object]) -> NameTable:
    names: list[str] = []
    exact: dict[str, str] = {}
    patterns: list[tuple[re.Pattern[str], str]] = []
    for name, entry in section.items():
        if name == SHADOW:
            continue
        names.append(name)
        keys = [name, *name.split("/")]
        for alias in _strings(f"entities.toml: [{kind}] {name}", entry):
            if "*" in alias:
                if (pattern := _pattern(alias)) is not None:
                    patterns.append((pattern, name))
            else:
                keys.append(alias)
        for key in map(_key, keys):
            if key:
                exact.setdefault(key, name)  # the first name listed keeps a shared alias
    return NameTable(kind, tuple(names), exact, tuple(patterns))


@functools.cache
def tables(directory: Path = LEXICON_DIR) -> dict[str, NameTable]:
    """The three tables, keyed "jurisdictions", "platforms", "regulators"."""
    data = _read(directory / "entities.toml")
    return {kind: _table(kind, data.get(kind, {})) for kind in KINDS}
